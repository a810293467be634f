"""The ranking written for speed answers exactly as the rules spelt out plainly
(`search_reference.py`): same hits, order, totals, scores and explanations, for the judged
queries, the benchmark's mix and runs of words of the catalogue (typos, prefixes, cost words,
question words), with and without a limit and a filter; and on a synthetic catalogue of 3,000
records, whose common words have thousands of records and many equal impacts (ties)."""

from __future__ import annotations

import bisect
import random
import sys
import tomllib
from array import array
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qpvcli.api import Qpv
from qpvcli.search import Index, ranking
from qpvcli.search.index import any_with, positions_from, positions_without, top_positions

from . import search_reference
from .small import small

HERE = Path(__file__).parent
JUDGED = tomllib.loads((HERE / "relevance" / "judged.toml").read_text(encoding="utf-8"))["requetes"]
MIX = [
    "îlots de fraîcheur", "ilot fraicheur", "végétalisation", "quartier", "habitants",
    "insertion professionnelle", "concierje", "punaises de lit", "participation citoyenne",
    "recyclage", "ADEME", "Cerema", "vélo", "art", "cartografie", "biodiversité urbaine",
    "eaux pluviales", "zorglub", "vegeta", "jeunes des quartiers populaires",
    "comment faire", "pas cher", "jardin pas cher", "longue durée", "ESS", "seine saint denis",
    "économie sociale et solidaire gratuit", "quartier quartier", "la",
]  # fmt: skip


def sampled(engine: Qpv, n: int, seed: int = 10) -> list[str]:
    """Runs of 1 to 4 consecutive words of the records' titles and descriptions, some changed."""
    rng = random.Random(seed)
    texts = [e.titre + " " + (e.description or "") for e in engine.select()]
    out = []
    for _ in range(n):
        words = rng.choice(texts).split()
        size = rng.choice([1, 1, 2, 2, 3, 4])
        start = rng.randrange(max(1, len(words) - size + 1))
        q = " ".join(words[start : start + size]).strip(" ,.;:()«»\"'") or "eau"
        roll = rng.random()
        if roll < 0.1 and len(q) > 6:
            i = rng.randrange(1, len(q) - 2)
            q = q[:i] + q[i + 1] + q[i] + q[i + 2 :]
        elif roll < 0.2 and len(q) > 6:
            q = q[: rng.randrange(len(q) // 2 + 1, len(q))]
        elif roll < 0.25:
            q += rng.choice([" pas cher", " gratuit", " moins de 20 000 €", " coûteux"])
        elif roll < 0.3:
            q = "comment " + q
        elif roll < 0.4:
            q += " "
        out.append(q)
    return out


@pytest.fixture(scope="module")
def engine():
    return Qpv.open(use_cache=False)


def answers(run, engine: Qpv, query: str, accept, limit):
    index = Index(engine.store.conn, engine.store.count)
    r = run(index, query, accept=accept, limit=limit)
    return r.total, r.unknown, r.suggestions, [(h.doc, h.score, h.coverage, h.matches) for h in r.hits]


def test_fast_ranking_answers_as_the_reference(engine):
    queries = list(dict.fromkeys(MIX + [r["q"] for r in JUDGED] + sampled(engine, 300)))
    first_axis = engine.filtres(axes=[engine.catalogue.axes[0].id])
    where, params = first_axis.where(engine.store)
    accept = engine.store.docs(where, params).__contains__
    differ = []
    for q in queries:
        for limit in (None, 3, 10):
            for acc in (None, accept):
                if answers(ranking.run, engine, q, acc, limit) != answers(search_reference.run, engine, q, acc, limit):
                    differ.append((q, limit, acc is not None))
    assert not differ, differ[:10]
    assert len(queries) > 350


def test_fast_ranking_answers_as_the_reference_on_a_larger_catalogue(tmp_path):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    try:
        from synthetic import generate
    finally:
        sys.path.pop(0)

    path = tmp_path / "synthetique.toml"
    path.write_text(generate(3000, seed=5), encoding="utf-8")
    engine = Qpv.open([path], use_cache=False)
    conn = engine.store.conn
    common = [w for (w,) in conn.execute("SELECT mot FROM vocabulaire ORDER BY df DESC, mot LIMIT 200")]
    rare = [w for (w,) in conn.execute("SELECT mot FROM vocabulaire WHERE df >= 2 ORDER BY mot")]
    rng = random.Random(4)
    queries = list(MIX)
    # Words found in nearly the same records: one notion (« îlots de fraîcheur »).
    index = Index(conn, engine.store.count)
    found = {w: set(index.raw(index.stem_of(w))[0]) for w in common[:150]}
    pairs = [(a, b) for a in found for b in found if a < b and index.stem_of(a) != index.stem_of(b)]
    pairs = [(a, b) for a, b in pairs if len(found[a] & found[b]) >= 0.8 * len(found[a] | found[b])]
    assert pairs
    queries += [f"{a} {b}" for a, b in pairs[:40]] + [f"{b} {a} {rng.choice(common)} " for a, b in pairs[:40]]
    # ...and such words for which the thesaurus gives phrases (« îlots de fraîcheur »: « lieux
    # frais »), the word with phrases first or second.
    queries += [f"{a} {b}" for a, b in phrase_pairs(index, conn)] + [f"{b} {a} " for a, b in phrase_pairs(index, conn)]
    for _ in range(250):
        words = [rng.choice(common if rng.random() < 0.7 else rare) for _ in range(rng.randint(1, 4))]
        queries.append(" ".join(words) + rng.choice(["", " "]))
    differ = [
        (q, limit)
        for q in dict.fromkeys(queries)
        for limit in (10, 30)
        if answers(ranking.run, engine, q, None, limit) != answers(search_reference.run, engine, q, None, limit)
    ]
    assert not differ, differ[:10]


def test_records_found_by_a_phrase_alone_tie_in_the_order_of_the_full_ranking(tmp_path):
    """« îlots de chaleur » is one notion, which the thesaurus also meets as « rafraîchissement »:
    the records that say only that, all alike, tie; the full ranking meets them in the order of
    a set of record numbers, not always ascending (here they straddle its table's size)."""
    body = "Un projet mené avec les habitants et le bailleur social du quartier. "
    records = [{"id": f"a{i:03}", "action": 10, "titre": f"Atelier {i}", "description": body} for i in range(100)]
    records += [
        {"id": f"b{i:03}", "action": 10, "titre": "Îlots de chaleur", "description": body * (1 + i % 4)}
        for i in range(20)
    ]
    records += [
        {"id": f"c{i:03}", "action": 10, "titre": "Du rafraîchissement", "description": body + "Rafraîchissement."}
        for i in range(40)
    ]
    engine = small(tmp_path, *records)
    for q in ("îlots de chaleur", "ilot chaleur", "chaleur ilots "):
        for limit in (10, 30, 60):
            fast = answers(ranking.run, engine, q, None, limit)
            assert fast == answers(search_reference.run, engine, q, None, limit), (q, limit)
    assert any(h[0] >= 120 for h in fast[3])


def phrase_pairs(index: Index, conn) -> list[tuple[str, str]]:
    """Pairs of words of the catalogue found in nearly the same records (one notion), the first
    of which the thesaurus expands to phrases."""
    words = [w for (w,) in conn.execute("SELECT mot FROM vocabulaire WHERE df >= 3 ORDER BY df, mot")]
    docs = {w: set(index.raw(index.stem_of(w))[0]) for w in words}
    sizes = [len(docs[w]) for w in words]
    pairs = []
    for a in words:
        if not index.expansions((index.stem_of(a),)):
            continue
        size = len(docs[a])
        for b in words[bisect.bisect_left(sizes, 0.8 * size) : bisect.bisect_right(sizes, size / 0.8)]:
            shared = len(docs[a] & docs[b])
            if index.stem_of(a) != index.stem_of(b) and shared >= 0.8 * (len(docs[a]) + len(docs[b]) - shared):
                pairs.append((a, b))
    assert len(pairs) >= 10  # enough to exercise the one-notion paths
    return pairs


impacts = st.lists(
    st.one_of(
        st.floats(0, 3, width=32), st.sampled_from([0.0, 1e-30, 0.5, 0.99999994, 1.0, 1.0000001, 1.9999999, 2.0, 3e38])
    ),
    min_size=1,
)


@given(impacts, st.integers(1, 50))
def test_top_positions_hold_the_best_impacts_and_those_just_below(values, depth):
    """The fast paths take their first candidates from the bytes of the stored impacts: every
    impact among the `depth` best, or within a millionth of the `depth`-th, must be there."""
    raw = array("f", values)
    found = top_positions(raw, depth)
    assert found == sorted(set(found))
    last = sorted(raw, reverse=True)[min(depth, len(raw)) - 1]
    assert {j for j, v in enumerate(raw) if v >= last * (1 - 1e-6)} <= set(found)


@given(impacts, st.floats(0, 3, width=32))
def test_positions_from_hold_every_impact_above_a_threshold(values, t):
    raw = array("f", values)
    found = positions_from(raw, t)
    assert found == sorted(set(found))
    assert {j for j, v in enumerate(raw) if v >= t} <= set(found)


@given(st.lists(st.integers(0, 0xFFFF)), st.integers(0, 0xFFFF))
def test_field_masks_are_read_at_c_speed_as_one_by_one(values, fields):
    """« Is this word in a record's places? » reads every field mask of a word at C speed (a
    Python loop over a common word's 35,000 records cost 3 ms a query): the same answer."""
    masks = array("H", values)
    assert any_with(masks, fields) == any(m & fields for m in values)
    assert positions_without(masks, fields) == [j for j, m in enumerate(values) if not m & fields]
    for at in (0, 255, 256, 700, 999):  # before and after the first records read apart
        many = array("H", [0x0101] * 1000)
        many[at] = 0x0404
        assert any_with(many, 0x0004) and any_with(many, 0x0400) and not any_with(many, 0x0202)
