"""The search index: writing it into the store, and reading it one term at a time.

Postings are stored per stem in SQLite (`postings`: record numbers, BM25F impacts without the
idf, applied when they are read, field bit masks, as packed arrays); the surface vocabulary
(`vocabulaire`: folded word, stem, document frequency, length, sound key) serves typo
tolerance, prefixes and suggestions; its words of each length are also kept in one text
(`mots_longueur`), for the passes that read them all (suggestions, typos).
A search reads only the rows of its terms and of their variants.
"""

from __future__ import annotations

import contextlib
import math
import re
import sqlite3
import sys
from array import array
from collections.abc import Callable, Iterable, Iterator
from itertools import compress, groupby
from typing import TYPE_CHECKING, NamedTuple

from ..fields import SEARCH_FIELDS
from ..text import MARK, cut, cut_prepared, phonetics, prepare, prepare_all, stem, stem_all, token_terms

if TYPE_CHECKING:  # a search imports this module: the parallel build's modules only when building
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess
    from pathlib import Path

K1, B = 1.2, 0.75
FIELD_NAMES = tuple(name for name, _ in SEARCH_FIELDS)
# A record's theme words are indexed apart, under THEME + stem: a query word that names a theme
# finds its records as a variant of lower weight, never as if the record contained the word.
THEME = "#"
_THEME_FIELD = FIELD_NAMES.index("thematiques")
# Texts shared by many records (an action's labels, a partner list) are analysed once.
SHARED_FIELDS = frozenset({"action", "lieux", "partenaires"})
_TOP = "\U0010ffff"  # above every character: `prefix + _TOP` bounds a range of words


class _Ids(dict):
    """Raw word -> number, numbering a new word on first sight (lookups run at C speed with
    `map(ids.__getitem__, words)`); `order` lists the words by number (the words numbered since
    a segment are a slice of it, not of a list of all the words made at each segment: at a
    million records, ~130 segments and a million words, that was quadratic)."""

    def __init__(self) -> None:
        super().__init__()
        self.order: list[str] = []

    def __missing__(self, key: str) -> int:
        value = self[key] = len(self)
        self.order.append(key)
        return value


SHARED_CACHE = 10_000  # shared texts remembered (an action's labels...), each under 2,000 characters
_SHARED = tuple(name in SHARED_FIELDS for name in FIELD_NAMES)


class IndexBuilder:
    """Indexes records as they come and writes the postings into the store by segments.

    A record's texts are only cut into raw words here, numbered at C speed; every
    SEGMENT_WORDS words, the segment is inverted at once with numpy (sorting by stem and
    record): each stem's records, BM25F impacts and field masks are written as one row per
    segment, so memory is bounded by a segment, not by the catalogue. A stem's postings are
    its rows in segment order (record numbers ascending); its idf is applied at query time.

    BM25F normalises each field's term frequency by the field's average length: it is taken on
    the first segment (all of a small catalogue; on a large one, a sample of thousands of
    records gives the average within a few percent).
    """

    SEGMENT_WORDS = 2_000_000

    def __init__(self, conn: sqlite3.Connection) -> None:
        import numpy as np

        self.np = np
        self.conn = conn
        self.n = 0
        self.segment = 0
        self.ids = _Ids()  # raw word -> number
        self.ids[MARK]  # number 0: the end of a text in `add_batch` (a one-letter word: no index term)
        self.seen = len(self.ids)  # raw words met in the records added (add_batch numbers ahead)
        # Per raw word, its index terms (numbers in `words`): filled at each segment's inversion.
        self.term_start = array("q", [0])  # raw word i's terms are term_flat[start[i]:start[i + 1]]
        self.term_flat = array("i")
        self.words = _Ids()  # index term (a folded word) -> number
        self.word_stem = array("i")  # word number -> stem number
        self.theme_stem: dict[int, int] = {}  # word number met in a theme label -> number of THEME + stem
        self.stems = _Ids()  # stem -> number
        self.df = np.zeros(0, dtype=np.int64)  # word number -> records it appears in
        self.norms: list[tuple[float, float]] | None = None  # per field: (weight, avg length)
        self.occurrences = array("i")  # raw word numbers of the segment, record by record, field by field
        self.counts = array("i")  # raw words per (record, field) of the segment
        self.shared: dict[str, array] = {}  # a shared text -> its raw word numbers
        self.sounds: list[str | None] = []  # word number -> its sound key (`phonetics`), if it has one
        self.sorted_words: list[str] = []  # the index terms, each segment's in alphabetical order

    def add(self, rec: dict[str, str]) -> None:
        """One record's searchable texts, by field."""
        self.add_texts([rec.get(name, "") for name in FIELD_NAMES])

    def _shared_words(self, text: str) -> array:
        """The raw word numbers of a shared text, analysed once."""
        found = self.shared.get(text)
        if found is None:
            found = array("i", map(self.ids.__getitem__, cut(prepare(text))))
            if len(self.shared) < SHARED_CACHE and len(text) < 2000:
                self.shared[text] = found
        return found

    def add_texts(self, texts: list[str]) -> None:
        """One record's searchable texts in FIELD_NAMES order."""
        occurrences, counts, ids = self.occurrences, self.counts, self.ids
        for shared, text in zip(_SHARED, texts, strict=True):
            if shared:
                found = self._shared_words(text)
                occurrences.extend(found)
                counts.append(len(found))
            else:
                before = len(occurrences)
                occurrences.extend(map(ids.__getitem__, cut(prepare(text))))
                counts.append(len(occurrences) - before)
        self.n += 1
        self.seen = len(ids)
        if len(occurrences) >= self.SEGMENT_WORDS:
            self._flush()

    def add_batch(self, batch: list[list[str]]) -> None:
        """Many records' texts, each in FIELD_NAMES order: the same as `add_texts` on each in
        turn (same word numbers, occurrences and segments), prepared at once (`prepare_batch`)."""
        if not batch:
            return
        prepared = prepare_batch(batch, self.shared.__contains__)
        if prepared is None:
            for record in batch:
                self.add_texts(record)
        else:
            self.add_prepared(*prepared)

    def add_prepared(self, n_records: int, prepared: str, fresh: list[int], shared: list[tuple[int, str]]) -> None:
        """The second half of `add_batch`, on what `prepare_batch` made: its prepared texts cut
        at once (`text.cut_prepared`) and numbered in one call, in the order add_texts meets
        them (so the words are numbered in the same order), the shared texts already analysed
        taken as they are, then every word put in its (record, field) place with numpy."""
        np = self.np
        n_fields = len(FIELD_NAMES)
        words = cut_prepared(prepared) if fresh else []
        numbers = np.frombuffer(array("i", map(self.ids.__getitem__, words)), dtype=np.int32)
        ends = np.flatnonzero(numbers == 0)  # MARK: the end of each text but the last
        fresh_counts = np.diff(np.concatenate(([-1], ends, [len(numbers)]))) - 1 if fresh else ends
        fresh_words = numbers[numbers != 0]
        is_fresh = bytearray(n_records * n_fields)
        for i in fresh:
            is_fresh[i] = 1
        reused, reused_counts = [], []
        reused_words = array("i")
        cache = self.shared.get
        for i, text in shared:
            if not is_fresh[i]:
                found = cache(text)
                if found is None:  # not analysed yet after all (never, by construction): now
                    found = self._shared_words(text)
                reused.append(i)
                reused_counts.append(len(found))
                reused_words.extend(found)
        counts = np.empty(n_records * n_fields, dtype=np.int64)
        counts[fresh] = fresh_counts
        counts[reused] = reused_counts
        # The shared texts analysed here are remembered as add_texts would remember them.
        if len(self.shared) < SHARED_CACHE:
            at = dict(zip(fresh, (np.cumsum(fresh_counts) - fresh_counts).tolist(), strict=True))
            for i, text in shared:
                if is_fresh[i] and len(self.shared) < SHARED_CACHE and len(text) < 2000:
                    j = at[i]
                    self.shared.setdefault(text, array("i", fresh_words[j : j + counts[i]].tobytes()))
        starts = np.cumsum(counts) - counts
        occurrences = np.empty(int(counts.sum()), dtype=np.int32)
        for cells, found in ((fresh, fresh_words), (reused, np.frombuffer(reused_words, dtype=np.int32))):
            # Each word's place: its text's start, plus its rank within its text.
            found_counts = counts[cells]
            rank = np.arange(len(found)) - np.repeat(np.cumsum(found_counts) - found_counts, found_counts)
            occurrences[np.repeat(starts[cells], found_counts) + rank] = found
        counts = counts.reshape(n_records, n_fields)
        # Record by record, as add_texts: a segment is inverted after the record that fills it.
        record_ends = np.cumsum(counts.sum(axis=1))
        flat_counts = counts.astype(np.int32).ravel()
        done, done_words = 0, 0
        while done < n_records:
            room = self.SEGMENT_WORDS - len(self.occurrences)
            last = min(int(np.searchsorted(record_ends, done_words + room)) + 1, n_records)
            end_words = int(record_ends[last - 1])
            part = occurrences[done_words:end_words]
            self.occurrences.frombytes(part.tobytes())
            # Words are numbered in the order they are met: those of these records are the first.
            self.seen = max(self.seen, int(part.max()) + 1) if len(part) else self.seen
            self.counts.frombytes(flat_counts[done * n_fields : last * n_fields].tobytes())
            self.n += last - done
            if len(self.occurrences) >= self.SEGMENT_WORDS:
                self._flush(self.seen)  # the words of the records after are not analysed yet
            done, done_words = last, end_words

    def end(self) -> None:
        """No more records (see ParallelIndex)."""

    def close(self) -> None:
        """Nothing to release (see ParallelIndex)."""

    def _analyse_new_words(self, upto: int | None) -> None:
        """Index terms and stems of the raw words numbered since the last segment (below
        `upto`: the others, ahead, belong to the next)."""
        raw = self.ids.order
        words = self.words
        known = len(words)
        for found in raw[len(self.term_start) - 1 : upto]:
            for term in token_terms(found):
                self.term_flat.append(words[term])  # a new index term is numbered here
            self.term_start.append(len(self.term_flat))
        new = words.order[known:]
        # The new terms' stems, numbered in the order of the terms.
        self.word_stem.extend(map(self.stems.__getitem__, stem_all(new)))
        # What the vocabulary needs of them, found here rather than at the end, which nothing
        # overlaps in a parallel build: their sound keys, and their place in alphabetical order.
        keys = iter(phonetics([w for w in new if _sounding(w)]))
        self.sounds += [next(keys) if _sounding(w) else None for w in new]
        # One sorted run per segment, merged at the end by one sort (timsort merges the runs
        # it finds: n log(runs), not a merge of all the words at each segment).
        self.sorted_words += sorted(new)

    def _theme_stems(self, words):
        """The THEME + stem numbers of words met in theme labels (a few hundred words, whatever
        the catalogue: only these get one)."""
        np = self.np
        met, where = np.unique(words, return_inverse=True)
        names = None
        numbers = []
        for w in met.tolist():
            found = self.theme_stem.get(w)
            if found is None:
                names = names or self.stems.order
                found = self.theme_stem[w] = self.stems[THEME + names[self.word_stem[w]]]
            numbers.append(found)
        return np.array(numbers, dtype=np.int64)[where]

    def _flush(self, upto: int | None = None) -> None:
        """Invert the segment: one row per stem (records, impacts, masks) into the store; the
        raw words met in it are those numbered below `upto` (all, by default)."""
        np = self.np
        n_fields = len(FIELD_NAMES)
        counts = np.frombuffer(self.counts, dtype=np.int32)
        if not len(counts):
            return
        self._analyse_new_words(upto)
        raw = np.frombuffer(self.occurrences, dtype=np.int32)
        starts = np.frombuffer(self.term_start, dtype=np.int64)
        n_terms = (starts[1:] - starts[:-1])[raw]  # index terms of each raw word (0: a stop word)
        # Each index term of each occurrence, with its (record, field) slot.
        slot = np.repeat(np.repeat(np.arange(len(counts), dtype=np.int32), counts), n_terms)
        first = np.repeat(starts[:-1][raw] - np.cumsum(n_terms) + n_terms, n_terms)
        word = np.frombuffer(self.term_flat, dtype=np.int32)[first + np.arange(len(first))]
        lengths = np.bincount(slot, minlength=len(counts)).reshape(-1, n_fields)
        n_docs = len(lengths)
        if self.norms is None:
            avg = lengths.mean(axis=0)
            self.norms = [(w, float(avg[i]) or 1.0) for i, (_, w) in enumerate(SEARCH_FIELDS)]
        weight = np.array([w for w, _ in self.norms])
        avg = np.array([a for _, a in self.norms])
        per_slot = (weight / (1 - B + B * lengths / avg)).ravel()
        field = slot % n_fields
        doc = slot // n_fields
        in_theme = field == _THEME_FIELD
        stem_of = np.frombuffer(self.word_stem, dtype=np.int32)[word].astype(np.int64)
        stem_of[in_theme] = self._theme_stems(word[in_theme])

        # Records each word appears in (the vocabulary's own words: themes are not counted).
        pairs = np.sort(word[~in_theme].astype(np.int64) * n_docs + doc[~in_theme])
        distinct = pairs[np.concatenate([[True], pairs[1:] != pairs[:-1]])]
        df = np.bincount(distinct // n_docs, minlength=len(self.word_stem))
        if len(self.df) < len(df):
            self.df = np.concatenate([self.df, np.zeros(len(df) - len(self.df), dtype=np.int64)])
        self.df[: len(df)] += df

        # By stem, then record: the occurrences come record by record, so a stable sort by stem
        # alone gives that order (the order of `stem_of * n_docs + doc`, ties as they came). It
        # is sorted as numbers, stem above and position below, each one distinct: the order of
        # a stable sort, and numpy sorts numbers (with SIMD instructions where it can) six times
        # faster than it finds the order of a stable sort (~0.7 s at 100,000 records).
        at = np.arange(len(stem_of), dtype=np.int64)
        order = np.sort((stem_of << 32) | at) & 0xFFFFFFFF
        key = (stem_of * n_docs + doc)[order]
        bounds = np.flatnonzero(np.diff(key)) + 1
        heads = np.concatenate([[0], bounds])
        tfw = np.add.reduceat(per_slot[slot[order]], heads)
        masks = np.bitwise_or.reduceat((np.uint16(1) << field[order].astype(np.uint16)), heads)
        impacts = (tfw * (K1 + 1) / (tfw + K1)).astype(np.float32)  # saturated; idf at query time
        key = key[heads]
        stem_ids = key // n_docs
        docs = (key % n_docs + (self.n - n_docs)).astype(np.int32)
        cuts = np.concatenate([[0], np.flatnonzero(np.diff(stem_ids)) + 1, [len(stem_ids)]])
        names = self.stems.order
        ids = stem_ids[cuts[:-1]].tolist()
        segment = self.segment
        # Each row's arrays are slices of the whole arrays' bytes (cheaper than a numpy slice
        # made into bytes, row by row).
        docs, impacts, masks = docs.tobytes(), impacts.tobytes(), masks.tobytes()
        at4, at2 = (cuts * 4).tolist(), (cuts * 2).tolist()
        self.conn.executemany(
            "INSERT INTO postings VALUES (?, ?, ?, ?, ?)",
            (
                (names[s], segment, docs[a:b], impacts[a:b], masks[c:d])
                for s, a, b, c, d in zip(ids, at4, at4[1:], at2, at2[1:], strict=False)
            ),
        )
        self.segment += 1
        self.occurrences = array("i")
        self.counts = array("i")

    def write(self, conn: sqlite3.Connection, indexes: str) -> None:
        """The last segment, the vocabulary and the thesaurus; then the tables' `indexes`."""
        from ..thesaurus import load as load_thesaurus

        self._flush()
        stems = self.stems.order
        self.sorted_words.sort()  # the runs of the segments merged
        df = self.df.tolist()
        word_stem, sounds = self.word_stem, self.sounds
        # In the order of the words: the rows go to the end of the table's tree, one after the
        # other (SQLite's text order is that of code points, as Python's). The words in no
        # record (met in theme labels only) are left out.
        numbers = map(self.words.__getitem__, self.sorted_words)
        found = [(w, i) for w, i in zip(self.sorted_words, numbers, strict=True) if i < len(df) and df[i]]
        conn.executemany(
            "INSERT INTO vocabulaire VALUES (?, ?, ?, ?, ?)",
            ((w, stems[word_stem[i]], df[i], len(w), sounds[i]) for w, i in found),
        )
        # The words of each length in one text, alphabetical, one per line: suggestions read
        # a hundred thousand words, one row each would take 20 ms. (A stable sort by length
        # keeps the alphabetical order within a length.)
        by_length = sorted((w for w, _ in found), key=len)
        conn.executemany(
            "INSERT INTO mots_longueur VALUES (?, ?)",
            ((n, "\n".join(rows)) for n, rows in groupby(by_length, key=len)),
        )
        synonyms, expansions, subjects, free_keys = load_thesaurus()
        conn.executemany(
            "INSERT INTO synonymes VALUES (?, ?)", ((s, o) for s, others in synonyms.items() for o in others)
        )
        conn.executemany(
            "INSERT INTO expansions VALUES (?, ?, ?)",
            ((" ".join(key), " ".join(alt), how) for key, alts in expansions.items() for alt, how in alts),
        )
        conn.executemany("INSERT INTO sujets VALUES (?)", ((" ".join(key),) for key in sorted(subjects)))
        conn.executemany("INSERT INTO cles_libres VALUES (?)", ((" ".join(key),) for key in sorted(free_keys)))
        conn.executescript(indexes)


def _sounding(word: str) -> bool:
    """Whether a vocabulary word gets a sound key (`vocabulaire.son`)."""
    return len(word) >= 4 and not word.isdigit()


def prepare_batch(
    batch: list[list[str]], analysed: Callable[[str], bool]
) -> tuple[int, str, list[int], list[tuple[int, str]]] | None:
    """The first half of `IndexBuilder.add_batch`: the records' texts (their cells, record by
    record, field by field) prepared at once
    (`text.prepare_all`), but the shared texts already `analysed`; None when they must be
    analysed record by record. Gives (records, prepared texts, the cells prepared, every
    shared cell with its text)."""
    n_records = len(batch)
    texts = [t for record in batch for t in record]
    shared = [(i, t) for i, (t, s) in enumerate(zip(texts, _SHARED * n_records, strict=True)) if s]
    fresh = [i for i, (t, s) in enumerate(zip(texts, _SHARED * n_records, strict=True)) if not (s and analysed(t))]
    prepared = prepare_all([texts[i] for i in fresh]) if fresh else ""
    return None if prepared is None else (n_records, prepared, fresh, shared)


def _start_apart(process: BaseProcess) -> None:
    """Start a spawned process without it running the caller's main script. A fresh interpreter
    imports the parent's `__main__` again, which runs a script's top level unless it sits under
    `if __name__ == "__main__":`: a script that opens a large catalogue would open it again in
    the worker, which would wait for the store's lock its parent holds while the parent waits
    for the worker (both stuck until LOCK_WAIT_S). The worker needs nothing from `__main__`:
    multiprocessing is shown an empty one while it prepares the worker (`Process.start`)."""
    import sys
    import types

    main = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        process.start()
    finally:
        if main is not None:
            sys.modules["__main__"] = main


class ParallelIndex:
    """An IndexBuilder in a second process, fed through a pipe, for large catalogues: this
    process reads, validates and stores the records, the other prepares their texts, cuts them
    into words and inverts them into its own database, which `write` copies into the store.
    On two cores, the two halves overlap.

    Same interface as IndexBuilder. A worker that fails or dies is an OSError (the caller
    falls back to building in memory); `close` stops it and removes its file in any case.
    """

    BATCH = 500  # records per message
    # The texts are sent raw: the other process prepares them all. Preparing them here made
    # this process the longer (16.7 s of processor against 12.2); one batch in two balanced
    # them until this process stored its records faster (16 KB pages, indexes made at the
    # end): at 100,000 records, 16.3 s with one in two, 15.9 s with none (medians of 3,
    # interleaved, load 1.2 to 1.7), 13.5 s of processor here and 13.6 s there.

    def __init__(self, path: Path, schema: str, indexes: str) -> None:
        import multiprocessing

        # A fresh interpreter, not a fork: a forked worker would share this process's open
        # files, the store's lock among them (a killed qpv would leave it held by an orphan),
        # and the pipe's other end (it would never see this process end).
        context = multiprocessing.get_context("spawn")
        self.path = path
        self.pipe, child = context.Pipe()
        self.worker = context.Process(target=_index_worker, args=(str(path), schema, indexes, child), daemon=True)
        _start_apart(self.worker)
        child.close()
        self.batch: list[list[str]] = []
        self.done = False  # the other process has written its tables

    def _send(self, message: object) -> None:
        try:
            self.pipe.send(message)
        except OSError:  # the worker is gone: say why, if it could
            raise _failed(self._reply(wait=1)[1]) from None

    def _reply(self, wait: float | None) -> tuple[str, str]:
        """The worker's last word: ("ok", "") or ("erreur", why); it said nothing: stopped."""
        try:
            if wait is None or self.pipe.poll(wait):
                return self.pipe.recv()
        except (OSError, EOFError):
            pass
        return "erreur", "arrêté"

    def add(self, rec: dict[str, str]) -> None:
        self.add_texts([rec.get(name, "") for name in FIELD_NAMES])

    def add_texts(self, texts: list[str]) -> None:
        """One record's searchable texts in FIELD_NAMES order."""
        self.batch.append(texts)
        if len(self.batch) >= self.BATCH:
            self._send_batch()

    def _send_batch(self) -> None:
        batch, self.batch = self.batch, []
        if batch:
            self._send(batch)

    def end(self) -> None:
        """No more records: the other process writes its last segment and its vocabulary
        while this one finishes the store's other tables."""
        self._send_batch()
        self._send(None)

    def write(self, conn: sqlite3.Connection, indexes: str) -> None:
        """The other process's tables copied into the store. Their indexes, made there, are
        made here too on the empty tables first: SQLite then copies the rows of each table and
        of each of its indexes as they are (its transfer optimisation), with no sorting here."""
        status, detail = self._reply(wait=None)
        if status != "ok":
            raise _failed(detail)
        self.done = True
        conn.executescript(indexes)
        conn.commit()  # ATTACH is not allowed inside a transaction
        conn.execute("ATTACH DATABASE ? AS indexation", (str(self.path),))
        with conn:
            for table in INDEX_TABLES:
                conn.execute(f"INSERT INTO main.{table} SELECT * FROM indexation.{table}")
        conn.execute("DETACH DATABASE indexation")
        conn.execute("BEGIN")

    def close(self) -> None:
        """The other process has closed its database when it says "ok" (`write`): it is waited
        for here, once its tables are copied, not before (its exit takes ~0.15 s at 100,000
        records); killed if it is still running (after an error)."""
        self.worker.join(timeout=5 if self.done else 0)
        if self.worker.is_alive():
            self.worker.kill()
        self.worker.join()
        self.pipe.close()
        self.path.unlink(missing_ok=True)


def _failed(detail: str) -> OSError:
    return OSError(0, f"l'indexation dans un second processus a échoué ({detail})")


INDEX_TABLES = ("postings", "vocabulaire", "mots_longueur", "synonymes", "expansions", "sujets", "cles_libres")


QUEUE_DEPTH = 8  # batches received ahead by the second process (~1 MB each)


def _received(pipe: Connection) -> Iterator[object]:
    """The batches sent through `pipe` until None, received ahead by a thread: the first
    process sends on while this one inverts a segment (a message of a megabyte waits in the
    pipe until it is read), up to QUEUE_DEPTH batches ahead. The thread's error (the first
    process is gone: the end of the pipe) is raised here."""
    import queue
    import threading

    received: queue.Queue[object] = queue.Queue(maxsize=QUEUE_DEPTH)

    def receive() -> None:
        try:
            while (message := pipe.recv()) is not None:
                received.put(message)
            received.put(None)
        except BaseException as err:  # given to the one who reads the batches
            received.put(_Failure(err))

    threading.Thread(target=receive, name="qpv-reception", daemon=True).start()
    while (message := received.get()) is not None:
        if isinstance(message, _Failure):
            raise message.error
        yield message


class _Failure(NamedTuple):
    error: BaseException


def _index_worker(path: str, schema: str, indexes: str, pipe: Connection) -> None:
    """The second process of a ParallelIndex: records' texts in, an index database out."""
    try:
        from ..store import PAGE_SIZE as page_size  # the store's pages: rows copied as they are

        db = sqlite3.connect(path)
        db.execute("PRAGMA journal_mode = OFF")
        db.execute("PRAGMA synchronous = OFF")
        db.execute(f"PRAGMA page_size = {page_size}")
        db.executescript(schema)
        db.execute("BEGIN")
        builder = IndexBuilder(db)
        for batch in _received(pipe):
            builder.add_batch(batch)
        builder.write(db, indexes)
        db.commit()
        db.close()
        pipe.send(("ok", ""))
    except BaseException as err:  # whatever it is, the other process must know
        with contextlib.suppress(OSError):
            pipe.send(("erreur", f"{type(err).__name__} : {err}"))
        raise SystemExit(1) from None


# The bytes of a non-negative single-precision float order like the float: its two high bytes
# (sign, exponent and the first mantissa bits: a key of 1/128 relative precision) are compared
# for a whole array at once with bytes.translate and counted with len(), at C speed.
_HIGH, _NEXT = (3, 2) if sys.byteorder == "little" else (0, 1)


def _count_from(high: bytes, v: int) -> int:
    """How many bytes of `high` are at least v."""
    return len(high.translate(None, _BELOW[v]))


def _last_from(count: Callable[[int], int], depth: int, top: int) -> int:
    """The highest byte value v up to `top` such that count(v) >= depth (count decreasing, and
    count(0) >= depth)."""
    lo, hi = 0, top
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if count(mid) >= depth:
            lo = mid
        else:
            hi = mid - 1
    return lo


def top_positions(impacts: array, depth: int) -> list[int]:
    """Positions (ascending) of the `depth` highest impacts of an array, and of any whose two
    high bytes are at most one step below those of the `depth`-th (so every impact within a
    few millionths of it is there)."""
    data = impacts.tobytes()
    high, low = data[_HIGH::4], data[_NEXT::4]
    if _count_from(high, 0x80) or depth >= len(impacts):  # negative: never, by construction
        return list(range(len(impacts)))
    h = _last_from(lambda v: _count_from(high, v), depth, 0x7F)  # non-negative: below 0x80
    above = _count_from(high, h + 1)
    # The second byte of the impacts whose first is h; 0 elsewhere (told apart by `bucket`).
    in_h = high.translate(_EQUAL_FF[h])
    bucket = len(impacts) - len(in_h.translate(None, b"\xff"))
    second = (int.from_bytes(in_h, "little") & int.from_bytes(low, "little")).to_bytes(len(low), "little")
    m = _last_from(lambda v: above + (_count_from(second, v) if v else bucket), depth, 0xFF)
    # One key step lower: the impacts a few millionths below the depth-th are kept too.
    return _from_key(high, low, h * 256 + m - 1)


def positions_from(impacts: array, t: float) -> list[int]:
    """Positions (ascending) of the impacts at least `t`, and of some below it (those whose two
    high bytes are those of `t`: less than 1% below)."""
    data = impacts.tobytes()
    high, low = data[_HIGH::4], data[_NEXT::4]
    if t <= 0 or _count_from(high, 0x80):  # negative: never, by construction
        return list(range(len(impacts)))
    key = array("f", (t,)).tobytes()
    return _from_key(high, low, key[_HIGH] * 256 + key[_NEXT])


def _from_key(high: bytes, low: bytes, key: int) -> list[int]:
    """Positions (ascending) whose two high bytes, as a number, are at least `key`."""
    if key <= 0:
        return list(range(len(high)))
    h, m = divmod(key, 256)
    above_h = int.from_bytes(high.translate(_FROM[h + 1]), "little")
    at_h = int.from_bytes(high.translate(_EQUAL[h]), "little")
    from_m = int.from_bytes(low.translate(_FROM[m]), "little")
    return _marked((above_h | at_h & from_m).to_bytes(len(low), "little"))


def positions_without(masks: array, fields: int) -> list[int]:
    """Positions (ascending) of the field masks that have none of the bits of `fields`: their
    two bytes translated and combined at C speed, the few positions left read by a search."""
    data = masks.tobytes()
    first, second = (data[0::2], data[1::2]) if sys.byteorder == "little" else (data[1::2], data[0::2])
    low = int.from_bytes(first.translate(_table(lambda v: v & fields & 0xFF)), "little")
    high = int.from_bytes(second.translate(_table(lambda v: v & fields >> 8)), "little")
    return _marked((low | high).to_bytes(len(first), "little").translate(_EQUAL[0]))


def any_with(masks: array, fields: int) -> bool:
    """Whether some field mask has a bit of `fields`: its two bytes translated at C speed (a
    word of 35,000 records is read in microseconds, not by a Python loop over them), a first
    few records first (a word most records have is found there, without reading the rest)."""
    low, high = _WITH[fields & 0xFF], _WITH[fields >> 8 & 0xFF]
    data = masks.tobytes()
    head = _FIRST_MASKS * 2
    for chunk in (data[:head], data[head:]):
        first, second = (chunk[0::2], chunk[1::2]) if sys.byteorder == "little" else (chunk[1::2], chunk[0::2])
        if first.translate(low).strip(b"\x00") or second.translate(high).strip(b"\x00"):
            return True
    return False


_FIRST_MASKS = 256


def _marked(marks: bytes) -> list[int]:
    """The positions of the bytes 1 among bytes 0 and 1: searched for when they are few,
    else a pass at C speed."""
    if marks.count(1) * 16 < len(marks):
        return [found.start() for found in re.finditer(b"\x01", marks)]
    return list(compress(range(len(marks)), marks))


def _table(keep: Callable[[int], bool]) -> bytes:
    """A translation of bytes to 1 where `keep` holds, else 0."""
    return bytes(1 if keep(v) else 0 for v in range(256))


class _Tables(dict):
    """Translation tables by byte value, made on first use (a search needs a few; all at
    import would cost a millisecond to every search)."""

    def __init__(self, make: Callable[[int], bytes]) -> None:
        self.make = make

    def __missing__(self, v: int) -> bytes:
        table = self[v] = self.make(v)
        return table


_BELOW = _Tables(lambda v: bytes(range(v)))  # deleted by translate: the bytes below v
_FROM = _Tables(lambda v: _table(lambda x: x >= v))  # 1 for the bytes at least v
_EQUAL = _Tables(lambda v: _table(lambda x: x == v))  # 1 for the byte v
_WITH = _Tables(lambda bits: _table(lambda x: x & bits))  # 1 for the bytes with one of `bits`
_EQUAL_FF = _Tables(lambda v: bytes(0xFF if x == v else 0 for x in range(256)))


class DamagedIndex(Exception):
    """Postings whose arrays do not agree: the store cannot be trusted."""


class Index:
    """The index of an open store, read term by term; what a query reads is kept for it."""

    def __init__(self, conn: sqlite3.Connection, n_docs: int):
        self.conn = conn
        self.n_docs = n_docs
        self._raw: dict[str, tuple[array, array, array] | None] = {}
        self._postings: dict[str, tuple[array, array, array] | None] = {}
        self._words: dict[str, tuple[str, int] | None] = {}
        self._lowest: dict[str, float] = {}
        self._highest: dict[str, float] = {}
        # a thesaurus phrase's stems -> the records with all of them in one field (ranking)
        self.phrase_records: dict[tuple[str, ...], set[int]] = {}

    def raw(self, s: str) -> tuple[array, array, array] | None:
        """Record numbers (ascending), impacts as stored (idf not applied) and field masks of
        one stem: what a ranking that looks at a few records reads, without a pass over all."""
        if s in self._raw:
            return self._raw[s]
        rows = self.conn.execute(
            "SELECT docs, impacts, masks FROM postings WHERE stem = ? ORDER BY segment", (s,)
        ).fetchall()
        found = None
        if rows:
            docs, impacts, masks = array("i"), array("f"), array("H")
            try:
                for row in rows:
                    docs.frombytes(row[0])
                    impacts.frombytes(row[1])
                    masks.frombytes(row[2])
            except (ValueError, TypeError):
                raise DamagedIndex(s) from None
            if not len(docs) == len(impacts) == len(masks) or not 0 <= docs[-1] < self.n_docs:
                raise DamagedIndex(s)
            found = (docs, impacts, masks)
        self._raw[s] = found
        return found

    def postings(self, s: str) -> tuple[array, array, array] | None:
        """Record numbers (ascending), impacts (idf applied) and field masks of one stem."""
        if s in self._postings:
            return self._postings[s]
        found = self.raw(s)
        if found is not None:
            docs, impacts, masks = found
            idf = _idf(self.n_docs, len(docs))
            found = (docs, array("f", map(idf.__mul__, impacts)), masks)
        self._postings[s] = found
        return found

    def lowest(self, s: str) -> float:
        """The lowest impact stored for a stem (one pass over its postings, once)."""
        if s not in self._lowest:
            self._lowest[s] = min(self.raw(s)[1])  # type: ignore[index]
        return self._lowest[s]

    def highest(self, s: str) -> float:
        """The highest impact stored for a stem (one pass over its postings, once)."""
        if s not in self._highest:
            self._highest[s] = max(self.raw(s)[1])  # type: ignore[index]
        return self._highest[s]

    def impact(self, s: str, j: int) -> float:
        """The `j`-th impact of a stem with its idf applied, as `postings` gives it (rounded to
        single precision the same way), without applying the idf to all of them."""
        found = self._postings.get(s)
        if found is not None:
            return found[1][j]
        found = self.raw(s)
        assert found is not None
        return array("f", (_idf(self.n_docs, len(found[0])) * found[1][j],))[0]

    def has(self, s: str) -> bool:
        if s in self._raw:
            return self._raw[s] is not None
        return self.conn.execute("SELECT 1 FROM postings WHERE stem = ? LIMIT 1", (s,)).fetchone() is not None

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
        sql = "SELECT DISTINCT stem FROM postings WHERE stem > ? AND stem < ?"
        return [x for (x,) in self.conn.execute(sql, (s, s + _TOP))]

    def words_of_length(self, lo: int, hi: int, first: str | None = None) -> list[str]:
        """Vocabulary words of lengths lo..hi, starting with `first` when given; by length, then
        in alphabetical order."""
        if first is None:
            out: list[str] = []
            for (text,) in self.conn.execute(
                "SELECT mots FROM mots_longueur WHERE longueur BETWEEN ? AND ? ORDER BY longueur", (lo, hi)
            ):
                out += text.split("\n")
            return out
        # The words of one first letter, length by length, read by the index of lengths (its
        # entries are (length, word): a range of words within one length).
        sql = "SELECT mot FROM vocabulaire WHERE longueur = ? AND mot >= ? AND mot < ? ORDER BY mot"
        return [w for n in range(lo, hi + 1) for (w,) in self.conn.execute(sql, (n, first, first + _TOP))]

    def words_one_edit_from_start(self, term: str) -> list[str]:
        """Vocabulary words one length from `term` or of its length, with another first letter,
        that may be one edit from it (`words_of_length` order): the edit is at the start, so
        the word starts with the term's second letter (a deletion or a swap), or its second
        letter is the term's first or second (an insertion or a substitution)."""
        first, second = re.escape(term[0]), re.escape(term[1:2])
        # Each word after its line break: a literal the search skips to (faster than ^).
        line = re.compile(f"\n((?!{first})(?:{second}|[^\n](?:{first}|{second}))[^\n]*)")
        out: list[str] = []
        for (text,) in self.conn.execute(
            "SELECT mots FROM mots_longueur WHERE longueur BETWEEN ? AND ? ORDER BY longueur",
            (len(term) - 1, len(term) + 1),
        ):
            out += line.findall("\n" + text)
        return out

    def words_sounding(self, key: str) -> list[str]:
        return [w for (w,) in self.conn.execute("SELECT mot FROM vocabulaire WHERE son = ?", (key,))]

    def synonyms(self, s: str) -> list[str]:
        return [o for (o,) in self.conn.execute("SELECT autre FROM synonymes WHERE stem = ?", (s,))]

    def expansions(self, key: tuple[str, ...]) -> list[tuple[tuple[str, ...], str]]:
        """What a sequence of query stems stands for in the thesaurus: (stems, how) each."""
        rows = self.conn.execute("SELECT stems, comment FROM expansions WHERE cle = ?", (" ".join(key),))
        return [(tuple(stems.split()), how) for stems, how in rows]

    def a_subject(self, key: tuple[str, ...]) -> bool:
        """Whether a sequence of stems names a subject of the field (thesaurus « sujets »)."""
        return self._listed("sujets", key)

    def free_key(self, key: tuple[str, ...]) -> bool:
        """Whether a key of several stems may be typed with any little words between them
        (thesaurus.load)."""
        return self._listed("cles_libres", key)

    def _listed(self, table: str, key: tuple[str, ...]) -> bool:
        """Whether a sequence of stems is in one of the key tables of the thesaurus."""
        return self.conn.execute(f"SELECT 1 FROM {table} WHERE cle = ?", (" ".join(key),)).fetchone() is not None

    def idf(self, s: str) -> float:
        """Inverse document frequency of a stem (0 when it is in no record)."""
        found = self.raw(s)
        return 0.0 if found is None else _idf(self.n_docs, len(found[0]))


def _idf(n_docs: int, df: int) -> float:
    """The idf of a word in `df` of `n_docs` records (BM25's, never negative)."""
    return math.log(1 + (n_docs - df + 0.5) / (df + 0.5))
