"""Per-query search time of one version of qpv, to compare two versions side by side.

Run each version in its own process, with its own store, alternately, then compare:

    QPV_CACHE_DIR=/tmp/c-old PYTHONPATH=/path/to/old/src python benchmarks/query_times.py FILE.toml > old1.json
    QPV_CACHE_DIR=/tmp/c-new python benchmarks/query_times.py FILE.toml > new1.json
    (… again for old2.json, new2.json …)
    python benchmarks/query_times.py --before old1.json old2.json --after new1.json new2.json

Each query is searched once (warm-up), then --repeat times (limit 10); the median is printed,
in milliseconds. The queries: the mix of `scale.py`, then queries of the relevance issue (long
questions, compounds, French words the catalogue lacks, costs, absent subjects). A query that
looks slower in a mix can be measured alone with --only (its place in the process matters).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

MORE = [
    "fraîcheur en centre-ville",
    "chômeurs de longue durée",
    "jardin partagé",
    "lutter contre la chaleur",
    "le bruit de l'autoroute pour les riverains",
    "plage",
    "émissions de carbone",
    "les assos près de chez moi",
    "comment faire participer les jeunes à la vie de la ville ?",
    "projets de plus d'un million d'euros",
    "station de ski",
    "Seine-Saint-Denis",
    "habitat participatif",
]


def times(data: list[Path], queries: list[str], repeat: int) -> dict[str, float]:
    from qpvcli.api import Qpv

    qpv = Qpv.open(data, with_report=False)
    out = {}
    for text in queries:
        qpv.search(text, limit=10)
        runs = []
        for _ in range(repeat):
            start = time.perf_counter()
            qpv.search(text, limit=10)
            runs.append(time.perf_counter() - start)
        out[text] = statistics.median(runs) * 1000
    return out


def compare(before: list[Path], after: list[Path]) -> None:
    olds = [json.loads(p.read_text(encoding="utf-8")) for p in before]
    news = [json.loads(p.read_text(encoding="utf-8")) for p in after]
    print("| requête | avant (ms) | après (ms) |\n| --- | --- | --- |")
    for q in olds[0]:
        a = statistics.median(o[q] for o in olds)
        b = statistics.median(n[q] for n in news)
        print(f"| {q} | {a:.1f} | {b:.1f} |")
    mid = [statistics.median(statistics.median(r[q] for r in runs) for q in olds[0]) for runs in (olds, news)]
    print(f"\nmédiane des médianes : {mid[0]:.1f} ms avant, {mid[1]:.1f} ms après")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("data", type=Path, nargs="*")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--only", action="append", help="this query alone (repeatable)")
    parser.add_argument("--before", type=Path, nargs="+", help="JSON outputs of the version before")
    parser.add_argument("--after", type=Path, nargs="+", help="JSON outputs of the version after")
    args = parser.parse_args()
    if args.before and args.after:
        compare(args.before, args.after)
        return
    from scale import QUERIES

    print(json.dumps(times(args.data, args.only or [*QUERIES, *MORE], args.repeat), ensure_ascii=False))


if __name__ == "__main__":  # the build's second process must not run this again (spawn)
    main()
