"""Relevance of `qpv search` on the judged queries: nDCG@5, MRR, and nonsense handling.

Run:  python benchmarks/relevance.py [--details]
Also compares with baselines the search notes cite (substring, rapidfuzz over full text).
"""

from __future__ import annotations

import math
import sys
import tomllib
from pathlib import Path

from qpvcli.catalogue import load_bundled
from qpvcli.engine import build
from qpvcli.search import field_texts
from qpvcli.text import fold

JUDGED = Path(__file__).resolve().parents[1] / "tests" / "relevance" / "judged.toml"


def load_judged() -> list[dict]:
    return tomllib.loads(JUDGED.read_text(encoding="utf-8"))["requetes"]


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
    }


def qpv_ranker():
    engine = build(load_bundled())
    return lambda q: [e.id for e, _ in engine.search(q)[0]]


def substring_ranker():
    cat = load_bundled()
    texts = [(e.id, fold(" ".join(field_texts(e, cat).values()))) for e in cat.exemples]
    return lambda q: [i for i, t in texts if fold(q) in t]


def rapidfuzz_ranker():
    from rapidfuzz import fuzz, process, utils

    cat = load_bundled()
    ids = [e.id for e in cat.exemples]
    texts = [fold(" ".join(field_texts(e, cat).values())) for e in cat.exemples]
    return lambda q: [
        ids[i]
        for _, s, i in process.extract(
            fold(q), texts, scorer=fuzz.partial_ratio, processor=utils.default_process, limit=10, score_cutoff=80
        )
    ]


def main() -> None:
    rows = [
        ("qpv search", evaluate(qpv_ranker())),
        ("sous-chaîne, accents repliés", evaluate(substring_ranker())),
        ("rapidfuzz partial_ratio, texte entier", evaluate(rapidfuzz_ranker())),
    ]
    print(
        f"{len(load_judged())} requêtes jugées ({rows[0][1]['judged']} avec résultats attendus, {rows[0][1]['nonsense'].split('/')[1]} absurdes)\n"
    )
    print("| méthode | nDCG@5 | MRR | précision (tous résultats) | requêtes absurdes sans résultat |")
    print("| --- | --- | --- | --- | --- |")
    for name, r in rows:
        print(f"| {name} | {r['ndcg5']:.3f} | {r['mrr']:.3f} | {r['precision']:.3f} | {r['nonsense']} |")
    if "--details" in sys.argv:
        print()
        for q, cat, score, ranked in rows[0][1]["details"]:
            print(f"{q!r:40} {cat:15} {score:22} {ranked}")


if __name__ == "__main__":
    main()
