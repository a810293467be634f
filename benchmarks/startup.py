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


def measure(cmd: list[str], env: dict[str, str], cwd: str) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, cwd=cwd, check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        bare = Path(tmp) / "bare_app.py"
        bare.write_text(BARE_APP, encoding="utf-8")
        env = {**os.environ, "QPV_CACHE_DIR": str(Path(tmp) / "cache")}
        # The `qpv` script installed beside this interpreter: what users run.
        qpv = str(Path(py).with_name("qpv.exe" if os.name == "nt" else "qpv"))
        commands = {
            "python -c pass": [py, "-c", "pass"],
            "typer, application d'une ligne": [py, str(bare)],
            "qpv --version": [qpv, "--version"],
            "qpv list | cat": [qpv, "list"],
            "qpv show ID | cat": [qpv, "show", "paris-ilots-de-fraicheur"],
            'qpv search "îlots de fraîcheur" | cat': [qpv, "search", "îlots de fraîcheur"],
            "qpv export --format csv | cat": [qpv, "export", "--format", "csv"],
        }
        times: dict[str, list[float]] = {name: [] for name in commands}
        for cmd in commands.values():  # warm the file cache once
            measure(cmd, env, tmp)
        for _ in range(args.runs):
            for name, cmd in commands.items():
                times[name].append(measure(cmd, env, tmp))
    base = statistics.median(times["typer, application d'une ligne"])
    print(f"{args.runs} passes entrelacées, Python {sys.version.split()[0]}, {os.cpu_count()} cœurs\n")
    print("| commande | médiane | p90 | rapport à l'application typer nue |")
    print("| --- | --- | --- | --- |")
    for name, values in times.items():
        med = statistics.median(values)
        p90 = sorted(values)[int(0.9 * (len(values) - 1))]
        print(f"| `{name}` | {med * 1000:.0f} ms | {p90 * 1000:.0f} ms | {med / base:.2f} |")


if __name__ == "__main__":
    main()
