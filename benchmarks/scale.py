"""Scale benchmark: synthetic catalogues of 1,000, 10,000 and 100,000 examples.

Run:  python benchmarks/scale.py [--sizes 1000 10000 100000] [--workdir /tmp/qpv-scale]
Each step runs in its own process so that peak memory (ru_maxrss) is the step's own:
- load: read, parse and validate the TOML, encode the records, write the cache (first run);
- index: build the search index from the cached records and save it (first search);
- query: median and p95 latency of a fixed query mix, cache already built (in process);
- cold: `qpv --data FILE search QUERY` end to end in a new process, cache built (median of 7).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

QUERIES = [
    "îlots de fraîcheur",
    "ilot fraicheur",
    "végétalisation",
    "quartier",
    "habitants",
    "insertion professionnelle",
    "concierje",
    "punaises de lit",
    "participation citoyenne",
    "recyclage",
    "ADEME",
    "Cerema",
    "vélo",
    "art",
    "cartografie",
    "biodiversité urbaine",
    "eaux pluviales",
    "zorglub",
    "vegeta",
    "jeunes des quartiers populaires",
]


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def latency_ms(times: list[float]) -> dict:
    """Median and 95th percentile of durations in seconds, in milliseconds."""
    times = sorted(times)
    return {"median_ms": 1000 * statistics.median(times), "p95_ms": 1000 * times[int(0.95 * (len(times) - 1))]}


def child(step: str, path: Path) -> dict:
    from qpvcli import engine

    start = time.perf_counter()
    if step == "load":
        e = engine.open_engine([path], with_report=True)
        assert not e.from_cache
        return {"seconds": time.perf_counter() - start, "peak_mb": peak_mb(), "records": len(e)}
    if step == "index":
        e = engine.open_engine([path], with_report=True)
        assert e.from_cache and e.index is None
        t = time.perf_counter()
        e.ensure_index()
        return {"seconds": time.perf_counter() - t, "peak_mb": peak_mb(), "postings": len(e.index.docs)}
    if step == "query":
        e = engine.open_engine([path], with_report=True)
        e.ensure_index()
        for q in QUERIES:  # warm-up: lazy imports, typo buckets
            e.search(q, limit=10)
        times = []
        for _ in range(5):
            for q in QUERIES:
                t = time.perf_counter()
                e.search(q, limit=10)
                times.append(time.perf_counter() - t)
        return {**latency_ms(times), "peak_mb": peak_mb()}
    raise ValueError(step)


def run_child(step: str, path: Path, env: dict[str, str]) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", step, str(path)], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


def timed_process(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Run a command to its end: wall time in seconds, and the process's own peak memory in MB."""
    t = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)  # this child's own peak memory
    seconds = time.perf_counter() - t
    if status != 0:
        raise RuntimeError(f"{argv[:3]}… exited with status {status}")
    return seconds, usage.ru_maxrss / 1024


def cold_runs(argv: list[str], env: dict[str, str] | None = None, runs: int = 7) -> dict:
    """A command run `runs` times, each in a new process: median wall time and largest peak memory."""
    results = [timed_process(argv, env) for _ in range(runs)]
    return {"median_s": statistics.median(s for s, _ in results), "peak_mb": max(m for _, m in results)}


def cold(path: Path, env: dict[str, str], runs: int = 7) -> dict:
    return cold_runs([sys.executable, "-m", "qpvcli", "--data", str(path), "search", "îlots de fraîcheur"], env, runs)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/qpv-scale"))
    parser.add_argument("--child", nargs=2)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child[0], Path(args.child[1]))))
        return
    from synthetic import generate

    args.workdir.mkdir(parents=True, exist_ok=True)
    rows = []
    for n in args.sizes:
        path = args.workdir / f"synthetique-{n}.toml"
        if not path.exists():
            path.write_text(generate(n), encoding="utf-8")
        cache = args.workdir / f"cache-{n}"
        for f in cache.glob("*"):
            f.unlink()
        env = {**os.environ, "QPV_CACHE_DIR": str(cache)}
        load = run_child("load", path, env)
        index = run_child("index", path, env)
        query = run_child("query", path, env)
        end_to_end = cold(path, env)
        rows.append((n, path.stat().st_size / 1e6, load, index, query, end_to_end))
        print(f"{n}: {load} {index} {query} {end_to_end}", file=sys.stderr)
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} cœurs ; {len(QUERIES)} requêtes × 5 passes\n")
    print(
        "| exemples | fichier | 1er chargement (analyse + validation) | construction de l'index | requête : médiane | requête : p95 | mémoire max (requêtes) | `qpv search` à froid, index en cache |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for n, size, load, index, query, e2e in rows:
        count = f"{n:,}".replace(",", "\u202f")
        print(
            f"| {count} | {size:.0f} Mo | {load['seconds']:.1f} s ; {load['peak_mb']:.0f} Mo "
            f"| {index['seconds']:.1f} s ; {index['peak_mb']:.0f} Mo | {query['median_ms']:.1f} ms | {query['p95_ms']:.1f} ms "
            f"| {query['peak_mb']:.0f} Mo | {e2e['median_s']:.2f} s ; {e2e['peak_mb']:.0f} Mo |"
        )


if __name__ == "__main__":
    main()
