"""Search results, written out to compare two versions of the ranking: same hits, same order,
same totals, same scores, same explanations (`--explique`) for every query.

Run:  python benchmarks/search_check.py dump OUT.json [--data FILE] [--samples 600]
      python benchmarks/search_check.py compare BEFORE.json AFTER.json

The queries: the mix of `scale.py`, every query of `tests/relevance/judged.toml`, and runs of 1 to
4 consecutive words sampled from the catalogue's own titles and descriptions (seeded), some with
a typo, some cut as a prefix being typed, some with a cost word; each is run with `limit=10`, with
no limit, and with a filter (the first axis). Scores are rounded to 9 significant digits.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).parent))

COST_WORDS = ["pas cher", "gratuit", "moins de 20 000 €", "coûteux", "petit budget"]


def sample_queries(qpv, n: int, seed: int = 10) -> list[str]:
    """Runs of 1-4 consecutive words of the catalogue's titles and descriptions."""
    rng = random.Random(seed)
    total = len(qpv)
    picked = [rng.randrange(total) for _ in range(n)]
    by_doc = {}
    rows = qpv.store.query(f"SELECT doc, data FROM exemples WHERE doc IN ({','.join(map(str, set(picked)))})")
    for doc, data in rows:  # doc numbers: integers drawn here
        rec = json.loads(data)
        by_doc[doc] = rec.get("titre", "") + " " + rec.get("description", "")
    texts = [by_doc.get(d, "") for d in picked]
    out = []
    for text in texts:
        words = text.split()
        if not words:
            continue
        size = rng.choice([1, 1, 2, 2, 2, 3, 3, 4])
        start = rng.randrange(max(1, len(words) - size + 1))
        q = " ".join(words[start : start + size]).strip(" ,.;:()«»\"'")
        if not q:
            continue
        roll = rng.random()
        if roll < 0.1 and len(q) > 6:  # a typo: two letters swapped
            i = rng.randrange(1, len(q) - 2)
            q = q[:i] + q[i + 1] + q[i] + q[i + 2 :]
        elif roll < 0.2 and len(q) > 6:  # a prefix being typed
            q = q[: rng.randrange(len(q) // 2 + 1, len(q))]
        elif roll < 0.25:
            q = f"{q} {rng.choice(COST_WORDS)}"
        elif roll < 0.3:
            q = f"comment {q}"
        elif roll < 0.4:
            q += " "  # not a prefix
        out.append(q)
    return out


def queries(qpv, samples: int) -> list[str]:
    from scale import QUERIES

    judged = tomllib.loads((ROOT / "tests" / "relevance" / "judged.toml").read_text(encoding="utf-8"))["requetes"]
    found = list(QUERIES) + [r["q"] for r in judged] + sample_queries(qpv, samples)
    return list(dict.fromkeys(found))


def describe(r) -> dict:
    return {
        "total": r.total,
        "unknown": r.unknown,
        "suggestions": r.suggestions,
        "hits": [
            [
                f.exemple.id,
                float(f"{f.score:.9g}"),
                f.coverage,
                sorted(f.stems),
                {k: [list(m) for m in v] for k, v in f.matches.items()},
            ]
            for f in r.hits
        ],
    }


def dump(out: Path, data: list[str], samples: int) -> None:
    from qpvcli.api import Qpv

    qpv = Qpv.open(data)
    filtres = qpv.filtres(axes=[qpv.catalogue.axes[0].id])
    found = {}
    start = time.perf_counter()
    for q in queries(qpv, samples):
        found[q] = {
            "10": describe(qpv.search(q, limit=10)),
            "all": describe(qpv.search(q)) if len(qpv) <= 1000 else describe(qpv.search(q, limit=200)),
            "filtre": describe(qpv.search(q, filtres, limit=10)),
        }
    print(f"{len(found)} requêtes, {time.perf_counter() - start:.1f} s", file=sys.stderr)
    out.write_text(json.dumps(found, ensure_ascii=False, indent=0), encoding="utf-8")


def compare(a: Path, b: Path) -> int:
    before = json.loads(a.read_text(encoding="utf-8"))
    after = json.loads(b.read_text(encoding="utf-8"))
    bad = 0
    for q, modes in before.items():
        if q not in after:
            print(f"absente : {q!r}")
            bad += 1
            continue
        for mode, r in modes.items():
            if after[q][mode] != r:
                bad += 1
                print(f"différente ({mode}) : {q!r}")
    print(f"{len(before)} requêtes, {bad} différences")
    return 1 if bad else 0


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("dump")
    d.add_argument("out", type=Path)
    d.add_argument("--data", type=Path, action="append", default=[])
    d.add_argument("--samples", type=int, default=600)
    c = sub.add_parser("compare")
    c.add_argument("before", type=Path)
    c.add_argument("after", type=Path)
    args = parser.parse_args()
    if args.cmd == "dump":
        dump(args.out, args.data, args.samples)
    else:
        sys.exit(compare(args.before, args.after))


if __name__ == "__main__":
    main()
