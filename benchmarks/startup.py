"""Start-up time of qpv against a bare typer one-line app and `python -c pass`.

Run:  python benchmarks/startup.py [--runs 30]   (with qpv installed by `pip install .`:
an editable install reads the catalogue through importlib.resources and measures that too)
Every command runs in the same interpreter and environment, interleaved round by round so
that machine noise hits all of them alike; medians are reported, with ratios to the bare app.
Output goes to a pipe (`qpv list | cat`), as in a script.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BARE_APP = """\
import typer

app = typer.Typer()


@app.command()
def main() -> None:
    print("ok")


app()
"""
# The same app with start-up's objects frozen out of the collector's sight, as `qpv` freezes its
# own (cli.run): what the bare app would gain from the same trick (--frozen-bare).
BARE_APP_FROZEN = BARE_APP.replace("import typer\n", "import gc\n\nimport typer\n").replace(
    "\napp()\n", "\ngc.freeze()\napp()\n"
)


def stale_bytecode(py: str) -> list[str]:
    """The modules of qpvcli installed beside `py` whose compiled bytecode is missing or stale."""
    probe = (
        "import glob, importlib.util, os, qpvcli\n"
        "for src in glob.glob(os.path.dirname(qpvcli.__file__) + '/**/*.py', recursive=True):\n"
        "    pyc = importlib.util.cache_from_source(src)\n"
        "    head = open(pyc, 'rb').read(16) if os.path.exists(pyc) else b''\n"
        "    st = os.stat(src)\n"
        "    if head[8:16] != (int(st.st_mtime) & 0xFFFFFFFF).to_bytes(4, 'little') + (st.st_size & 0xFFFFFFFF).to_bytes(4, 'little'):\n"
        "        print(src)\n"
    )
    return subprocess.run([py, "-c", probe], capture_output=True, text=True, check=True).stdout.split()


def _children_cpu() -> float:
    """Processor time (user + system) of the finished child processes so far (0 without the
    resource module: Windows)."""
    try:
        import resource
    except ImportError:  # pragma: no cover
        return 0.0
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(cmd: list[str], env: dict[str, str], cwd: str) -> tuple[float, float]:
    """Wall time and processor time of one run. On a loaded machine the wall time waits for
    the processor; its own processor time much less."""
    cpu = _children_cpu()
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, cwd=cwd, check=True)
    return time.perf_counter() - start, _children_cpu() - cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument(
        "--compare", metavar="OTHER_PYTHON", action="append", default=[], help="the interpreter of another qpv install"
    )
    parser.add_argument("--labels", nargs="+", default=["après", "avant"], help="names of this install and the others")
    parser.add_argument(
        "--frozen-bare", action="store_true", help="also the bare app calling gc.freeze() (as qpv does)"
    )
    args = parser.parse_args()
    py = sys.executable
    for interpreter in [py, *args.compare]:
        stale = stale_bytecode(interpreter)
        if stale:
            print(f"attention : bytecode absent ou périmé ({interpreter}) : {', '.join(stale)}\n")
    with tempfile.TemporaryDirectory() as tmp:
        bare = Path(tmp) / "bare_app.py"
        bare.write_text(BARE_APP, encoding="utf-8")
        frozen = Path(tmp) / "bare_app_frozen.py"
        frozen.write_text(BARE_APP_FROZEN, encoding="utf-8")
        env = {**os.environ, "QPV_CACHE_DIR": str(Path(tmp) / "cache")}
        commands: dict[str, tuple[list[str], dict[str, str]]] = {}
        bases = {}
        labels = [*args.labels, *(f"autre {i}" for i in range(len(args.compare) + 1))]
        installs = [(py, labels[0] if args.compare else "")]
        installs += [(other, labels[i + 1]) for i, other in enumerate(args.compare)]
        for interpreter, label in installs:
            # Each install its own cache folder (a store is keyed on the program's version).
            run_env = {**env, "QPV_CACHE_DIR": str(Path(tmp) / f"cache-{len(bases)}")}
            # The `qpv` script installed beside the interpreter: what users run.
            qpv = str(Path(interpreter).with_name("qpv.exe" if os.name == "nt" else "qpv"))
            tag = f" ({label})" if label else ""
            bases[label] = f"typer, application d'une ligne{tag}"
            for name, cmd in {
                "python -c pass": [interpreter, "-c", "pass"],
                "typer, application d'une ligne": [interpreter, str(bare)],
                **(
                    {"typer, application d'une ligne, gc.freeze()": [interpreter, str(frozen)]}
                    if args.frozen_bare
                    else {}
                ),
                "qpv --version": [qpv, "--version"],
                "qpv list | cat": [qpv, "list"],
                "qpv show ID | cat": [qpv, "show", "paris-ilots-de-fraicheur"],
                'qpv search "îlots de fraîcheur" | cat': [qpv, "search", "îlots de fraîcheur"],
                "qpv export --format csv | cat": [qpv, "export", "--format", "csv"],
            }.items():
                commands[name + tag] = (cmd, run_env)
        times: dict[str, list[float]] = {name: [] for name in commands}
        cpu: dict[str, list[float]] = {name: [] for name in commands}
        for cmd, run_env in commands.values():  # build the stores, warm the file cache
            measure(cmd, run_env, tmp)
        for _ in range(args.runs):
            for name, (cmd, run_env) in commands.items():
                wall, used = measure(cmd, run_env, tmp)
                times[name].append(wall)
                cpu[name].append(used)
    load = f", charge {os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else ""
    print(f"{args.runs} passes entrelacées, Python {sys.version.split()[0]}, {os.cpu_count()} cœurs{load}\n")
    print("| commande | médiane | p90 | rapport à l'application typer nue | temps processeur (médiane) | rapport |")
    print("| --- | --- | --- | --- | --- | --- |")
    for label, base_name in bases.items():
        base = statistics.median(times[base_name])
        base_cpu = statistics.median(cpu[base_name]) or 1.0
        for name, values in times.items():
            if not name.endswith(f" ({label})" if label else "") or (not label and name.endswith(")")):
                continue
            med = statistics.median(values)
            p90 = sorted(values)[int(0.9 * (len(values) - 1))]
            used = statistics.median(cpu[name])
            print(
                f"| `{name}` | {med * 1000:.0f} ms | {p90 * 1000:.0f} ms | {med / base:.2f} "
                f"| {used * 1000:.0f} ms | {used / base_cpu:.2f} |"
            )


if __name__ == "__main__":
    main()
