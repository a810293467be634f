"""The first search of a fresh process, its store already built: what `qpv search` pays once
the store is open (the postings and phrase records it reads are not cached yet).

Run, alternating versions (each with its own store):
    QPV_CACHE_DIR=/tmp/c-old PYTHONPATH=/path/to/old/src python benchmarks/cold_search.py FILE.toml "QUERY"
    QPV_CACHE_DIR=/tmp/c-new python benchmarks/cold_search.py FILE.toml "QUERY"
Prints the search's time in milliseconds (the store's opening is not counted).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path


def main() -> None:
    from qpvcli.api import Qpv

    data, query = Path(sys.argv[1]), sys.argv[2]
    qpv = Qpv.open([data], with_report=False)
    qpv.search("x", limit=1)  # opens the store and its index, reads one word
    start = time.perf_counter()
    qpv.search(query, limit=10)
    print(f"{(time.perf_counter() - start) * 1000:.1f}")


if __name__ == "__main__":
    main()
