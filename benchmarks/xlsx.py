"""XlsxWriter or openpyxl for `qpv export --format xlsx`: time and peak memory of a 100,000-row
sheet with the export's columns, each library in its streaming mode.

Run:  python benchmarks/xlsx.py [--rows 100000]
Each library runs in its own process (peak memory is the process's maximum resident size).
The rows are the report's 40 records repeated, with the export's columns (fields.columns()).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def rows(n: int):
    from qpvcli.catalogue import load_bundled
    from qpvcli.fields import columns

    cat = load_bundled()
    cols = columns()
    base = [[c.value(cat, e) for c in cols] for e in cat.exemples]
    for i in range(n):
        yield base[i % len(base)]


def with_xlsxwriter(path: Path, n: int) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False})
    sheet = book.add_worksheet("Exemples")
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    for r, values in enumerate(rows(n), start=1):
        for c, v in enumerate(values):
            if isinstance(v, int):
                sheet.write_number(r, c, v)
            elif v:
                sheet.write_string(r, c, v, wrap)
    book.close()


def with_openpyxl(path: Path, n: int) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Exemples")
    wrap = Alignment(wrap_text=True, vertical="top")
    for values in rows(n):
        out = []
        for v in values:
            cell = WriteOnlyCell(sheet, value=v)
            if isinstance(v, str):
                cell.alignment = wrap
            out.append(cell)
        sheet.append(out)
    book.save(str(path))


def measure(library: str, n: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "b.xlsx"
        start = time.perf_counter()
        {"xlsxwriter": with_xlsxwriter, "openpyxl": with_openpyxl}[library](path, n)
        seconds = time.perf_counter() - start
        size = path.stat().st_size
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "library": library,
        "rows": n,
        "seconds": round(seconds, 1),
        "peak_mib": round(peak_kib / 1024),
        "mib": round(size / 2**20, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one, args.rows)))
        return
    for library in ("xlsxwriter", "openpyxl"):
        out = subprocess.run(
            [sys.executable, __file__, "--rows", str(args.rows), "--one", library],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        r = json.loads(out)
        print(
            f"{r['library']:<11} {r['rows']:>7} lignes : {r['seconds']:>5} s, pic mémoire {r['peak_mib']} Mio, fichier {r['mib']} Mio"
        )


if __name__ == "__main__":
    main()
