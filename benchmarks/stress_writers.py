"""Stress: N writers (`qpv nouveau`) and M readers (`list`, `search`, `valider`) on one catalogue.

Each writer adds records in a loop, each with a unique title; each reader reads the catalogue
in a loop. At the end, every `nouveau` that said « ajouté » must have its record in the file,
the file must be valid, and no temporary file may be left. Run by hand:

    python benchmarks/stress_writers.py                 # 4 writers, 4 readers, 60 s
    python benchmarks/stress_writers.py -n 8 -m 2 -d 30

Exit code 0 when nothing was lost, 1 otherwise.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
from collections import Counter
from pathlib import Path

QPV = [sys.executable, "-m", "qpvcli"]
HEAD = '[catalogue]\ntitre = "Stress"\nversion_schema = 1\n'


def writer(n: int, target: Path, stop: float, env: dict[str, str], out: dict) -> None:
    i = 0
    while time.monotonic() < stop:
        ident = f"w{n}-{i}"
        started = time.monotonic()
        r = subprocess.run(
            [
                *QPV,
                "nouveau",
                "-o",
                str(target),
                "--id",
                ident,
                "--action",
                "8",
                "--titre",
                f"Écrit par {ident}",
                "--description",
                f"Enregistrement {ident} du test de charge.",
            ],
            capture_output=True,
            env=env,
            check=False,
        )
        out["latency"].append(time.monotonic() - started)
        err = r.stderr.decode("utf-8", "replace")
        if r.returncode == 0 and "ajouté" in err:
            out["added"].append(ident)
        else:
            out["refused"].append((ident, r.returncode, err.strip()[:200]))
        i += 1


def reader(n: int, target: Path, stop: float, env: dict[str, str], out: dict) -> None:
    commands = [["--data", str(target), "list"], ["--data", str(target), "search", "écrit"], ["valider", str(target)]]
    i = 0
    while time.monotonic() < stop:
        args = commands[i % len(commands)]
        r = subprocess.run([*QPV, *args], capture_output=True, env=env, check=False)
        out["reads"][args[2] if args[0] == "--data" else "valider"] += 1
        if r.returncode not in (0,) or b"Traceback" in r.stderr:
            out["read_errors"].append((args, r.returncode, r.stderr.decode("utf-8", "replace")[:200]))
        i += 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--writers", type=int, default=4)
    parser.add_argument("-m", "--readers", type=int, default=4)
    parser.add_argument("-d", "--duration", type=float, default=60.0, help="seconds (default 60)")
    parser.add_argument("--folder", type=Path, default=None, help="where the catalogue is written (a temp folder)")
    args = parser.parse_args()

    folder = args.folder or Path(tempfile.mkdtemp(prefix="qpv-stress-"))
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "stress.toml"
    target.write_text(HEAD, encoding="utf-8")
    env = {**os.environ, "QPV_CACHE_DIR": str(folder / "cache"), "QPV_DELAI_VERROU": "120"}
    out: dict = {"added": [], "refused": [], "latency": [], "reads": Counter(), "read_errors": []}
    stop = time.monotonic() + args.duration
    threads = [threading.Thread(target=writer, args=(i, target, stop, env, out)) for i in range(args.writers)]
    threads += [threading.Thread(target=reader, args=(i, target, stop, env, out)) for i in range(args.readers)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started

    data = tomllib.loads(target.read_text(encoding="utf-8"))
    in_file = [e["id"] for e in data.get("exemples", [])]
    lost = sorted(set(out["added"]) - set(in_file))
    unexpected = sorted(set(in_file) - set(out["added"]))
    duplicates = [k for k, v in Counter(in_file).items() if v > 1]
    leftovers = [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]
    valid = subprocess.run([*QPV, "valider", str(target)], capture_output=True, env=env, check=False).returncode == 0
    lat = sorted(out["latency"]) or [0.0]

    print(f"durée {elapsed:.0f} s, {args.writers} écrivains, {args.readers} lecteurs, dossier {folder}")
    print(f"nouveau : {len(out['added'])} « ajouté », {len(out['refused'])} refusés")
    print(
        f"  latence médiane {lat[len(lat) // 2]:.2f} s, 95e centile {lat[int(len(lat) * 0.95) - 1]:.2f} s, max {lat[-1]:.2f} s"
    )
    print(f"lectures : {sum(out['reads'].values())} ({dict(out['reads'])}), {len(out['read_errors'])} en erreur")
    print(f"fichier : {len(in_file)} exemples, valide : {'oui' if valid else 'NON'}")
    print(
        f"perdus : {len(lost)}, inattendus : {len(unexpected)}, doublons : {len(duplicates)}, temporaires : {len(leftovers)}"
    )
    for item in out["refused"][:5]:
        print("  refus :", item)
    for item in out["read_errors"][:5]:
        print("  lecture en erreur :", item)
    ok = not lost and not unexpected and not duplicates and not leftovers and valid and not out["read_errors"]
    print("RÉSULTAT :", "rien de perdu" if ok else "ÉCHEC")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
