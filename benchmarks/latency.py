"""Query latency, side by side in one process: the ranking (`qpvcli.search.ranking.run`, with
its fast paths) and the plain reference ranking (`tests/search_reference.py`, the same rules one
Python step per record), on the query mix of `scale.py`, passes interleaved, the index read
again before each query (as a new process would). Both give the same results (see
`tests/test_search_fast.py` and `benchmarks/search_check.py`); this measures only time.

Run:  QPV_CACHE_DIR=... python benchmarks/latency.py FILE.toml [--passes 5] [--per-query]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("data", type=Path, nargs="*")
    parser.add_argument("--passes", type=int, default=5)
    parser.add_argument("--per-query", action="store_true")
    args = parser.parse_args()

    from scale import QUERIES
    from tests import search_reference

    from qpvcli import search
    from qpvcli.api import Qpv

    runs = {"rapide": search.run, "référence": search_reference.run}
    qpv = Qpv.open(args.data)
    for q in QUERIES:  # warm-up: lazy imports
        qpv.search(q, limit=10)
    times: dict[str, dict[str, list[float]]] = {name: {q: [] for q in QUERIES} for name in runs}
    for p in range(args.passes):
        for q in QUERIES:
            for name in list(runs) if p % 2 else list(runs)[::-1]:
                search.run = runs[name]  # what `Qpv.search` calls
                qpv._index = None
                start = time.perf_counter()
                qpv.search(q, limit=10)
                times[name][q].append(time.perf_counter() - start)
    search.run = runs["rapide"]
    for name, by_query in times.items():
        all_times = sorted(t for ts in by_query.values() for t in ts)
        p95 = all_times[int(0.95 * (len(all_times) - 1))]
        print(f"{name} : médiane {1000 * statistics.median(all_times):.1f} ms, p95 {1000 * p95:.1f} ms")
    if args.per_query:
        print("\n| requête | référence | rapide |\n| --- | --- | --- |")
        for q in QUERIES:
            ref, fast = (1000 * statistics.median(times[n][q]) for n in ("référence", "rapide"))
            print(f"| {q} | {ref:.1f} ms | {fast:.1f} ms |")


if __name__ == "__main__":
    main()
