"""Full-text search: an inverted index of analysed terms, BM25F ranking, typo tolerance on the
catalogue's vocabulary, curated synonyms, a relevance cut-off, highlights and snippets.

Ranking follows the reference engines: first how many query words a record matches
(Meilisearch's first rule), then a BM25F score (k1 = 1.2, b = 0.75) in which a title match
counts more than a partner, place or action match, which count more than the body.
"""

from __future__ import annotations

import bisect
import heapq
import math
from array import array
from collections import Counter
from collections.abc import Callable, Iterable
from functools import lru_cache
from itertools import chain, pairwise, repeat
from typing import Any, NamedTuple

from .model import Catalogue, Exemple
from .text import MAX_QUERY_CHARS, analyse, fold, normalise, phonetic, stem, terms, words

K1, B = 1.2, 0.75

# Field name, weight. Order fixes the bit of each field in a posting's field mask.
FIELDS: tuple[tuple[str, float], ...] = (
    ("titre", 4.0),
    ("partenaires", 2.5),
    ("lieux", 2.0),
    ("action", 0.8),
    ("description", 1.5),
    ("methode", 1.0),
    ("resultats", 1.0),
    ("autres", 0.5),
)
FIELD_NAMES = tuple(name for name, _ in FIELDS)

# How much a match found by each route counts, against an exact match (1.0).
PENALTY_FAMILY = 0.8  # another stem of the same word family: recycl / recyclag
PENALTY_PREFIX = 0.7  # the last query word as a prefix (being typed)
PENALTY_SYNONYM = 0.6
PENALTY_TYPO = (1.0, 0.75, 0.55)  # by number of typos
PENALTY_PHONETIC = 0.55  # same sound key (« dunkerke » / « dunkerque »)
MIN_FAMILY_PREFIX = 6
RELATIVE_CUTOFF = 0.2  # results scoring under this share of the best one are noise
PARTIAL_CUTOFF = 0.3  # stricter for results that miss some of the query words
PHRASE_BONUS_TITLE, PHRASE_BONUS_BODY = 0.5, 0.35  # per pair of query words adjacent in a field
RERANK_DEPTH = 15
MAX_PREFIX_EXPANSIONS = 30


def typo_budget(term: str) -> int:
    """Meilisearch's defaults: no typo under 5 letters, 1 from 5, 2 from 9; digits exact."""
    if term.isdigit() or len(term) < 5:
        return 0
    return 1 if len(term) < 9 else 2


def field_texts(ex: Exemple, catalogue: Catalogue) -> dict[str, str]:
    """The searchable text of a record, by field."""
    action = catalogue.action(ex.action)
    axe = catalogue.axe(action.axe)
    places = []
    for t in ex.territoires:
        places += [t.nom, t.departement or "", t.region or "", t.pays or ""]
    return {
        "titre": f"{ex.titre} {ex.titre_original or ''}",
        "partenaires": " ".join([*ex.partenaires, ex.partenaires_texte or "", ex.pilotage or ""]),
        "lieux": " ".join([*places, ex.echelle or ""]),
        "action": " ".join([action.titre, action.titre_variante or "", *action.sous_actions, axe.titre]),
        "description": ex.description,
        "methode": ex.methode or "",
        "resultats": ex.resultats or "",
        "autres": " ".join(
            [
                ex.cout or "",
                ex.duree or "",
                ex.prise_en_main or "",
                *(r.libelle or "" for r in ex.ressources),
                *(c.nom or "" for c in ex.contacts),
            ]
        ),
    }


SYNONYMS_FILE = "synonymes.toml"


@lru_cache(maxsize=1)
def synonyms() -> dict[str, tuple[str, ...]]:
    """Stem -> stems of its synonym group, from the curated synonymes.toml (read when an index
    is built, then kept in it: a search from the cache does not parse TOML)."""
    import tomllib
    from pathlib import Path

    data = tomllib.loads(Path(__file__).with_name(SYNONYMS_FILE).read_text(encoding="utf-8"))
    table: dict[str, set[str]] = {}
    for group in data["groupes"]:
        group_stems = {stem(fold(w)) for w in group}
        for s in group_stems:
            table.setdefault(s, set()).update(group_stems - {s})
    return {k: tuple(sorted(v)) for k, v in table.items()}


# ---------------------------------------------------------------------------- index


SHARED_FIELDS = frozenset({"action", "lieux", "partenaires"})


def _count(text: str) -> tuple[Counter[str], int]:
    toks = analyse(text)
    return Counter(toks), len(toks)


class _Builder:
    """Accumulates postings record by record.

    BM25F normalises each field's term frequency by the field's average length, known only
    once every record is read. The averages are taken on the first SAMPLE_FOR_LENGTHS records
    (all of them in a small catalogue), which are held back until then; on a large catalogue
    a sample of this size gives the average within a few percent, and the records need not
    be kept. The idf, which needs every record, is applied at the end.
    """

    SAMPLE_FOR_LENGTHS = 2000

    def __init__(self) -> None:
        self.n = 0
        self.word_stem: dict[str, str] = {}
        self.vocab_df: dict[str, int] = {}
        self.postings: dict[str, tuple[array, array, array]] = {}
        self.pending: list[tuple[list[dict[str, int]], list[int]]] = []
        self.norms: list[tuple[float, float]] | None = None  # per field: (weight, avg length)
        self.length_sums = [0] * len(FIELDS)
        # Texts shared by many records (an action's labels, a partner list) are analysed once.
        self.analysed: dict[str, tuple[Counter[str], int]] = {}

    def _analyse(self, text: str) -> tuple[Counter[str], int]:
        found = self.analysed.get(text)
        if found is None:
            toks = analyse(text)
            found = (Counter(toks), len(toks))
            if len(self.analysed) < 10_000 and len(text) < 2000:
                self.analysed[text] = found
        return found

    def add(self, rec: dict[str, str]) -> None:
        counts = []
        lens = []
        seen: set[str] = set()
        for i, name in enumerate(FIELD_NAMES):
            c, length = self._analyse(rec.get(name, "")) if name in SHARED_FIELDS else _count(rec.get(name, ""))
            counts.append(c)
            lens.append(length)
            self.length_sums[i] += length
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
        self.norms = [(w, (self.length_sums[i] / n) or 1.0) for i, (_, w) in enumerate(FIELDS)]
        for doc, (counts, lens) in enumerate(self.pending):
            self._post(doc, counts, lens)
        self.pending = []

    def _post(self, doc: int, counts: list[dict[str, int]], lens: list[int]) -> None:
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
                lists = postings[s] = (array("i"), array("f"), array("B"))
            lists[0].append(doc)
            lists[1].append(tfw * (K1 + 1) / (tfw + K1))  # saturated; times idf once all are read
            lists[2].append(int(mask))

    def finish(self) -> Index:
        if self.norms is None:
            self._flush()
        n = self.n
        offsets: dict[str, tuple[int, int]] = {}
        docs, sats, masks = array("i"), array("f"), array("B")
        for s in sorted(self.postings):
            d, f, m = self.postings.pop(s)
            idf = math.log(1 + (n - len(d) + 0.5) / (len(d) + 0.5))
            offsets[s] = (len(docs), len(docs) + len(d))
            docs.extend(d)
            sats.extend(array("f", [x * idf for x in f]))
            masks.extend(m)
        vocabulary = {w: (self.word_stem[w], df) for w, df in self.vocab_df.items()}
        return Index(n, offsets, docs, sats, masks, vocabulary)


class Index:
    """Postings of stems over records; surface vocabulary for typos, prefixes and suggestions."""

    def __init__(
        self,
        n_docs: int,
        offsets: dict[str, tuple[int, int]],
        docs: array,
        impacts: array,
        masks: array,
        vocabulary: dict[str, tuple[str, int]],
        sorted_words: list[str] | None = None,
        sorted_stems: list[str] | None = None,
        sounds: dict[str, list[str]] | None = None,
        synonyms_table: dict[str, tuple[str, ...]] | None = None,
    ):
        self.n_docs = n_docs
        self.offsets = offsets  # stem -> (start, end) in the flat posting arrays
        self.docs = docs  # 'i' record number, ascending within a stem
        self.impacts = impacts  # 'f' BM25F contribution of the stem to the record, idf included
        self.masks = masks  # 'B' bit set of the fields the stem occurs in
        self.vocabulary = vocabulary  # folded surface word -> (stem, document frequency)
        self.sorted_words = sorted_words if sorted_words is not None else sorted(vocabulary)
        self.sorted_stems = sorted_stems if sorted_stems is not None else sorted(offsets)
        self.sounds = sounds  # sound key -> surface words (built lazily: only misspelt queries need it)
        self.synonyms = synonyms() if synonyms_table is None else synonyms_table
        self._by_first_letter: dict[str, list[str]] | None = None

    def stem_of(self, word: str) -> str:
        """A folded word's stem: the catalogue's own words are looked up, not re-stemmed (which
        also spares loading the stemmer for most searches)."""
        known = self.vocabulary.get(word)
        return known[0] if known is not None else stem(word)

    def _sounds(self) -> dict[str, list[str]]:
        if self.sounds is None:
            self.sounds = {}
            for w in self.sorted_words:
                if len(w) >= 4 and not w.isdigit():
                    self.sounds.setdefault(phonetic(w), []).append(w)
        return self.sounds

    # -- building

    @classmethod
    def build(cls, records: Iterable[dict[str, str]]) -> Index:
        """Index records given as {field: text}, streamed: memory grows with the postings,
        not with the texts."""
        builder = _Builder()
        for rec in records:
            builder.add(rec)
        return builder.finish()

    # -- serialising (marshal-friendly: no code runs when a cache file is read)

    def to_state(self) -> dict[str, Any]:
        return {
            "n_docs": self.n_docs,
            "offsets": self.offsets,
            "docs": self.docs.tobytes(),
            "impacts": self.impacts.tobytes(),
            "masks": self.masks.tobytes(),
            "vocabulary": self.vocabulary,
            "sorted_words": self.sorted_words,
            "sorted_stems": self.sorted_stems,
            "sounds": self._sounds(),
            "synonyms": self.synonyms,
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Index:
        docs, impacts, masks = array("i"), array("f"), array("B")
        docs.frombytes(state["docs"])
        impacts.frombytes(state["impacts"])
        masks.frombytes(state["masks"])
        return cls(
            state["n_docs"],
            state["offsets"],
            docs,
            impacts,
            masks,
            state["vocabulary"],
            state["sorted_words"],
            state["sorted_stems"],
            state["sounds"],
            state["synonyms"],
        )

    # -- query expansion

    def _words_with_prefix(self, prefix: str) -> list[str]:
        i = bisect.bisect_left(self.sorted_words, prefix)
        out = []
        while i < len(self.sorted_words) and self.sorted_words[i].startswith(prefix):
            out.append(self.sorted_words[i])
            i += 1
        return out

    def _family(self, s: str) -> list[str]:
        """Stems of the same family: one a prefix of the other, the shorter long enough."""
        out = []
        if len(s) >= MIN_FAMILY_PREFIX:
            i = bisect.bisect_right(self.sorted_stems, s)
            while i < len(self.sorted_stems) and self.sorted_stems[i].startswith(s):
                out.append(self.sorted_stems[i])
                i += 1
        out += [s[:k] for k in range(MIN_FAMILY_PREFIX, len(s)) if s[:k] in self.offsets]
        return out

    def _typos(self, term: str) -> list[tuple[str, int]]:
        """Vocabulary words within the typo budget; a wrong first letter counts double."""
        from rapidfuzz import process
        from rapidfuzz.distance import OSA

        budget = typo_budget(term)
        if not budget:
            return []
        if self._by_first_letter is None:
            buckets: dict[str, list[str]] = {}
            for w in self.sorted_words:
                buckets.setdefault(w[0], []).append(w)
            self._by_first_letter = buckets
        out = []
        same = [w for w in self._by_first_letter.get(term[0], ()) if abs(len(w) - len(term)) <= budget]
        for w, dist, _ in process.extract(term, same, scorer=OSA.distance, score_cutoff=budget, limit=None):
            if dist:
                out.append((w, dist))
        if budget >= 2:
            others = [
                w
                for k, ws in self._by_first_letter.items()
                if k != term[0]
                for w in ws
                if abs(len(w) - len(term)) <= budget - 1
            ]
            for w, dist, _ in process.extract(term, others, scorer=OSA.distance, score_cutoff=budget - 1, limit=None):
                out.append((w, dist + 1))
        return out

    def expand(self, term: str, *, is_prefix: bool) -> dict[str, tuple[float, str]]:
        """Stems to look up for one query term: stem -> (weight, how it was found)."""
        variants: dict[str, tuple[float, str]] = {}

        def add(s: str, weight: float, how: str) -> None:
            if s in self.offsets and weight > variants.get(s, (0.0, ""))[0]:
                variants[s] = (weight, how)

        exact = self.stem_of(term)
        add(exact, 1.0, "exact")
        known_word = term in self.vocabulary
        for s in self._family(exact):
            add(s, PENALTY_FAMILY, "famille")
        for s in self.synonyms.get(exact, ()):
            add(s, PENALTY_SYNONYM, "synonyme")
            for f in self._family(s):
                add(f, PENALTY_SYNONYM * PENALTY_FAMILY, "synonyme")
        if is_prefix and (len(term) >= 4 or not known_word) and len(term) >= 2:
            completions = sorted(self._words_with_prefix(term), key=lambda w: -self.vocabulary[w][1])
            for w in completions[:MAX_PREFIX_EXPANSIONS]:
                add(self.vocabulary[w][0], PENALTY_PREFIX, "préfixe")
        if exact not in self.offsets and not known_word:
            for w, dist in self._typos(term):
                how = f"{dist} faute{'s' if dist > 1 else ''}"
                add(self.vocabulary[w][0], PENALTY_TYPO[min(dist, 2)], how)
                for f in self._family(self.vocabulary[w][0]):
                    add(f, PENALTY_TYPO[min(dist, 2)] * PENALTY_FAMILY, how)
            key = phonetic(term)
            if len(term) >= 5 and len(key) >= 4 and not term.isdigit():
                for w in self._sounds().get(key, ()):
                    add(self.vocabulary[w][0], PENALTY_PHONETIC, "son proche")
        return variants

    def suggest(self, term: str, limit: int = 3) -> list[str]:
        """Close vocabulary words for « Vouliez-vous dire … ? »: looser than typo tolerance,
        but a different first letter must be much closer to be offered."""
        from rapidfuzz import fuzz, process

        if len(term) < 4:
            return []
        found = [
            (w, score)
            for w, score, _ in process.extract(
                term, self.sorted_words, scorer=fuzz.ratio, score_cutoff=78, limit=limit * 5
            )
            if w[0] == term[0] or score >= 88
        ]
        found.sort(key=lambda f: (-f[1], -self.vocabulary[f[0]][1]))
        return [w for w, _ in found[:limit]]


# ---------------------------------------------------------------------------- querying


class QueryTerm(NamedTuple):
    word: str  # folded surface word
    variants: dict[str, tuple[float, str]]


class Hit(NamedTuple):
    doc: int
    score: float
    coverage: int
    # query word -> [(stem, how, field names)]
    matches: dict[str, list[tuple[str, str, tuple[str, ...]]]]

    @property
    def stems(self) -> set[str]:
        return {s for ms in self.matches.values() for s, _, _ in ms}


class Result(NamedTuple):
    hits: list[Hit]
    terms: list[QueryTerm]
    suggestions: list[str]
    total: int  # how many records pass the cut-off (hits may be fewer: --limit)


def parse_query(text: str) -> tuple[list[str], bool]:
    """Folded query words, and whether the last one is a prefix being typed."""
    text = normalise(text)[:MAX_QUERY_CHARS]
    found = analyse(text)
    is_prefix = bool(found) and not text[-1:].isspace()
    return list(dict.fromkeys(found)), is_prefix


def _mask_fields(mask: int) -> tuple[str, ...]:
    return tuple(name for i, name in enumerate(FIELD_NAMES) if mask >> i & 1)


def _term_scores(index: Index, q: QueryTerm) -> dict[int, float]:
    """Record -> best contribution of any variant of one query word.

    The hot loop of a search: an exact variant becomes a dict at C speed (`dict(zip(...))`);
    only weighted variants (typos, synonyms...) cost a Python pass over their postings.
    """
    best: dict[int, float] = {}
    docs, impacts = index.docs, index.impacts
    for s, (weight, _how) in sorted(q.variants.items(), key=lambda kv: -kv[1][0]):
        start, end = index.offsets[s]
        if weight == 1.0 and not best:
            best = dict(zip(docs[start:end], impacts[start:end], strict=True))
            continue
        get = best.get
        for d, impact in zip(docs[start:end], impacts[start:end], strict=True):
            v = impact * weight
            if v > get(d, 0.0):
                best[d] = v
    return best


def _explain(index: Index, q: QueryTerm, doc: int) -> tuple[str, str, tuple[str, ...]] | None:
    """Which variant of a query word gave a record its score, and in which fields."""
    found = None
    for s, (weight, how) in q.variants.items():
        start, end = index.offsets[s]
        j = bisect.bisect_left(index.docs, doc, start, end)
        if j < end and index.docs[j] == doc:
            value = index.impacts[j] * weight
            if found is None or value > found[0]:
                found = (value, s, how, _mask_fields(index.masks[j]))
    return found[1:] if found else None


def run(
    index: Index,
    query: str,
    *,
    accept: Callable[[int], bool] | None = None,
    texts: Callable[[int], dict[str, str]] | None = None,
    limit: int | None = None,
) -> Result:
    """Rank records for a query; at most `limit` hits (all when None), `total` counts them all.

    `accept` filters record numbers; `texts` (a record's searchable text by field) enables the
    proximity bonus for query words that follow each other in the record."""
    words_, is_prefix = parse_query(query)
    qterms = [QueryTerm(w, index.expand(w, is_prefix=is_prefix and i == len(words_) - 1)) for i, w in enumerate(words_)]
    if not qterms or not any(q.variants for q in qterms):
        return Result([], qterms, _suggestions(index, qterms), 0)

    term_maps = [_term_scores(index, q) for q in qterms]
    n = len(qterms)
    if n == 1:
        scores = term_maps[0]
        coverage: dict[int, int] = {}
        k_max = 1
    else:
        coverage = Counter(chain.from_iterable(term_maps))  # counted in C
        k_max = max(coverage.values(), default=0)
        # Records matching fewer words come after those matching the most, if they score well:
        # one word may be missing from two or three, two from four or five...
        required = max(1, k_max - max(1, n // 2))
        term_maps.sort(key=len, reverse=True)
        scores = dict(term_maps[0])
        get = scores.get
        for m in term_maps[1:]:
            for d, v in m.items():
                scores[d] = get(d, 0.0) + v
        if required > 1:
            scores = {d: v for d, v in scores.items() if coverage[d] >= required}
    if accept is not None:
        scores = {d: v for d, v in scores.items() if accept(d)}
    if not scores:
        return Result([], qterms, [], 0)

    # (coverage, score, record) tuples compare in C: no Python key function per record.
    if coverage:
        ranking = [(coverage[d], v, d) for d, v in scores.items()]
    else:
        ranking = list(zip(repeat(1), scores.values(), scores, strict=False))
    depth = RERANK_DEPTH if limit is None else max(limit, RERANK_DEPTH)
    head = [d for _, _, d in heapq.nlargest(depth, ranking)]
    if texts is not None and n > 1:
        scores = dict(scores)
        _proximity_bonus(head[:RERANK_DEPTH], scores, qterms, texts, index.stem_of)
        head.sort(key=lambda d: (coverage.get(d, 1), scores[d]), reverse=True)
    top = scores[head[0]]
    full, partial = RELATIVE_CUTOFF * top, PARTIAL_CUTOFF * top

    def kept(d: int) -> bool:
        return scores[d] >= (full if coverage.get(d, 1) == k_max else partial)

    if limit is None:
        in_head = set(head)
        rest = [d for _, _, d in sorted(ranking, reverse=True) if d not in in_head]
        ranked = [d for d in head + rest if kept(d)]
        total = len(ranked)
    else:
        ranked = [d for d in head if kept(d)][:limit]
        if coverage:
            total = sum(1 for c, v, _ in ranking if v >= (full if c == k_max else partial))
        else:
            total = sum(1 for v in scores.values() if v >= full)

    hits = []
    for d in ranked:
        matches = {}
        for q in qterms:
            found = _explain(index, q, d)
            if found:
                matches[q.word] = [found]
        hits.append(Hit(d, scores[d], coverage.get(d, 1), matches))
    return Result(hits, qterms, [], total)


def _proximity_bonus(
    docs: list[int],
    scores: dict[int, float],
    qterms: list[QueryTerm],
    texts: Callable[[int], dict[str, str]],
    stem_of: Callable[[str], str] = stem,
) -> None:
    """Query words that follow each other in a record (« lien social », « îlots de fraîcheur »)
    count more, in the title most."""
    for d in docs:
        bonus = 0.0
        fields = texts(d)
        for name in FIELD_NAMES:
            if name == "action":
                continue  # shared by every record of the action: says nothing of this one
            field_stems = [stem_of(t) for t in analyse(fields.get(name, ""))]
            pairs = set(pairwise(field_stems))
            found = sum(1 for a, b in pairwise(qterms) if any((x, y) in pairs for x in a.variants for y in b.variants))
            if found:
                bonus = max(bonus, found * (PHRASE_BONUS_TITLE if name == "titre" else PHRASE_BONUS_BODY))
        if bonus:
            scores[d] *= 1 + bonus


def _suggestions(index: Index, qterms: list[QueryTerm]) -> list[str]:
    out: list[str] = []
    for q in qterms:
        out.extend(index.suggest(q.word))
    return list(dict.fromkeys(out))[:5]


# ---------------------------------------------------------------------------- highlighting


def highlight_spans(text: str, stems_: set[str]) -> list[tuple[int, int]]:
    """Character spans of the words of `text` whose stem was matched (text is normalised)."""
    spans = []
    for word, start, end in words(text):
        if any(stem(t) in stems_ for t in terms(word)):
            spans.append((start, end))
    return spans


def snippet(text: str, stems_: set[str], width: int = 12) -> tuple[str, list[tuple[int, int]]]:
    """A window of about `width` words around the first matched word, with its spans."""
    text = normalise(text)
    all_words = words(text)
    spans = highlight_spans(text, stems_)
    if not spans:
        return "", []
    first = next(i for i, (_, s, _) in enumerate(all_words) if s == spans[0][0])
    lo = max(0, first - width // 3)
    hi = min(len(all_words), lo + width)
    start = all_words[lo][1] if lo else 0
    end = all_words[hi - 1][2] if hi < len(all_words) else len(text)
    prefix = "…" if start else ""
    suffix = "…" if end < len(text) else ""
    cut = prefix + text[start:end] + suffix
    shift = len(prefix) - start
    return cut, [(a + shift, b + shift) for a, b in spans if a >= start and b <= end]
