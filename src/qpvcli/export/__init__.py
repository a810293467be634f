"""Exporters: a selection of records -> Markdown, CSV, JSON, TOML, Word, Excel, HTML or SQLite.

Every exporter takes the same `Selection` and returns bytes, ready for stdout or a file. They
all read the one description of a record's fields (`fields`): labels, columns, detail rows.
`selection.exemples` may be an `api.Selected` (re-iterable, streamed from the store): an
exporter iterates it, once per pass, and never turns it into a list.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import shutil
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from ..errors import UsageError
from ..model import Action, Axe, Catalogue, Exemple

FORMATS = ("md", "csv", "json", "toml", "docx", "xlsx", "html", "sqlite")
ALIASES = {"markdown": "md", "excel": "xlsx", "word": "docx", "htm": "html", "db": "sqlite", "sqlite3": "sqlite"}
# The format a file name asks for.
EXTENSIONS = {
    ".md": "md",
    ".markdown": "md",
    ".csv": "csv",
    ".json": "json",
    ".toml": "toml",
    ".docx": "docx",
    ".xlsx": "xlsx",
    ".html": "html",
    ".htm": "html",
    ".db": "sqlite",
    ".sqlite": "sqlite",
    ".sqlite3": "sqlite",
}
BINARY = frozenset({"docx", "xlsx", "sqlite"})

MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
TITLE = "Actions clés pour la résilience des quartiers prioritaires — sélection d'exemples"


def _special(path: Path) -> bool:
    import stat

    try:
        return not stat.S_ISREG(path.stat().st_mode) and not stat.S_ISDIR(path.stat().st_mode)
    except OSError:
        return False


# Office files qpv does not write, and the one it writes instead.
_INSTEAD = {
    **dict.fromkeys(
        (".odt", ".doc", ".rtf", ".docm"), (".docx", "un document Word, que LibreOffice Writer ouvre aussi")
    ),
    **dict.fromkeys((".ods", ".xls", ".xlsm"), (".xlsx", "un classeur Excel, que LibreOffice Calc ouvre aussi")),
}


def office_advice(output: Path, spreadsheet: bool = True) -> str | None:
    """For a word processor's, a spreadsheet's or a PDF file name (`note.odt`): the name qpv
    can write instead, said as a piece of advice; None for any other name."""
    suffix = output.suffix.lower()
    if suffix == ".pdf":
        other = f" ou -o {output.stem}.html (page web)" if spreadsheet else ""
        return (
            f"qpv n'écrit pas de PDF : écrivez -o {output.stem}.docx (Word){other}, puis enregistrez-le"
            " ou imprimez-le en PDF"
        )
    instead = _INSTEAD.get(suffix)
    if instead is None or (instead[0] == ".xlsx" and not spreadsheet):
        return None
    return f"écrivez -o {output.with_suffix(instead[0]).name} : {instead[1]}"


def resolve_format(given: str | None, output: Path | None) -> str:
    """The format to write: `--format` (aliases allowed) and the output file's extension must
    agree; without `--format`, the extension decides; without either, Markdown."""
    fmt = None
    if given is not None:
        fmt = ALIASES.get(given.strip().lower(), given.strip().lower())
        if fmt not in FORMATS:
            names = ", ".join(FORMATS)
            raise UsageError(f"--format : « {given} » inconnu. Valeurs possibles : {names} (ou markdown, excel).")
    if output is None:
        return fmt or "md"
    suffix = output.suffix.lower()
    by_name = EXTENSIONS.get(suffix)
    if fmt is None:
        if by_name is None and not suffix and _special(output):
            return "md"  # a pipe or a device (/dev/stdout) is written as standard output would be
        advice = office_advice(output) if by_name is None else None
        if advice:
            raise UsageError(f"--output : {advice}.")
        if by_name is None:
            known = ", ".join(sorted(EXTENSIONS))
            what = f"l'extension « {suffix} »" if suffix else "un nom sans extension"
            raise UsageError(
                f"--output : {what} ne dit pas le format de {output}. Extensions connues : {known} ;"
                f" ou précisez --format ({', '.join(FORMATS)})."
            )
        return by_name
    if by_name is not None and by_name != fmt:
        raise UsageError(
            f"--format {fmt} contredit l'extension « {suffix} » de {output} (format {by_name}) :"
            f" changez le nom du fichier ou retirez --format."
        )
    return fmt


_WEB = re.compile(r"^https?://[^\s<>\"'`\\\x00-\x1f\x7f]+$", re.IGNORECASE)
_MAIL = re.compile(
    r"^[^\s<>()\[\]\\,;:\"'`@\x00-\x1f\x7f]+@[^\s<>()\[\]\\,;:\"'`@\x00-\x1f\x7f]+\.[^\s<>()\[\]\\,;:\"'`@.\x00-\x1f\x7f]+$"
)


def web_url(url: str | None) -> str | None:
    """The address if it is a plain http(s) link that is safe to make clickable, else None
    (`javascript:`, `file:`, quotes, spaces or control characters are never made links)."""
    return url if url and _WEB.match(url) else None


def mail_address(email: str | None) -> str | None:
    """The e-mail address if it is plain enough to make a `mailto:` link, else None."""
    return email if email and _MAIL.match(email) else None


def export_date() -> dt.date:
    """Today, or SOURCE_DATE_EPOCH when set (reproducible exports, golden-file tests)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC).date()
    return dt.date.today()


def date_fr(d: dt.date) -> str:
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


def citation(meta: dict) -> str:
    """A catalogue's header as a plain-text citation: title, publisher, co-pilots, date."""
    parts = [str(meta.get("titre", "Catalogue"))]
    if meta.get("editeur"):
        parts.append(str(meta["editeur"]))
    if meta.get("copilotes"):
        parts.append("copiloté par " + ", ".join(meta["copilotes"]))
    if meta.get("date"):
        year, _, month = str(meta["date"]).partition("-")
        month = month[:2]
        parts.append(
            f"{MONTHS[int(month) - 1]} {year}" if month.isdigit() and 1 <= int(month) <= 12 else str(meta["date"])
        )
    return ", ".join(parts) + "."


@dataclass
class Selection:
    catalogue: Catalogue
    exemples: Iterable[Exemple]  # a list, or an api.Selected (re-iterable, with len)
    query: str | None = None
    criteria: list[str] = field(default_factory=list)  # the filters, in words
    command: str = "qpv export"  # the command line that reproduces the selection
    scores: dict[str, float] = field(default_factory=dict)
    # The report's header when it lent its axes and actions to the user's records (--sans-rapport).
    frame: dict | None = None
    _sources: list[str] | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return len(self.exemples)  # type: ignore[arg-type]

    def description(self) -> str:
        parts = []
        if self.query:
            parts.append(f"recherche « {self.query} »")
        parts += self.criteria
        n = len(self)
        head = f"{n} exemple{'s' if n > 1 else ''}"
        return head + (" : " + " ; ".join(parts) if parts else " : tout le catalogue")

    def sources(self) -> list[str]:
        """The sources of the selected records (`Exemple.source`), the report first, then the
        user's files in the order they were given. One pass over the records, kept."""
        if self._sources is None:
            seen = list(dict.fromkeys(e.source for e in self.exemples))
            self._sources = [s for s in seen if s == "rapport"] + [s for s in seen if s != "rapport"]
        return self._sources

    def cited(self) -> list[str]:
        """Each source of the selection in words: the report's full citation, or the user's file
        with the title of its [catalogue] header; then the report as the frame of the user's
        records when it lent them its axes and actions (--sans-rapport)."""
        from ..fields import catalogue_label

        cited = [
            citation(self.catalogue.meta) if s == "rapport" else catalogue_label(s, self.catalogue)
            for s in self.sources()
        ] or [citation(self.catalogue.meta)]
        if self.frame is not None and "rapport" not in self.sources():
            cited.append("axes et actions clés : " + citation(self.frame))
        return cited

    def cited_line(self) -> str:
        """The sources on one line, joined by « ; »: a citation's final period only at the end
        (« … novembre 2025 ; mes-exemples.toml », not « 2025. ; »)."""
        cited = self.cited()
        return " ; ".join([*(s.removesuffix(".") for s in cited[:-1]), *cited[-1:]])


def grouped(selection: Selection) -> Iterator[tuple[Axe, Action, Iterator[Exemple]]]:
    """The records by axis and action, in the report's order (and the selection's order within
    an action): one pass to find the actions, then one per action. Nothing is kept but the
    action numbers, so memory does not grow with the selection."""
    cat = selection.catalogue
    records = selection.exemples
    # A selection read from the store (api.Selected) is split by action in SQL.
    by_sql = hasattr(records, "of_action")
    used = records.actions() if by_sql else {e.action for e in records}  # type: ignore[attr-defined]
    for action in sorted(
        (cat.action(n) for n in used), key=lambda a: ([x.id for x in cat.axes].index(a.axe), a.numero)
    ):
        if by_sql:
            yield cat.axe(action.axe), action, iter(records.of_action(action.numero))  # type: ignore[attr-defined]
        else:
            yield cat.axe(action.axe), action, (e for e in records if e.action == action.numero)


def write(fmt: str, selection: Selection, stream: BinaryIO, **options: bool) -> None:
    """Write a selection in a format to a binary stream, piece by piece: the text formats a
    record at a time, the zipped or database formats built in a temporary file then copied, so
    that memory does not grow with the selection."""
    compact = options.get("compact", False)
    if fmt == "csv":
        from . import csv

        labels = options.get("labels", False)
        excel, neutralise = options.get("excel", True), options.get("neutralise", True)
        stream.writelines(csv.chunks(selection, excel=excel, neutralise=neutralise, labels=labels))
        return
    if fmt in ("md", "json", "toml"):
        from importlib import import_module

        module = import_module(f".{fmt}", __name__)
        pieces = module.chunks(selection, compact=compact) if fmt == "md" else module.chunks(selection)
        stream.writelines(piece.encode("utf-8") for piece in pieces)
        return
    if fmt == "html":
        from . import html

        stream.write(html.render(selection).encode("utf-8"))
        return
    if fmt in ("docx", "xlsx", "sqlite"):
        import tempfile  # only for these formats (~1 ms at every export otherwise)
        from importlib import import_module

        module = import_module(f".{fmt}", __name__)
        with tempfile.TemporaryDirectory(prefix="qpv-export-") as folder:
            path = Path(folder) / f"export.{fmt}"
            module.write_file(selection, path, compact=compact)
            with path.open("rb") as built:
                shutil.copyfileobj(built, stream, 1 << 20)
        return
    raise ValueError(fmt)


def render(fmt: str, selection: Selection, **options: bool) -> bytes:
    """The whole file as bytes (tests, small selections): `write` into memory."""
    buffer = io.BytesIO()
    write(fmt, selection, buffer, **options)
    return buffer.getvalue()
