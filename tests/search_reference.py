"""The ranking's rules spelt out plainly, one Python step per record: the reference that
`qpvcli.search.ranking.run`, written for speed (passes at C speed over postings), must agree with
exactly (same hits, order, totals, scores, explanations). A copy of the ranking before it was
optimised (issue #10); a change of rule must be made in both.
"""

from __future__ import annotations

import heapq
import statistics
from collections import Counter
from collections.abc import Callable
from functools import reduce
from itertools import compress
from operator import and_, itemgetter

from qpvcli.search import cost
from qpvcli.search.index import Index
from qpvcli.search.ranking import (
    _OWN_FIELDS,
    COVERAGE_CUTOFF,
    GENERIC_WEIGHT,
    RELATIVE_CUTOFF,
    RERANK_DEPTH,
    Hit,
    QueryTerm,
    Result,
    _by_cost,
    _capitals,
    _CostAsked,
    _exact_docs,
    _explain,
    _one_notion,
    _phrase_records,
    _proximity_bonus,
    _suggestions,
    _term_information,
    missing,
    understand,
)


def term_scores(index: Index, q: QueryTerm) -> tuple[dict[int, float], dict[int, float], set[int]]:
    """Record -> best contribution of any variant of one query term, record -> the weight of
    that variant (1.0 for the word itself), and the records that have it in their own text (not
    only in the labels of their action or themes, shared with other records).

    A variant never counts more than the word itself would: its idf is capped at the exact
    word's (a rare synonym or typo would otherwise outrank a common exact word). The hot loop of
    a search: an exact variant becomes a dict at C speed (`dict(zip(...))`); only weighted
    variants cost a Python pass over their postings.
    """
    best: dict[int, float] = {}
    weights: dict[int, float] = {}
    own: set[int] = set()
    exact = [s for s, (_, how) in q.variants.items() if how == "exact"]
    cap = index.idf(exact[0]) if exact else None
    for s, (penalty, _how) in sorted(q.variants.items(), key=lambda kv: -kv[1][0]):
        found = index.postings(s)
        if found is None:
            continue
        docs, impacts, masks = found
        own.update(compress(docs, map(_OWN_FIELDS.__and__, masks)))  # at C speed
        if penalty == 1.0 and not best:
            best = dict(zip(docs, impacts, strict=True))
            weights = dict.fromkeys(best, 1.0)
            continue
        weight = penalty
        if cap is not None and penalty < 1.0:
            weight *= min(1.0, cap / (index.idf(s) or cap))
        get = best.get
        for d, impact in zip(docs, impacts, strict=True):
            v = impact * weight
            if v > get(d, 0.0):
                best[d] = v
                # What the record covers of the term: the route's own weight (not the capped one).
                weights[d] = max(weights.get(d, 0.0), penalty)
    for stems, weight, _how in q.phrases:
        found_all = [index.postings(s) for s in stems]
        if any(f is None for f in found_all):
            continue
        maps = [dict(zip(f[0], f[1], strict=True)) for f in found_all]  # type: ignore[index]
        fields = [dict(zip(f[0], f[2], strict=True)) for f in found_all]  # type: ignore[index]
        # every stem in one field of the record (the index has no positions)
        plain = {d for d in set(maps[0]).intersection(*maps[1:]) if reduce(and_, (m[d] for m in fields))}
        # The same records, met in the order of the set the ranking reads (records that tie
        # come in the order they are met: two sets of the same integers may iterate apart).
        shared = _phrase_records(index, stems, [index.raw(s) for s in stems])  # type: ignore[misc]
        assert shared == plain
        own.update(
            shared.intersection(*(set(compress(f[0], map(_OWN_FIELDS.__and__, f[2]))) for f in found_all))  # type: ignore[index]
        )
        for d in shared:
            v = weight * sum(m[d] for m in maps) / len(maps)
            if v > best.get(d, 0.0):
                best[d] = v
                weights[d] = max(weights.get(d, 0.0), weight)
    if q.generic:
        best = {d: v * GENERIC_WEIGHT for d, v in best.items()}
    return best, weights, own


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
    enables the proximity bonus for query words that follow each other in a record.

    A subject word that no record contains, even approximately, is reported in `unknown`; when
    half the subject words or more are unknown, nothing is returned rather than records that
    match only the rest (« station de ski » must not list every « station »)."""
    capitals = _capitals(query)
    intent, query = cost.read(query)
    qterms = understand(index, query, other_subject=intent is not None, texts=texts)
    subject = [q for q in qterms if not q.generic]
    unknown, absent = missing(index, subject, capitals)
    if intent is not None and not subject:  # « pas cher », « projets coûteux »: by cost
        return _by_cost(index, intent, qterms, accept, limit)
    if not qterms or absent:
        return Result([], qterms, _suggestions(index, qterms), 0, unknown)
    qterms = [q for q in qterms if q.word not in unknown]
    subject = [q for q in qterms if not q.generic]

    term_maps = []
    information = []  # (idf, record -> variant weight) of each subject notion
    # The order: how many subject notions a record matches, counted twice when found in its own
    # text, once when only in the labels of its action or themes (shared by many records).
    coverage: Counter[int] = Counter()
    order: Counter[int] = Counter()
    previous, before = None, None
    for q in qterms:
        scores_q, weights_q, own_q = term_scores(index, q)
        term_maps.append(scores_q)
        if not q.generic:
            docs = _exact_docs(index, q)
            if not _one_notion(index, previous, docs, before and (before, q), texts):  # « longue durée »
                information.append((_term_information(index, q), weights_q))
                coverage.update(weights_q.keys())
                order.update(weights_q.keys())
                order.update(own_q)
            previous, before = docs, q
    n = len(information)
    term_maps.sort(key=len, reverse=True)
    scores = dict(term_maps[0])  # the largest copied at C speed, the others added to it
    for m in term_maps[1:]:
        get = scores.get
        for d, v in m.items():
            scores[d] = get(d, 0.0) + v
    if len(subject) < len(qterms):  # a record matching only generic words is not an answer
        scores = {d: v for d, v in scores.items() if coverage[d]}
    asked, typed_fits, cost_fits = None, set(), set()
    if intent is not None:  # the cost asked counts as one more word matched (a soft preference)
        asked = _CostAsked.read(index, intent)
        typed_fits = set(asked.typed)
        cost_fits = (typed_fits | asked.said.keys()).intersection(scores)
        coverage.update(cost_fits)
        order.update(cost_fits)
        order.update(cost_fits)
        n += 1
        # ...and one more share of the information, as much as the query's middle word: a
        # record that meets the cost and one word is not cut off as covering too little.
        information.append((statistics.median([idf for idf, _ in information]), dict.fromkeys(cost_fits, 1.0)))
    if n > 1:
        # Records matching fewer words come after those matching the most, if they cover enough:
        # one word may be missing from two or three, two from four or five...
        k_max = max(coverage.values(), default=0)
        required = max(1, k_max - max(1, n // 2))
        scores = {d: v for d, v in scores.items() if coverage[d] >= required}
    if accept is not None:
        scores = {d: v for d, v in scores.items() if accept(d)}
    if not scores:
        return Result([], qterms, [], 0, unknown)

    # The share of the query's information a record covers: each subject term counts by its
    # idf, times the weight of the variant found (1 for the word itself). From three terms on,
    # no term counts more than the median one: in a long question, one rare detail (« entre
    # voisins ») must not outweigh the rest and cut every record that lacks it.
    if len(information) >= 3:
        cap = statistics.median(idf for idf, _ in information)
        information = [(min(idf, cap), w) for idf, w in information]
    total_information = sum(idf for idf, _ in information) or 1.0
    if len(information) == 1:  # one subject word: what a record covers is its route's weight
        covered = information[0][1]
    else:
        covered = dict.fromkeys(scores, 0.0)
        for idf, weights_q in information:
            share = idf / total_information
            for d, w in weights_q.items():
                if d in covered:
                    covered[d] += share * w

    depth = RERANK_DEPTH if limit is None else max(limit, RERANK_DEPTH)
    if n > 1:
        # (coverage, score, record) tuples compare in C: no Python key function per record.
        ranking = [(order[d], v, d) for d, v in scores.items()]
        head = [d for _, _, d in heapq.nlargest(depth, ranking)]
    else:  # every record covers the one subject word: by score alone
        head = [d for d, _ in heapq.nlargest(depth, scores.items(), key=itemgetter(1))]
    if texts is not None and len(qterms) > 1:
        scores = dict(scores)
        _proximity_bonus(head[:RERANK_DEPTH], scores, qterms, texts, index)
        head.sort(key=lambda d: (order[d], scores[d]), reverse=True)
    top = max(scores[d] for d in head)
    min_covered = COVERAGE_CUTOFF * max(covered.get(d, 0.0) for d in scores)
    min_score = RELATIVE_CUTOFF * top

    def kept(d: int) -> bool:
        return covered.get(d, 0.0) >= min_covered and scores[d] >= min_score

    # One count for the total and the list: the same scores (proximity included), the same rule.
    total = sum(1 for d, v in scores.items() if v >= min_score and covered.get(d, 0.0) >= min_covered)
    if limit is None:
        in_head = set(head)
        ordered = sorted(scores, key=lambda d: (order[d], scores[d]), reverse=True)
        rest = [d for d in ordered if d not in in_head]
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
        if asked is not None and d in cost_fits:
            matches[asked.intent.said] = asked.match(index, d, typed_fits)
        hits.append(Hit(d, scores[d], coverage[d], matches))
    return Result(hits, qterms, [], total, unknown)
