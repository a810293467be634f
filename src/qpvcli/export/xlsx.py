"""Excel workbook (XlsxWriter): opens in Excel and LibreOffice with no import dialog.

Sheet « Exemples »: one row per record, the columns of `fields.columns()` with their French
labels, what a reader looks for first (action number, title, description) in front and kept in
view when scrolling right (see sheet_columns), header frozen, auto-filter, useful widths, long
text wrapped, the first link of a cell clickable, ids and département codes as text, costs as
numbers in euros. Sheet « Actions »: the table of contents with counts. Sheet « Source »: citation, date, reproducing command.
XlsxWriter rather than openpyxl: twice as fast for 100,000 rows in less memory
(benchmarks/xlsx.py, docs/performance.md); its constant-memory mode writes row by row.
A text cell that a spreadsheet could run as a formula gets a leading apostrophe, as in CSV.
"""

from __future__ import annotations

from pathlib import Path

from .. import __version__
from ..fields import columns
from . import Selection, date_fr, export_date, mail_address, web_url
from .csv import neutralise_cell

# Excel keeps at most 65,530 links in a sheet; past that, cells stay plain text.
MAX_LINKS = 65_000
MAX_CELL = 32_767  # characters in an Excel cell


# First in the sheet, and kept in view: on opening, the title is in the first screen, not after
# the axis and action labels (the CSV keeps the data-model order: scripts read it by column).
FIRST = ("action_numero", "titre", "description")
FROZEN = 2  # columns kept in view when scrolling right, and on each printed page: number, title
PRINT_SCALE = 80  # percent: the widest column (description) fits on an A4 page beside those two


def sheet_columns() -> list:
    """The columns of the sheet « Exemples », in their order."""
    cols = columns()
    first = [next(c for c in cols if c.name == name) for name in FIRST]
    return first + [c for c in cols if c.name not in FIRST]


def _lines(text: str, width: int) -> int:
    """About how many lines a wrapped cell of `width` characters takes."""
    return sum(1 + len(part) // max(1, int(width * 1.1)) for part in text.split("\n"))


def write_file(selection: Selection, path: Path, **_options: bool) -> None:
    """The workbook, written row by row (XlsxWriter's constant memory mode) to `path`."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False})
    _write(book, selection)
    book.close()


def render(selection: Selection) -> bytes:
    from . import render as render_format

    return render_format("xlsx", selection)


def _write(book, selection: Selection) -> None:
    cat = selection.catalogue
    cited = selection.cited()
    book.set_properties(
        {
            "title": "Exemples — actions clés pour la résilience des quartiers prioritaires",
            "subject": selection.description(),
            "comments": "Source : " + selection.cited_line(),
            "creator": f"qpv {__version__}",
        }
    )
    header = book.add_format({"bold": True, "bg_color": "#DDE4EE", "text_wrap": True, "valign": "top", "border": 1})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    number = book.add_format({"valign": "top", "num_format": "0"})
    euros = book.add_format({"valign": "top", "num_format": '#,##0 "€"'})
    link = book.add_format({"valign": "top", "text_wrap": True, "font_color": "#1F4E9A", "underline": 1})
    title = book.add_format({"bold": True, "font_size": 14})
    bold = book.add_format({"bold": True, "valign": "top"})

    sheet = book.add_worksheet("Exemples")
    actions_sheet = book.add_worksheet("Actions")
    source_sheet = book.add_worksheet("Source")

    cols = sheet_columns()
    for i, c in enumerate(cols):
        sheet.set_column(i, i, c.width)
        sheet.write_string(0, i, c.label, header)
    sheet.freeze_panes(1, FROZEN)
    sheet.set_row(0, 30)
    for ws in (sheet, actions_sheet, source_sheet):
        ws.set_paper(9)  # A4
        ws.set_landscape()
        ws.repeat_rows(0)
        ws.set_footer("&L&A&RPage &P / &N")
    sheet.repeat_columns(0, FROZEN - 1)  # printed: each page says which example a row is
    sheet.set_print_scale(PRINT_SCALE)

    counts: dict[int, int] = {}
    first_row: dict[int, int] = {}
    links = 0
    r = 0
    for e in selection.exemples:
        r += 1
        counts[e.action] = counts.get(e.action, 0) + 1
        first_row.setdefault(e.action, r)
        values = [c.readable(cat, e) for c in cols]  # labels (« intercommunalité », « Santé »), as in Word
        # An explicit height: LibreOffice does not grow rows to fit wrapped text on opening.
        lines = max((_lines(v, c.width) for c, v in zip(cols, values, strict=True) if isinstance(v, str)), default=1)
        sheet.set_row(r, min(409, 15 * min(lines, 12)))
        for i, (c, value) in enumerate(zip(cols, values, strict=True)):
            if value is None or value == "":
                continue
            if isinstance(value, int):
                sheet.write_number(r, i, value, euros if c.name == "cout_eur" else number)
                continue
            text = neutralise_cell(value)[:MAX_CELL]
            target = None
            if c.name == "ressources":
                target = next((web_url(x.url) for x in e.ressources if web_url(x.url)), None)
            elif c.name == "contacts":
                target = next((f"mailto:{m}" for x in e.contacts if (m := mail_address(x.email))), None)
            if target and links < MAX_LINKS and len(target) <= 2079:
                links += 1
                sheet.write_url(r, i, target, link, string=text)
            else:
                # Wrapped whatever the width: a short column (« Niveau ») may get a long text, which
                # would otherwise be cut at the next cell or run into it.
                sheet.write_string(r, i, text, wrap)
    sheet.autofilter(0, 0, max(r, 1), len(cols) - 1)

    # The table of contents: every action of the report, with its count in the selection.
    actions_sheet.set_column(0, 0, 8)
    actions_sheet.set_column(1, 1, 50)
    actions_sheet.set_column(2, 2, 9)
    actions_sheet.set_column(3, 3, 70)
    actions_sheet.set_column(4, 4, 11)
    for i, label in enumerate(("N° axe", "Axe", "N° action", "Action clé", "Exemples")):
        actions_sheet.write_string(0, i, label, header)
    actions_sheet.freeze_panes(1, 0)
    row = 0
    for axe in cat.axes:
        for action in (a for a in cat.actions if a.axe == axe.id):
            row += 1
            actions_sheet.write_number(row, 0, axe.numero, number)
            actions_sheet.write_string(row, 1, neutralise_cell(axe.titre), wrap)
            actions_sheet.write_number(row, 2, action.numero, number)
            if action.numero in first_row:
                cell = f"A{first_row[action.numero] + 1}"
                actions_sheet.write_url(
                    row, 3, f"internal:'Exemples'!{cell}", link, string=neutralise_cell(action.titre)
                )
            else:
                actions_sheet.write_string(row, 3, neutralise_cell(action.titre), wrap)
            actions_sheet.write_number(row, 4, counts.get(action.numero, 0), number)
    actions_sheet.write_string(row + 1, 3, "Total", bold)
    actions_sheet.write_number(row + 1, 4, sum(counts.values()), number)

    source_sheet.set_column(0, 0, 22)
    source_sheet.set_column(1, 1, 110)
    source_sheet.write_string(0, 0, "Exemples — actions clés pour la résilience des quartiers prioritaires", title)
    lines = [
        ("Sélection", selection.description()),
        ("Exporté le", f"{date_fr(export_date())} par qpv {__version__}"),
        ("Pour la reproduire", selection.command),
    ]
    lines += [("Source" if i == 0 else "", s) for i, s in enumerate(cited)]
    for i, (label, text) in enumerate(lines, start=2):
        source_sheet.write_string(i, 0, label, bold)
        source_sheet.write_string(i, 1, neutralise_cell(text)[:MAX_CELL], wrap)
