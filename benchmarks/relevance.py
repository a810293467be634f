"""Relevance of `qpv search` on the judged queries: nDCG@5, MRR, and nonsense handling.

Run:  python benchmarks/relevance.py [--blind | --blind2 | … | --blind26] [--details]
`--blind` … `--blind26` report on tests/relevance/blind*.toml (each written from the
records before any run of the engine, by someone who never saw it; blind.toml has since been
used to diagnose failures, see docs/recherche.md); the default is the development set,
tests/relevance/judged.toml.
Also compares with baselines the search notes cite (substring, rapidfuzz over full text, SQLite
FTS5 with bm25 and prefix queries).
"""

from __future__ import annotations

import math
import sys
import tomllib
from pathlib import Path

from qpvcli.api import Qpv
from qpvcli.catalogue import load_bundled
from qpvcli.fields import action_search_text, search_texts
from qpvcli.text import fold

RELEVANCE = Path(__file__).resolve().parents[1] / "tests" / "relevance"
BLIND_SETS = tuple(f"--blind{n}" for n in ("", *range(2, 27)))
if unknown := [a for a in sys.argv[1:] if a.startswith("--blind") and a not in BLIND_SETS]:
    sys.exit(f"jeu inconnu : {unknown[0]} (de --blind à {BLIND_SETS[-1]})")
JUDGED = RELEVANCE / next((f"{a[2:]}.toml" for a in sys.argv if a in BLIND_SETS), "judged.toml")


def load_judged() -> list[dict]:
    return tomllib.loads(JUDGED.read_text(encoding="utf-8"))["requetes"]


def record_texts() -> list[tuple[str, dict[str, str]]]:
    cat = load_bundled()
    out = []
    for e in cat.exemples:
        action = cat.action(e.action)
        out.append((e.id, search_texts(e, action_search_text(action, cat.axe(action.axe)))))
    return out


def ndcg_at(ranked: list[str], grades: dict[str, int], k: int = 5) -> float:
    dcg = sum((2 ** grades.get(d, 0) - 1) / math.log2(i + 2) for i, d in enumerate(ranked[:k]))
    ideal = sorted(grades.values(), reverse=True)
    idcg = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ideal[:k]))
    return dcg / idcg if idcg else 0.0


def reciprocal_rank(ranked: list[str], grades: dict[str, int]) -> float:
    best = max(grades.values())
    return next((1 / (i + 1) for i, d in enumerate(ranked) if grades.get(d, 0) == best), 0.0)


def evaluate(rank) -> dict:
    """`rank(query) -> list of ids`, best first."""
    judged = load_judged()
    ndcgs, rrs, precisions, nonsense_ok, nonsense, details = [], [], [], 0, 0, []
    for j in judged:
        ranked = rank(j["q"])
        grades = j.get("pertinents")
        if not grades:
            nonsense += 1
            nonsense_ok += not ranked
            details.append((j["q"], "absurde", "ok" if not ranked else f"{len(ranked)} résultats", ranked[:3]))
            continue
        n, rr = ndcg_at(ranked, grades), reciprocal_rank(ranked, grades)
        ndcgs.append(n)
        rrs.append(rr)
        precisions.append(sum(1 for d in ranked if d in grades) / len(ranked) if ranked else 0.0)
        details.append((j["q"], j["categorie"], f"nDCG@5 {n:.2f} RR {rr:.2f}", ranked[:5]))
    return {
        "ndcg5": sum(ndcgs) / len(ndcgs),
        "mrr": sum(rrs) / len(rrs),
        "precision": sum(precisions) / len(precisions),
        "judged": len(ndcgs),
        "nonsense": f"{nonsense_ok}/{nonsense}",
        "details": details,
        "by_category": by_category(details),
    }


def by_category(details: list[tuple]) -> dict[str, tuple[int, float]]:
    """Category -> (number of judged queries, mean nDCG@5)."""
    out: dict[str, list[float]] = {}
    for _, cat, score, _ in details:
        if cat != "absurde":
            out.setdefault(cat, []).append(float(score.split()[1]))
    return {c: (len(v), sum(v) / len(v)) for c, v in sorted(out.items())}


def qpv_ranker():
    qpv = Qpv.open(use_cache=False)
    return lambda q: [f.exemple.id for f in qpv.search(q).hits]


def substring_ranker():
    texts = [(i, fold(" ".join(t.values()))) for i, t in record_texts()]
    return lambda q: [i for i, t in texts if fold(q) in t]


def fts5_ranker():
    """SQLite FTS5: diacritics folded, bm25 with the same field weights as qpv, every word a
    prefix query (« fraich* »), words joined with OR and ranked by bm25."""
    import re
    import sqlite3

    from qpvcli.fields import SEARCH_FIELDS

    names = [n for n, _ in SEARCH_FIELDS]
    conn = sqlite3.connect(":memory:")
    conn.execute(
        f"CREATE VIRTUAL TABLE t USING fts5(id UNINDEXED, {', '.join(names)}, tokenize='unicode61 remove_diacritics 2')"
    )
    conn.executemany(
        f"INSERT INTO t VALUES (?, {', '.join('?' * len(names))})",
        [(i, *(t[n] for n in names)) for i, t in record_texts()],
    )
    weights = ", ".join(str(w) for _, w in SEARCH_FIELDS)

    def rank(q: str) -> list[str]:
        words = [w for w in re.findall(r"\w+", fold(q)) if len(w) > 1]
        if not words:
            return []
        match = " OR ".join(f'"{w}"*' for w in words)
        rows = conn.execute(f"SELECT id FROM t WHERE t MATCH ? ORDER BY bm25(t, 0, {weights}) LIMIT 10", (match,))
        return [r[0] for r in rows]

    return rank


def rapidfuzz_ranker():
    from rapidfuzz import fuzz, process, utils

    pairs = record_texts()
    ids = [i for i, _ in pairs]
    texts = [fold(" ".join(t.values())) for _, t in pairs]
    return lambda q: [
        ids[i]
        for _, s, i in process.extract(
            fold(q), texts, scorer=fuzz.partial_ratio, processor=utils.default_process, limit=10, score_cutoff=80
        )
    ]


def main() -> None:
    rows = [
        ("qpv search", evaluate(qpv_ranker())),
        ("SQLite FTS5 (bm25, préfixes, OU)", evaluate(fts5_ranker())),
        ("sous-chaîne, accents repliés", evaluate(substring_ranker())),
        ("rapidfuzz partial_ratio, texte entier", evaluate(rapidfuzz_ranker())),
    ]
    print(f"Jeu : {JUDGED.relative_to(RELEVANCE.parents[1])}")
    print(
        f"{len(load_judged())} requêtes jugées ({rows[0][1]['judged']} avec résultats attendus, {rows[0][1]['nonsense'].split('/')[1]} absurdes)\n"
    )
    print("| méthode | nDCG@5 | MRR | précision (tous résultats) | requêtes absurdes sans résultat |")
    print("| --- | --- | --- | --- | --- |")
    for name, r in rows:
        print(f"| {name} | {r['ndcg5']:.3f} | {r['mrr']:.3f} | {r['precision']:.3f} | {r['nonsense']} |")
    print(
        "\nnDCG@5 de qpv par catégorie : "
        + ", ".join(f"{c} {v:.3f} ({n})" for c, (n, v) in rows[0][1]["by_category"].items())
    )
    if "--details" in sys.argv:
        print()
        for q, cat, score, ranked in rows[0][1]["details"]:
            print(f"{q!r:40} {cat:15} {score:22} {ranked}")


if __name__ == "__main__":
    main()
