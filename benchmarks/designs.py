"""Three designs of the search index side by side, in one run, on the same synthetic file.

Run:  python benchmarks/designs.py --file CATALOGUE.toml [--workdir /tmp/qpv-designs]
                                   [--runs 7] [--passes 5] [--json FILE]
      python benchmarks/designs.py --report FILE.json   (the table again, from a saved run)
Needs qpv installed (`pip install .`: the `qpv` command next to this Python) and `tantivy`.

The designs:
- qpv: the program as users run it. Built by its first run on an empty cache (`qpv --data FILE
  search Q` with QPV_CACHE_DIR set to a fresh folder); queried by the `qpv` command (cold) and by
  `qpvcli.api.Qpv.open([FILE]).search(q, limit=10)` (warm). Nothing below those two public
  entry points is used, so the script stays valid when the store or the index change.
- FTS5: SQLite FTS5 (unicode61 remove_diacritics 2, bm25 weighted by field: see engines.py),
  each record's JSON in a table of the same database.
- tantivy: the Python binding (same fields and weights: see engines.py), each record's JSON in a
  SQLite file beside the index.
A query answers the top 10 as records: qpv's search returns them; for FTS5 and tantivy the
query code reads the 10 records' JSON and decodes it.

Steps, in this order:
1. parse: one process reads the TOML alone (how much of a build is reading), and picks a few
   rare words of the file for the query list; it also puts the file in the page cache.
2. build: each design in a new process, on an empty folder: wall time, peak memory, then the
   size on disk (qpv: its cache folder, i.e. its whole store; FTS5: its database; tantivy: the
   index folder plus the records file).
3. cold: one query (« îlots de fraîcheur ») in a new process, end to end, --runs times, the
   designs interleaved run by run; median wall time and the largest peak memory. qpv twice:
   the `qpv search` command (its output read through a pipe) and `python -c` through
   qpvcli.api, the same kind of process as the FTS5 and tantivy ones. `python -c pass` is the
   floor.
4. warm: one long-lived process per design opens it and runs the query list once (warm-up),
   then --passes passes, the designs taking turns pass by pass (rotating who goes first) so
   that the machine's noise touches all of them; median and p95 of every query's time.

Memory: each measured process's own peak resident memory. `ru_maxrss` from wait4 or from
getrusage inside a child also counts what the child inherited at fork/exec (Python starts
children by vfork: the parent's peak is carried over), so every measured process runs under
GNU time (`/usr/bin/time -f %M`, whose tiny process is the one that forks it); without it, the
peak is VmHWM read by the child itself where it is ours, and wait4's figure for `qpv` (then a
floor of this parent's own peak, which stays small: it never loads an index).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import engines  # noqa: E402
from scale import latency_ms  # noqa: E402

DESIGNS = ("qpv", "fts5", "tantivy")
NAMES = {
    "qpv": "qpv : postings par racine dans SQLite, lus à la demande",
    "fts5": "SQLite FTS5 (`unicode61 remove_diacritics 2`, bm25 pondéré)",
    "tantivy": "tantivy (liaison Python), fiches dans SQLite à côté",
}
COLD_QUERY = engines.COLD_QUERY
TIME = Path("/usr/bin/time")
LIMIT = 10


def vm_hwm_mb() -> float:
    """This process's own peak resident memory since its exec (Linux), else ru_maxrss."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ---- paths -----------------------------------------------------------------------------


def qpv_command() -> str:
    """The `qpv` console script installed with this Python (what users run)."""
    beside = Path(sys.executable).with_name("qpv")
    found = str(beside) if beside.exists() else shutil.which("qpv")
    if not found:
        sys.exit("the `qpv` command is not installed next to this Python: pip install .")
    return found


def fts5_db(workdir: Path) -> Path:
    return workdir / "fts5.sqlite"


def tantivy_dir(workdir: Path) -> Path:
    return workdir / "tantivy"


def tantivy_records(workdir: Path) -> Path:
    return workdir / "tantivy-records.sqlite"


def qpv_cache(workdir: Path) -> Path:
    return workdir / "qpv-cache"


def qpv_env(workdir: Path) -> dict[str, str]:
    env = {**os.environ, "QPV_CACHE_DIR": str(qpv_cache(workdir))}
    env.pop("QPV_DATA", None)
    return env


def disk_size(path: Path) -> int:
    return engines.disk_size(path) if path.exists() else 0


# ---- each design's query code ----------------------------------------------------------
# Self-contained source texts: `open_design(file, workdir)` returns a handle, `search(handle,
# q)` the top 10 as (id, record). The cold process runs them with `python -c`, the warm worker
# execs the same text.

FTS5_CODE = (
    engines.SQLITE_CODE.replace("def open_index(", "def _open_index(")
    + r"""
import json

def open_design(file, workdir):
    return _open_index(workdir + "/fts5.sqlite")

def search(db, q, limit=10):
    if not match(q):
        return []
    rows = db.execute(
        "SELECT ids.id, records.json FROM"
        " (SELECT rowid, rank FROM docs WHERE docs MATCH ? ORDER BY rank LIMIT ?) AS hit"
        " JOIN ids ON ids.rowid = hit.rowid JOIN records ON records.rowid = hit.rowid ORDER BY hit.rank",
        (match(q), limit),
    ).fetchall()
    return [(i, json.loads(j)) for i, j in rows]
"""
)

TANTIVY_CODE = (
    engines.TANTIVY_CODE.replace("def open_index(", "def _open_index(").replace("def search(", "def _search(")
    + r"""
import json, sqlite3

def open_design(file, workdir):
    return _open_index(workdir + "/tantivy"), sqlite3.connect(workdir + "/tantivy-records.sqlite")

def search(handle, q, limit=10):
    index, db = handle
    ids = _search(index, q, limit)
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    found = dict(db.execute(f"SELECT id, json FROM records WHERE id IN ({marks})", ids).fetchall())
    return [(i, json.loads(found[i])) for i in ids]
"""
)

QPV_CODE = r"""
from pathlib import Path
from qpvcli.api import Qpv

def open_design(file, workdir):
    return Qpv.open([Path(file)])

def search(qpv, q, limit=10):
    return [(f.exemple.id, f.exemple) for f in qpv.search(q, limit=limit).hits]
"""

CODE = {"qpv": QPV_CODE, "fts5": FTS5_CODE, "tantivy": TANTIVY_CODE}


def load(design: str) -> dict:
    ns: dict = {}
    exec(CODE[design], ns)
    return ns


# ---- children (each its own process) ---------------------------------------------------


def child(step: str, file: Path, workdir: Path) -> dict:
    """parse, build-fts5, build-tantivy: run in a new process; prints JSON."""
    start = time.perf_counter()
    if step == "parse":
        n = sum(1 for _ in engines.iter_tables(file))
        out = {"records": n, "rare": engines.rare_words(file)}
    elif step == "build-fts5":
        engines.build_sqlite(file, fts5_db(workdir), records=True)
        out = {}
    elif step == "build-tantivy":
        engines.build_tantivy(file, tantivy_dir(workdir), records=tantivy_records(workdir))
        out = {}
    else:
        raise ValueError(step)
    return {**out, "inner_s": time.perf_counter() - start, "vm_hwm_mb": vm_hwm_mb()}


def worker(design: str, file: Path, workdir: Path, queries: list[str]) -> None:
    """Warm queries: open the design, run the list once, then one pass per 'pass' line read
    on stdin (a JSON line of times back); 'end' prints the hits and the peak memory."""
    ns = load(design)
    handle = ns["open_design"](str(file), str(workdir))
    hits = {q: [i for i, _ in ns["search"](handle, q, LIMIT)] for q in queries}
    print(json.dumps({"ready": True}), flush=True)
    search = ns["search"]
    for line in sys.stdin:
        if line.strip() != "pass":
            break
        times = []
        for q in queries:
            t = time.perf_counter()
            search(handle, q, LIMIT)
            times.append(time.perf_counter() - t)
        print(json.dumps(times), flush=True)
    print(json.dumps({"hits": hits, "vm_hwm_mb": vm_hwm_mb()}, ensure_ascii=False), flush=True)


# ---- measuring a process ---------------------------------------------------------------


class Measured:
    """A process whose own peak memory is measured (GNU time if there, else wait4)."""

    def __init__(self, argv: list[str], env: dict[str, str] | None = None, stdin: bool = False):
        self.report = None
        if TIME.exists():
            fd, name = tempfile.mkstemp(prefix="qpv-designs-", suffix=".time")
            os.close(fd)
            self.report = Path(name)
            argv = [str(TIME), "-f", "%M", "-o", name, *argv]
        self.start = time.perf_counter()
        self.proc = subprocess.Popen(
            argv,
            env=env,
            stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def finish(self) -> tuple[float, float | None, str]:
        """Wait for the end: wall seconds, peak MB (None when only wait4's figure is known
        and it may be inherited), everything printed on stdout."""
        out, err = self.proc.communicate()
        seconds = time.perf_counter() - self.start
        if self.proc.returncode:
            sys.exit(f"{self.proc.args[:6]}… exited with {self.proc.returncode}:\n{err[-3000:]}")
        peak = None
        if self.report is not None:
            text = self.report.read_text().split()
            self.report.unlink()
            peak = int(text[-1]) / 1024
        return seconds, peak, out


def measured(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, float | None, str]:
    return Measured(argv, env).finish()


def python_child(step: str, file: Path, workdir: Path) -> dict:
    argv = [sys.executable, __file__, "--child", step, str(file), "--workdir", str(workdir)]
    seconds, peak, out = measured(argv)
    result = json.loads(out)
    return {**result, "seconds": seconds, "peak_mb": peak if peak is not None else result["vm_hwm_mb"]}


def cold_argv(design: str, file: Path, workdir: Path) -> list[str]:
    if design == "qpv search":
        return [qpv_command(), "--data", str(file), "search", COLD_QUERY]
    if design == "pass":
        return [sys.executable, "-c", "pass"]
    code = CODE[design] + (
        f"\nfor i, r in search(open_design({str(file)!r}, {str(workdir)!r}), {COLD_QUERY!r}):\n"
        "    print(i, r['titre'] if isinstance(r, dict) else r.titre)\n"
    )
    return [sys.executable, "-c", code]


# ---- the run ---------------------------------------------------------------------------


def table_sizes(files: list[Path]) -> dict[str, int]:
    """Bytes of each table and index of these SQLite files (dbstat, names as found: qpv's
    store layout is not assumed); empty if this SQLite has no dbstat."""
    sizes: dict[str, int] = {}
    for db in files:
        if not db.is_file():
            continue
        try:
            con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
            rows = con.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC").fetchall()
            con.close()
        except sqlite3.DatabaseError:
            continue
        sizes.update(rows)
    return sizes


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {f.name: (f.stat().st_size, f.stat().st_mtime_ns) for f in folder.glob("*") if f.is_file()}


def run(file: Path, workdir: Path, runs: int, passes: int) -> dict:
    file = file.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    for path in (fts5_db(workdir), tantivy_records(workdir)):
        path.unlink(missing_ok=True)
    for path in (tantivy_dir(workdir), qpv_cache(workdir)):
        shutil.rmtree(path, ignore_errors=True)
    qpv_cache(workdir).mkdir()
    log = lambda *a: print(*a, file=sys.stderr, flush=True)  # noqa: E731
    result: dict = {"file": str(file), "bytes": file.stat().st_size, "python": sys.version.split()[0]}
    result["memory"] = "GNU time %M" if TIME.exists() else "VmHWM (inside) / wait4"
    result["runs"], result["passes"] = runs, passes

    # 1. parse (also warms the page cache for the file)
    parse = python_child("parse", file, workdir)
    result["parse"] = parse
    log(f"parse: {parse}")
    queries = engines.QUERIES + parse["rare"]
    result["queries"] = queries

    # 2. builds
    builds = {}
    seconds, peak, _ = measured(cold_argv("qpv search", file, workdir), qpv_env(workdir))
    builds["qpv"] = {"seconds": seconds, "peak_mb": peak, "bytes": disk_size(qpv_cache(workdir))}
    builds["qpv"]["tables"] = table_sizes(sorted(qpv_cache(workdir).glob("*")))
    log(f"qpv build: {builds['qpv']}")
    built = snapshot(qpv_cache(workdir))
    for design in ("fts5", "tantivy"):
        b = python_child(f"build-{design}", file, workdir)
        b["bytes"] = (
            disk_size(fts5_db(workdir))
            if design == "fts5"
            else disk_size(tantivy_dir(workdir)) + disk_size(tantivy_records(workdir))
        )
        if design == "tantivy":
            b["index_bytes"] = disk_size(tantivy_dir(workdir))
        else:  # the index and the ids, without the records' JSON
            tables = table_sizes([fts5_db(workdir)])
            b["index_bytes"] = sum(v for k, v in tables.items() if k != "records") if tables else None
        builds[design] = b
        log(f"{design} build: {b}")
    result["build"] = builds

    # 3. cold: one query in a new process, designs interleaved run by run
    kinds = ["pass", "qpv search", "qpv", "fts5", "tantivy"]
    samples: dict[str, list[tuple[float, float | None]]] = {k: [] for k in kinds}
    for r in range(runs):
        for kind in kinds[r % len(kinds) :] + kinds[: r % len(kinds)]:
            env = qpv_env(workdir) if kind.startswith("qpv") else None
            seconds, peak, out = measured(cold_argv(kind, file, workdir), env)
            if kind != "pass" and not out.strip():
                sys.exit(f"cold {kind}: no result printed")
            samples[kind].append((seconds, peak))
    cold = {
        k: {
            "median_s": statistics.median(s for s, _ in v),
            "peak_mb": max((m for _, m in v if m is not None), default=None),
        }
        for k, v in samples.items()
    }
    result["cold"] = cold
    log(f"cold: {cold}")

    # 4. warm: one worker per design, passes interleaved
    workers = {}
    for design in DESIGNS:
        argv = [sys.executable, __file__, "--worker", design, str(file), "--workdir", str(workdir)]
        argv += ["--queries", json.dumps(queries, ensure_ascii=False)]
        workers[design] = Measured(argv, qpv_env(workdir) if design == "qpv" else None, stdin=True)
    for design, w in workers.items():
        line = w.proc.stdout.readline()
        if not line:
            sys.exit(f"warm {design} failed:\n{w.proc.stderr.read()[-3000:]}")
    times: dict[str, list[float]] = {d: [] for d in DESIGNS}
    for p in range(passes):
        for design in DESIGNS[p % 3 :] + DESIGNS[: p % 3]:
            w = workers[design]
            w.proc.stdin.write("pass\n")
            w.proc.stdin.flush()
            times[design] += json.loads(w.proc.stdout.readline())
    warm, hits = {}, {}
    for design, w in workers.items():
        w.proc.stdin.write("end\n")
        w.proc.stdin.flush()
        _, peak, out = w.finish()
        end = json.loads(out.strip().splitlines()[-1])
        hits[design] = end["hits"]
        warm[design] = {**latency_ms(times[design]), "peak_mb": peak if peak is not None else end["vm_hwm_mb"]}
        warm[design]["samples"] = len(times[design])
        per_query = [times[design][i :: len(queries)] for i in range(len(queries))]  # pass after pass
        warm[design]["by_query_ms"] = {q: 1000 * statistics.median(t) for q, t in zip(queries, per_query, strict=True)}
    result["warm"] = warm
    result["hits"] = hits
    log(f"warm: {warm}")
    if snapshot(qpv_cache(workdir)) != built:
        log("warning: qpv's store changed after its build (rebuilt by a later step?)")
        result["warning"] = "qpv store changed after build"
    result["orchestrator_peak_mb"] = vm_hwm_mb()
    return result


# ---- report ----------------------------------------------------------------------------


def num(x: float, digits: int = 0) -> str:
    """A number written the French way (decimal comma)."""
    return f"{x:.{digits}f}".replace(".", ",")


def mb(n: float | None) -> str:
    return "?" if n is None else f"{num(n)} Mo"


def overlap(a: dict[str, list[str]], b: dict[str, list[str]]) -> float:
    shared = [len(set(a[q]) & set(b[q])) / max(len(a[q]), len(b[q])) for q in a if a[q] or b[q]]
    return 100 * statistics.mean(shared) if shared else 0.0


def report(r: dict) -> None:
    n = f"{r['parse']['records']:,}".replace(",", "\u202f")
    p = r["parse"]
    print(
        f"{n} exemples ({num(r['bytes'] / 1e6)} Mo de TOML, {Path(r['file']).name}) ; Python {r['python']}, "
        f"{os.cpu_count()} cœurs ; mémoire : pic du processus lui-même ({r['memory']}) ; "
        f"lecture du TOML seule : {num(p['seconds'], 1)} s, {mb(p['peak_mb'])}\n"
    )
    b, c, w = r["build"], r["cold"], r["warm"]
    print(
        "| conception | construction (nouveau processus) | sur disque (fiches comprises) "
        f"| requête à froid, nouveau processus (« {COLD_QUERY} ») | requête en processus : médiane / p95 "
        "| mémoire (requêtes en processus) |"
    )
    print("| --- | --- | --- | --- | --- | --- |")
    for d in DESIGNS:
        if d == "qpv":
            cold = (
                f"`qpv search` {num(1000 * c['qpv search']['median_s'])} ms, {mb(c['qpv search']['peak_mb'])} ; "
                f"`python -c` (qpvcli.api) {num(1000 * c['qpv']['median_s'])} ms, {mb(c['qpv']['peak_mb'])}"
            )
        else:
            cold = f"`python -c` {num(1000 * c[d]['median_s'])} ms, {mb(c[d]['peak_mb'])}"
        disk = f"{num(b[d]['bytes'] / 1e6)} Mo"
        if b[d].get("index_bytes"):
            disk += f" (index {num(b[d]['index_bytes'] / 1e6)} Mo)"
        print(
            f"| {NAMES[d]} | {num(b[d]['seconds'], 1)} s ; {mb(b[d]['peak_mb'])} | {disk} | {cold} "
            f"| {num(w[d]['median_ms'], 2)} ms / {num(w[d]['p95_ms'], 2)} ms | {mb(w[d]['peak_mb'])} |"
        )
    floor = c["pass"]
    print(
        f"\n`python -c pass` : {num(1000 * floor['median_s'])} ms, {mb(floor['peak_mb'])} (plancher d'un nouveau "
        f"processus). À froid : médiane de {r['runs']} lancements entrelacés (mémoire : le plus grand pic). "
        f"En processus : {len(r['queries'])} requêtes × {r['passes']} passes "
        "entrelacées après une passe de chauffe, 10 premiers résultats lus comme fiches."
    )
    h = r["hits"]
    print(
        "Mêmes fiches dans les 10 premiers : FTS5 et tantivy "
        f"{num(overlap(h['fts5'], h['tantivy']))} % ; qpv et FTS5 {num(overlap(h['qpv'], h['fts5']))} % ; "
        f"qpv et tantivy {num(overlap(h['qpv'], h['tantivy']))} %."
    )
    tables = sorted(b["qpv"].get("tables", {}).items(), key=lambda kv: -kv[1])[:6]
    if tables:
        print("Magasin de qpv, plus grosses tables : " + ", ".join(f"{k} {num(v / 1e6)} Mo" for k, v in tables) + ".")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--file", type=Path, help="the synthetic catalogue (benchmarks/synthetic.py)")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/qpv-designs"))
    parser.add_argument("--runs", type=int, default=7, help="cold runs of each design")
    parser.add_argument("--passes", type=int, default=5, help="warm passes over the query list")
    parser.add_argument("--json", type=Path, help="write every figure there")
    parser.add_argument("--report", type=Path, help="print the table of an earlier run's --json file, run nothing")
    parser.add_argument("--child", nargs=2, metavar=("STEP", "FILE"), help=argparse.SUPPRESS)
    parser.add_argument("--worker", nargs=2, metavar=("DESIGN", "FILE"), help=argparse.SUPPRESS)
    parser.add_argument("--queries", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child[0], Path(args.child[1]), args.workdir), ensure_ascii=False))
        return
    if args.worker:
        worker(args.worker[0], Path(args.worker[1]), args.workdir, json.loads(args.queries))
        return
    if args.report:
        report(json.loads(args.report.read_text(encoding="utf-8")))
        return
    if args.file is None:
        parser.error("--file is required (generate one with benchmarks/synthetic.py)")
    result = run(args.file, args.workdir, args.runs, args.passes)
    report(result)
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
