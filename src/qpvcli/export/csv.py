"""Excel-ready CSV: one row per record with its hierarchy; French Excel flavour by default.

French Excel and LibreOffice read `;` separated UTF-8 with a byte-order mark and CRLF line
ends; `--csv-standard` gives `,`, no BOM, LF for other tools. Any field holding a CR, a LF,
the separator or a quote is quoted, in both flavours (a lone CR too: some readers end a row
there). Text cells that a spreadsheet would run as a formula (OWASP « CSV Injection ») get a
leading apostrophe unless asked not to. The columns are `fields.columns()`: technical names
by default, the French labels with `--entetes-lisibles`.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

from ..fields import Column, columns
from ..model import Exemple
from . import Selection

SEPARATOR = " ; "
_FORMULA = re.compile(r"^'*[=+\-@\t\r\n]")


def neutralise_cell(text: str) -> str:
    """Prefix a cell a spreadsheet would read as a formula. Reversible: see `restore`."""
    return "'" + text if _FORMULA.match(text) else text


def restore(text: str) -> str:
    return text[1:] if text.startswith("'") and _FORMULA.match(text[1:]) else text


def _text(value: str | int | None) -> str:
    return "" if value is None else str(value)


def row(selection: Selection, e: Exemple, cols: list[Column] | None = None) -> dict[str, str]:
    """A record's cells as text, by column name."""
    cat = selection.catalogue
    return {c.name: _text(c.value(cat, e)) for c in cols or columns()}


def _field(text: str, sep: str) -> str:
    if sep in text or '"' in text or "\r" in text or "\n" in text:
        return '"' + text.replace('"', '""') + '"'
    return text


def chunks(
    selection: Selection, *, excel: bool = True, neutralise: bool = True, labels: bool = False
) -> Iterator[bytes]:
    """The file, a row at a time (memory does not grow with the selection)."""
    cols = columns()
    sep, end = (";", "\r\n") if excel else (",", "\n")
    header = sep.join(_field(c.label if labels else c.name, sep) for c in cols) + end
    yield (b"\xef\xbb\xbf" if excel else b"") + header.encode("utf-8")
    cat = selection.catalogue
    for e in selection.exemples:
        cells = []
        for c in cols:
            text = _text(c.value(cat, e))
            if neutralise and not c.numeric:
                text = neutralise_cell(text)
            cells.append(_field(text, sep))
        yield (sep.join(cells) + end).encode("utf-8")


def render(selection: Selection, *, excel: bool = True, neutralise: bool = True, labels: bool = False) -> bytes:
    return b"".join(chunks(selection, excel=excel, neutralise=neutralise, labels=labels))


def parse(data: bytes, *, excel: bool = True, neutralised: bool = True, labels: bool = False) -> list[dict[str, str]]:
    """Read an export back (round-trip tests, scripts): rows by column name."""
    cols = columns()
    numeric = {c.name for c in cols if c.numeric}
    names = {c.label: c.name for c in cols} if labels else {c.name: c.name for c in cols}
    text = data.decode("utf-8-sig")
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=";" if excel else ",")
    return [
        {names[k]: restore(v) if neutralised and names[k] not in numeric else v for k, v in r.items()} for r in reader
    ]
