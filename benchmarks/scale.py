"""Scale benchmark: qpv on synthetic catalogues (realistic vocabulary: see synthetic.py).

Run:  python benchmarks/scale.py [--sizes 40 20000 100000] [--workdir /tmp/qpv-scale] [--runs 7]
                                 [--build-runs 1] [--only search ...]
Size 40 is the bundled catalogue alone (no --data). Every step is its own process, and each
process's peak memory is its own (wait4), never an inherited one:
- build: first run on an empty cache: read, parse, validate, write the store and its index
  (median of --build-runs builds, each on an emptied cache);
- queries: median and p95 latency of a fixed query mix, in one process, store built;
- cold commands (median of --runs, store built): `search`, `show ID`, `facettes`,
  `list | head -5` (a listing read only as far as it is shown), then the full-catalogue
  outputs `list --format json` and `export --format csv|json|toml` (time and peak memory).
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


def child(step: str, data: list[Path]) -> dict:
    from qpvcli.api import Qpv

    start = time.perf_counter()
    if step == "build":
        qpv = Qpv.open(data)
        # A large catalogue is indexed in a second process (search.index.ParallelIndex): its own
        # peak, apart (waited for, so counted in this process's children).
        seconds = time.perf_counter() - start
        own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return {
            "seconds": seconds,
            "peak_mb": peak_mb(),
            "worker_peak_mb": children.ru_maxrss / 1024,
            "records": len(qpv),
            # Processor time of each process (on a shared machine, steadier than the duration).
            "cpu_s": own.ru_utime + own.ru_stime,
            "worker_cpu_s": children.ru_utime + children.ru_stime,
        }
    if step == "queries":
        qpv = Qpv.open(data)
        for q in QUERIES:  # warm-up: lazy imports
            qpv.search(q, limit=10)
        times = []
        for _ in range(5):
            qpv._index = None  # each pass reads the postings again, as a new process would
            for q in QUERIES:
                t = time.perf_counter()
                qpv.search(q, limit=10)
                times.append(time.perf_counter() - t)
        return {**latency_ms(times), "peak_mb": peak_mb()}
    raise ValueError(step)


def run_child(step: str, data: list[Path], env: dict[str, str]) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", step, *map(str, data)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def timed_process(argv: list[str], env: dict[str, str] | None = None, head: int | None = None) -> tuple[float, float]:
    """Run a command to its end, its output read by a pipe (closed after `head` lines, as
    `| head` does): wall time in seconds, and the process's own peak memory in MB."""
    t = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert proc.stdout is not None
    if head is None:
        while proc.stdout.read(1 << 16):
            pass
    else:
        for _ in range(head):
            proc.stdout.readline()
    proc.stdout.close()
    _, status, usage = os.wait4(proc.pid, 0)  # this child's own peak memory
    seconds = time.perf_counter() - t
    # Once `head` stops reading, the pipe breaks: SIGPIPE (-13), or click's exit 1 on EPIPE.
    if os.waitstatus_to_exitcode(status) not in ((0,) if head is None else (0, 1, -13)):
        raise RuntimeError(f"{argv[:4]}… exited with status {status}")
    return seconds, usage.ru_maxrss / 1024


def cold_runs(argv: list[str], env: dict[str, str] | None = None, runs: int = 7, head: int | None = None) -> dict:
    """A command run `runs` times, each in a new process: median wall time and largest peak memory."""
    results = [timed_process(argv, env, head) for _ in range(runs)]
    return {"median_s": statistics.median(s for s, _ in results), "peak_mb": max(m for _, m in results)}


COLD = {
    "search": (["search", "îlots de fraîcheur"], None),
    "show": (["show", "{id}"], None),
    "facettes": (["facettes"], None),
    "list | head -5": (["list"], 5),
    "list --format json": (["list", "--format", "json"], None),
    "export csv": (["export", "--format", "csv"], None),
    "export json": (["export", "--format", "json"], None),
    "export toml": (["export", "--format", "toml"], None),
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[40, 20000, 100000])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/qpv-scale"))
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--build-runs", type=int, default=1, help="builds of each size (median)")
    parser.add_argument("--only", nargs="*", help="cold commands to run (default: all)")
    parser.add_argument("--child", nargs="+")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child[0], [Path(p) for p in args.child[1:]])))
        return
    sys.path.insert(0, str(Path(__file__).parent))
    from synthetic import write

    args.workdir.mkdir(parents=True, exist_ok=True)
    results = {}
    for n in args.sizes:
        data: list[Path] = []
        if n > 40:
            path = args.workdir / f"synthetique-{n}.toml"
            if not path.exists():
                with path.open("w", encoding="utf-8") as out:
                    write(out, n)
            data = [path]
        cache = args.workdir / f"cache-{n}"
        cache.mkdir(exist_ok=True)
        env = {**os.environ, "QPV_CACHE_DIR": str(cache)}
        env.pop("QPV_DATA", None)
        row: dict = {"size_mb": sum(p.stat().st_size for p in data) / 1e6}
        builds = []
        for _ in range(args.build_runs):
            for f in cache.glob("*"):
                f.unlink()
            builds.append(run_child("build", data, env))
        row["build"] = {key: statistics.median(b[key] for b in builds) for key in builds[0]}
        row["queries"] = run_child("queries", data, env)
        some_id = "synthetique-000042" if data else "paris-ilots-de-fraicheur"
        prefix = [a for p in data for a in ("--data", str(p))]
        for name, (cmd, head) in COLD.items():
            if args.only and name not in args.only:
                continue
            argv = [sys.executable, "-m", "qpvcli", *prefix, *(c.replace("{id}", some_id) for c in cmd)]
            row[name] = cold_runs(argv, env, args.runs, head)
        results[n] = row
        print(f"{n}: {json.dumps(row)}", file=sys.stderr)
    report(results)


def _build_memory(build: dict) -> str:
    """The build's peak: this process's, and the second process's when it indexed there."""
    worker = build.get("worker_peak_mb", 0)
    main = f"{build['peak_mb']:.0f} Mo"
    return f"{main} + {worker:.0f} Mo (indexation)" if worker else main


def report(results: dict) -> None:
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} cœurs ; médianes ; mémoire : pic du processus lui-même\n")
    sizes = list(results)
    print("| | " + " | ".join(f"{n:,}".replace(",", "\u202f") + " exemples" for n in sizes) + " |")
    print("| --- |" + " --- |" * len(sizes))
    print("| fichier | " + " | ".join(f"{results[n]['size_mb']:.0f} Mo" for n in sizes) + " |")
    print(
        "| 1er chargement + index | "
        + " | ".join(f"{results[n]['build']['seconds']:.1f} s ; {_build_memory(results[n]['build'])}" for n in sizes)
        + " |"
    )
    if all("cpu_s" in results[n]["build"] for n in sizes):
        print(
            "| temps processeur de la construction | "
            + " | ".join(
                f"{results[n]['build']['cpu_s']:.1f} s + {results[n]['build']['worker_cpu_s']:.1f} s (indexation)"
                for n in sizes
            )
            + " |"
        )
    print("| requête : médiane | " + " | ".join(f"{results[n]['queries']['median_ms']:.1f} ms" for n in sizes) + " |")
    print("| requête : p95 | " + " | ".join(f"{results[n]['queries']['p95_ms']:.1f} ms" for n in sizes) + " |")
    for name in COLD:
        if all(name in results[n] for n in sizes):
            cells = [f"{results[n][name]['median_s']:.2f} s ; {results[n][name]['peak_mb']:.0f} Mo" for n in sizes]
            print(f"| `qpv {name}` | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
