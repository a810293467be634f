"""The search index: writing it into the store, and reading it one term at a time.

Postings are stored per stem in SQLite (`postings`: record numbers, BM25F impacts with the idf
applied, field bit masks, as packed arrays); the surface vocabulary (`vocabulaire`: folded word,
stem, document frequency, length, sound key) serves typo tolerance, prefixes and suggestions.
A search reads only the rows of its terms and of their variants.
"""

from __future__ import annotations

import math
import sqlite3
from array import array
from collections import Counter
from collections.abc import Iterable

from ..fields import SEARCH_FIELDS
from ..text import analyse, phonetic, stem

K1, B = 1.2, 0.75
FIELD_NAMES = tuple(name for name, _ in SEARCH_FIELDS)
# A record's theme words are indexed apart, under THEME + stem: a query word that names a theme
# finds its records as a variant of lower weight, never as if the record contained the word.
THEME = "#"
_THEME_FIELD = FIELD_NAMES.index("thematiques")
# Texts shared by many records (an action's labels, a partner list) are analysed once.
SHARED_FIELDS = frozenset({"action", "lieux", "partenaires"})
_TOP = "\U0010ffff"  # above every character: `prefix + _TOP` bounds a range of words


class IndexBuilder:
    """Accumulates postings record by record, then writes them into the store.

    BM25F normalises each field's term frequency by the field's average length, known only
    once every record is read. The averages are taken on the first SAMPLE_FOR_LENGTHS records
    (all of them in a small catalogue), which are held back until then; on a large catalogue
    a sample of this size gives the average within a few percent, and the records need not
    be kept. The idf, which needs every record, is applied when writing.
    """

    SAMPLE_FOR_LENGTHS = 2000

    def __init__(self) -> None:
        self.n = 0
        self.word_stem: dict[str, str] = {}
        self.vocab_df: dict[str, int] = {}
        self.postings: dict[str, tuple[array, array, array]] = {}
        self.pending: list[tuple[list[Counter[str]], list[int]]] = []
        self.norms: list[tuple[float, float]] | None = None  # per field: (weight, avg length)
        self.length_sums = [0] * len(SEARCH_FIELDS)
        self.analysed: dict[str, tuple[Counter[str], int]] = {}

    def _analyse(self, text: str, shared: bool) -> tuple[Counter[str], int]:
        found = self.analysed.get(text) if shared else None
        if found is None:
            toks = analyse(text)
            found = (Counter(toks), len(toks))
            if shared and len(self.analysed) < 10_000 and len(text) < 2000:
                self.analysed[text] = found
        return found

    def add(self, rec: dict[str, str]) -> None:
        counts = []
        lens = []
        seen: set[str] = set()
        for i, name in enumerate(FIELD_NAMES):
            c, length = self._analyse(rec.get(name, ""), name in SHARED_FIELDS)
            counts.append(c)
            lens.append(length)
            self.length_sums[i] += length
            if i != _THEME_FIELD:  # the vocabulary (typos, suggestions) is the records' own words
                seen.update(c)
        df = self.vocab_df
        for w in seen:
            df[w] = df.get(w, 0) + 1
        if self.norms is None:
            self.pending.append((counts, lens))
            if len(self.pending) >= self.SAMPLE_FOR_LENGTHS:
                self._flush()
        else:
            self._post(self.n, counts, lens)
        self.n += 1

    def _flush(self) -> None:
        n = max(1, len(self.pending))
        self.norms = [(w, (self.length_sums[i] / n) or 1.0) for i, (_, w) in enumerate(SEARCH_FIELDS)]
        for doc, (counts, lens) in enumerate(self.pending):
            self._post(doc, counts, lens)
        self.pending = []

    def _post(self, doc: int, counts: list[Counter[str]], lens: list[int]) -> None:
        assert self.norms is not None
        word_stem = self.word_stem
        acc: dict[str, list[float]] = {}
        for i, c in enumerate(counts):
            if not c:
                continue
            weight, avg = self.norms[i]
            w = weight / (1 - B + B * lens[i] / avg)
            bit = 1 << i
            for word, count in c.items():
                s = word_stem.get(word)
                if s is None:
                    s = word_stem[word] = stem(word)
                if i == _THEME_FIELD:
                    s = THEME + s
                slot = acc.get(s)
                if slot is None:
                    acc[s] = [count * w, bit]
                else:
                    slot[0] += count * w
                    slot[1] = int(slot[1]) | bit
        postings = self.postings
        for s, (tfw, mask) in acc.items():
            lists = postings.get(s)
            if lists is None:
                lists = postings[s] = (array("i"), array("f"), array("H"))
            lists[0].append(doc)
            lists[1].append(tfw * (K1 + 1) / (tfw + K1))  # saturated; times idf when written
            lists[2].append(int(mask))

    def write(self, conn: sqlite3.Connection) -> None:
        from ..thesaurus import load as load_thesaurus

        if self.norms is None:
            self._flush()
        n = self.n

        def rows():
            for s, (d, f, m) in self.postings.items():
                idf = math.log(1 + (n - len(d) + 0.5) / (len(d) + 0.5))
                yield s, d.tobytes(), array("f", [x * idf for x in f]).tobytes(), m.tobytes()

        conn.executemany("INSERT INTO postings VALUES (?, ?, ?, ?)", rows())
        self.postings.clear()
        conn.executemany(
            "INSERT INTO vocabulaire VALUES (?, ?, ?, ?, ?)",
            (
                (w, self.word_stem[w], df, len(w), phonetic(w) if len(w) >= 4 and not w.isdigit() else None)
                for w, df in self.vocab_df.items()
            ),
        )
        synonyms, expansions = load_thesaurus()
        conn.executemany(
            "INSERT INTO synonymes VALUES (?, ?)", ((s, o) for s, others in synonyms.items() for o in others)
        )
        conn.executemany(
            "INSERT INTO expansions VALUES (?, ?, ?)",
            ((" ".join(key), " ".join(alt), how) for key, alts in expansions.items() for alt, how in alts),
        )


class DamagedIndex(Exception):
    """Postings whose arrays do not agree: the store cannot be trusted."""


class Index:
    """The index of an open store, read term by term; what a query reads is kept for it."""

    def __init__(self, conn: sqlite3.Connection, n_docs: int):
        self.conn = conn
        self.n_docs = n_docs
        self._postings: dict[str, tuple[array, array, array] | None] = {}
        self._words: dict[str, tuple[str, int] | None] = {}

    def postings(self, s: str) -> tuple[array, array, array] | None:
        """Record numbers (ascending), impacts and field masks of one stem."""
        if s in self._postings:
            return self._postings[s]
        row = self.conn.execute("SELECT docs, impacts, masks FROM postings WHERE stem = ?", (s,)).fetchone()
        found = None
        if row is not None:
            docs, impacts, masks = array("i"), array("f"), array("H")
            try:
                docs.frombytes(row[0])
                impacts.frombytes(row[1])
                masks.frombytes(row[2])
            except (ValueError, TypeError):
                raise DamagedIndex(s) from None
            if not len(docs) == len(impacts) == len(masks) or (docs and not 0 <= docs[-1] < self.n_docs):
                raise DamagedIndex(s)
            found = (docs, impacts, masks)
        self._postings[s] = found
        return found

    def has(self, s: str) -> bool:
        if s in self._postings:
            return self._postings[s] is not None
        return self.conn.execute("SELECT 1 FROM postings WHERE stem = ?", (s,)).fetchone() is not None

    def word(self, w: str) -> tuple[str, int] | None:
        """(stem, document frequency) of a folded vocabulary word."""
        if w not in self._words:
            row = self.conn.execute("SELECT stem, df FROM vocabulaire WHERE mot = ?", (w,)).fetchone()
            self._words[w] = None if row is None else (row[0], row[1])
        return self._words[w]

    def learn(self, words: Iterable[str]) -> None:
        """Look many folded words up at once (one query per 500 words instead of one each), for
        a pass that will stem every word of some texts (the proximity bonus)."""
        todo = [w for w in dict.fromkeys(words) if w not in self._words]
        for start in range(0, len(todo), 500):
            chunk = todo[start : start + 500]
            found: dict[str, tuple[str, int] | None] = dict.fromkeys(chunk)
            marks = ",".join("?" * len(chunk))
            for w, s, df in self.conn.execute(f"SELECT mot, stem, df FROM vocabulaire WHERE mot IN ({marks})", chunk):
                found[w] = (s, df)
            self._words.update(found)

    def stem_of(self, w: str) -> str:
        """A folded word's stem: the catalogue's own words are looked up, not re-stemmed (which
        also spares loading the stemmer for most searches)."""
        known = self.word(w)
        return known[0] if known is not None else stem(w)

    def completions(self, prefix: str, limit: int) -> list[tuple[str, str, int]]:
        """Vocabulary words that start with `prefix`, most frequent first: (word, stem, df)."""
        return self.conn.execute(
            "SELECT mot, stem, df FROM vocabulaire WHERE mot >= ? AND mot < ? ORDER BY df DESC, mot LIMIT ?",
            (prefix, prefix + _TOP, limit),
        ).fetchall()

    def stems_extending(self, s: str) -> list[str]:
        """Indexed stems that start with `s` and are longer."""
        return [x for (x,) in self.conn.execute("SELECT stem FROM postings WHERE stem > ? AND stem < ?", (s, s + _TOP))]

    def words_of_length(self, lo: int, hi: int, first: str | None = None) -> list[str]:
        """Vocabulary words of lengths lo..hi, starting with `first` when given."""
        if first is None:
            sql, params = "SELECT mot FROM vocabulaire WHERE longueur BETWEEN ? AND ?", (lo, hi)
        else:
            sql = "SELECT mot FROM vocabulaire WHERE mot >= ? AND mot < ? AND longueur BETWEEN ? AND ?"
            params = (first, first + _TOP, lo, hi)  # type: ignore[assignment]
        return [w for (w,) in self.conn.execute(sql, params)]

    def words_sounding(self, key: str) -> list[str]:
        return [w for (w,) in self.conn.execute("SELECT mot FROM vocabulaire WHERE son = ?", (key,))]

    def synonyms(self, s: str) -> list[str]:
        return [o for (o,) in self.conn.execute("SELECT autre FROM synonymes WHERE stem = ?", (s,))]

    def expansions(self, key: tuple[str, ...]) -> list[tuple[tuple[str, ...], str]]:
        """What a sequence of query stems stands for in the thesaurus: (stems, how) each."""
        rows = self.conn.execute("SELECT stems, comment FROM expansions WHERE cle = ?", (" ".join(key),))
        return [(tuple(stems.split()), how) for stems, how in rows]

    def idf(self, s: str) -> float:
        """Inverse document frequency of a stem (0 when it is in no record)."""
        found = self.postings(s)
        if found is None:
            return 0.0
        df = len(found[0])
        return math.log(1 + (self.n_docs - df + 0.5) / (df + 0.5))
