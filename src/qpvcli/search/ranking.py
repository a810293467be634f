"""Ranking: which records answer a query, in which order, and where to stop.

Ranking follows the reference engines: first how many query words a record matches
(Meilisearch's first rule), then a BM25F score in which a title match counts more than a
partner, place or action match, which count more than the body; query words that follow each
other in a record count more (proximity, on the first results); results far below the best
are cut off as noise.
"""

from __future__ import annotations

import bisect
import heapq
from collections import Counter
from collections.abc import Callable
from itertools import chain, pairwise
from typing import NamedTuple

from ..text import MAX_QUERY_CHARS, analyse, normalise
from .expansion import expand, suggest
from .index import FIELD_NAMES, Index

RELATIVE_CUTOFF = 0.2  # results scoring under this share of the best one are noise
PARTIAL_CUTOFF = 0.3  # stricter for results that miss some of the query words
PHRASE_BONUS_TITLE, PHRASE_BONUS_BODY = 0.5, 0.35  # per pair of query words adjacent in a field
RERANK_DEPTH = 15


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
    total: int  # how many records pass the cut-off (hits may be fewer: a limit)


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
    for s, (weight, _how) in sorted(q.variants.items(), key=lambda kv: -kv[1][0]):
        found = index.postings(s)
        if found is None:
            continue
        docs, impacts, _ = found
        if weight == 1.0 and not best:
            best = dict(zip(docs, impacts, strict=True))
            continue
        get = best.get
        for d, impact in zip(docs, impacts, strict=True):
            v = impact * weight
            if v > get(d, 0.0):
                best[d] = v
    return best


def _explain(index: Index, q: QueryTerm, doc: int) -> tuple[str, str, tuple[str, ...]] | None:
    """Which variant of a query word gave a record its score, and in which fields."""
    found = None
    for s, (weight, how) in q.variants.items():
        postings = index.postings(s)
        if postings is None:
            continue
        docs, impacts, masks = postings
        j = bisect.bisect_left(docs, doc)
        if j < len(docs) and docs[j] == doc:
            value = impacts[j] * weight
            if found is None or value > found[0]:
                found = (value, s, how, _mask_fields(masks[j]))
    return found[1:] if found else None


def run(
    index: Index,
    query: str,
    *,
    accept: Callable[[int], bool] | None = None,
    texts: Callable[[list[int]], dict[int, dict[str, str]]] | None = None,
    limit: int | None = None,
) -> Result:
    """Rank records for a query; at most `limit` hits (all when None), `total` counts them all.

    `accept` filters record numbers; `texts` (the searchable texts of some records, by field)
    enables the proximity bonus for query words that follow each other in a record."""
    words_, is_prefix = parse_query(query)
    qterms = [
        QueryTerm(w, expand(index, w, is_prefix=is_prefix and i == len(words_) - 1)) for i, w in enumerate(words_)
    ]
    if not qterms or not any(q.variants for q in qterms):
        return Result([], qterms, _suggestions(index, qterms), 0)

    term_maps = [_term_scores(index, q) for q in qterms]
    n = len(qterms)
    coverage: dict[int, int] = {}
    if n == 1:
        scores = term_maps[0]
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
    ranking = [(coverage.get(d, 1), v, d) for d, v in scores.items()]
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

    # One count for the total and the list: the same scores (proximity included), the same rule.
    total = sum(1 for d in scores if kept(d))
    if limit is None:
        in_head = set(head)
        rest = [d for _, _, d in sorted(ranking, reverse=True) if d not in in_head]
        ranked = [d for d in head + rest if kept(d)]
    else:
        ranked = [d for d in head if kept(d)][:limit]

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
    texts: Callable[[list[int]], dict[int, dict[str, str]]],
    stem_of: Callable[[str], str],
) -> None:
    """Query words that follow each other in a record (« lien social », « îlots de fraîcheur »)
    count more, in the title most."""
    by_doc = texts(docs)
    for d in docs:
        bonus = 0.0
        fields = by_doc.get(d, {})
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
        out.extend(suggest(index, q.word))
    return list(dict.fromkeys(out))[:5]
