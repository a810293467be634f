"""Word document (python-docx): an A4 note a civil servant can send as is or paste from.

Word's built-in heading styles for axis (Heading 1), action (Heading 2) and example
(Heading 3), so the navigation pane and the table of contents work; a TOC field whose cached
entries already link to the headings (Word updates it on opening, LibreOffice shows it as is);
the selection in words, the sources, each example's facts in a two-column table (labels from
`fields.detail_rows`), real links and e-mail addresses, page numbers and the source in the
footer. `compact`: landscape, one table with set column widths.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from urllib.parse import urlsplit

from .. import __version__
from ..fields import BY_NAME, detail_rows, niveau_labels, source_label
from ..model import Catalogue, Exemple
from . import TITLE, Selection, citation, date_fr, export_date, grouped, mail_address, web_url

_XML_BAD = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
_LABEL_TO_FIELD = {f.label: f.name for f in BY_NAME.values()}
LINK_COLOUR = "1F4E9A"


def _clean(text: str) -> str:
    """Text Word can hold (no control characters), line ends as LF."""
    return _XML_BAD.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


class Writer:
    def __init__(self, landscape: bool = False):
        import docx
        from docx.enum.section import WD_ORIENT
        from docx.shared import Mm, Pt

        self.doc = docx.Document()
        self._bookmark = 0
        section = self.doc.sections[0]
        if landscape:
            section.orientation = WD_ORIENT.LANDSCAPE
            section.page_width, section.page_height = Mm(297), Mm(210)
        else:
            section.page_width, section.page_height = Mm(210), Mm(297)
        for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
            setattr(section, side, Mm(18))
        normal = self.doc.styles["Normal"]
        normal.font.name = "Calibri"
        normal.font.size = Pt(10.5)
        self.doc.core_properties.author = f"qpv {__version__}"
        self._language("fr-FR")  # French spelling and hyphenation, not US English

    def _language(self, lang: str) -> None:
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn

        rpr = self.doc.styles["Normal"].element.get_or_add_rPr()
        el = OxmlElement("w:lang")
        el.set(qn("w:val"), lang)
        el.set(qn("w:eastAsia"), lang)
        rpr.append(el)

    @property
    def width(self):
        s = self.doc.sections[0]
        return s.page_width - s.left_margin - s.right_margin

    # -- inline pieces

    def text(self, paragraph, text: str, bold: bool = False, italic: bool = False):
        lines = _clean(text).split("\n")
        run = paragraph.add_run(lines[0])
        run.bold, run.italic = bold or None, italic or None
        for line in lines[1:]:
            run.add_break()
            run.add_text(line)
        return run

    def link(self, paragraph, label: str, target: str, internal: bool = False) -> None:
        """A real hyperlink: to a web or mailto address, or to a bookmark (`internal`)."""
        from docx.opc.constants import RELATIONSHIP_TYPE as RT
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn

        link = OxmlElement("w:hyperlink")
        if internal:
            link.set(qn("w:anchor"), target)
        else:
            link.set(qn("r:id"), paragraph.part.relate_to(target, RT.HYPERLINK, is_external=True))
        run = OxmlElement("w:r")
        rpr = OxmlElement("w:rPr")
        colour = OxmlElement("w:color")
        colour.set(qn("w:val"), LINK_COLOUR)
        underline = OxmlElement("w:u")
        underline.set(qn("w:val"), "single")
        rpr.append(colour)
        rpr.append(underline)
        run.append(rpr)
        t = OxmlElement("w:t")
        t.text = _clean(label).replace("\n", " ")
        t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
        run.append(t)
        link.append(run)
        paragraph._p.append(link)

    def field(self, paragraph, instruction: str, shown: str = "") -> None:
        """A Word field (PAGE, NUMPAGES, TOC...) with its last computed value `shown`."""
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn

        def char(kind: str):
            r = OxmlElement("w:r")
            c = OxmlElement("w:fldChar")
            c.set(qn("w:fldCharType"), kind)
            if kind == "begin":
                c.set(qn("w:dirty"), "true")
            r.append(c)
            paragraph._p.append(r)

        char("begin")
        r = OxmlElement("w:r")
        instr = OxmlElement("w:instrText")
        instr.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
        instr.text = f" {instruction} "
        r.append(instr)
        paragraph._p.append(r)
        char("separate")
        paragraph.add_run(shown)
        char("end")

    def heading(self, text: str, level: int, new_page: bool = False) -> str:
        """A heading in Word's own style, with a bookmark for the table of contents; `new_page`:
        it starts a page (a property of the heading: a page break in a paragraph of its own
        leaves a blank page when the text before fills its page)."""
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn

        self._bookmark += 1
        name = f"_Toc{self._bookmark:06d}"
        p = self.doc.add_heading(_clean(" ".join(text.split())), level)
        if new_page:
            p.paragraph_format.page_break_before = True
        start = OxmlElement("w:bookmarkStart")
        start.set(qn("w:id"), str(self._bookmark))
        start.set(qn("w:name"), name)
        end = OxmlElement("w:bookmarkEnd")
        end.set(qn("w:id"), str(self._bookmark))
        p._p.insert(1 if p._p.pPr is not None else 0, start)
        p._p.append(end)
        return name

    def paragraph(self, text: str = "", style: str | None = None):
        p = self.doc.add_paragraph(style=style)
        if text:
            self.text(p, text)
        return p

    def footer(self, text: str) -> None:
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.shared import Pt

        p = self.doc.sections[0].footer.paragraphs[0]
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = self.text(p, text + " — page ")
        run.font.size = Pt(8)
        self.field(p, "PAGE", "1")
        p.add_run(" / ")
        self.field(p, "NUMPAGES", "1")
        for r in p.runs:
            r.font.size = Pt(8)

    def widths(self, table, widths: list[int]) -> None:
        """Column widths (EMU) that Word and LibreOffice both honour: on every cell."""
        table.autofit = False
        for row in table.rows:
            for cell, w in zip(row.cells, widths, strict=True):
                cell.width = w
        for col, w in zip(table.columns, widths, strict=True):
            col.width = w

    def save(self) -> bytes:
        out = io.BytesIO()
        self.doc.save(out)
        return out.getvalue()


def _value(w: Writer, p, catalogue: Catalogue, e: Exemple, name: str | None, text: str, short: bool = False) -> None:
    """A fact's value: links for resources and contacts, text for the rest (`short`: a link
    without a label shows its site's name rather than the whole address)."""
    if name == "ressources":
        for i, r in enumerate(e.ressources):
            if i:
                p.add_run().add_break()
            url = web_url(r.url)
            if url:
                w.link(p, r.libelle or ((urlsplit(url).hostname or url) if short else url), url)
            else:
                label = f"{r.libelle} : " if r.libelle else ""
                w.text(p, f"{label}{r.url or r.fichier or ''}" + ("" if r.url else " (fichier cité sans lien)"))
    elif name == "contacts":
        for i, c in enumerate(e.contacts):
            if i:
                p.add_run().add_break()
            who = ", ".join(x for x in (c.nom, c.fonction) if x)
            if who:
                w.text(p, who + (" " if c.email else ""))
            address = mail_address(c.email)
            if address:
                w.link(p, address, f"mailto:{address}")
            elif c.email:
                w.text(p, c.email)
    else:
        w.text(p, text)


def _facts(w: Writer, catalogue: Catalogue, e: Exemple) -> None:
    from docx.shared import Mm, Pt

    w.paragraph(e.description)
    rows = [(label, text) for label, text in detail_rows(catalogue, e) if _LABEL_TO_FIELD.get(label) != "description"]
    table = w.doc.add_table(rows=len(rows), cols=2)
    table.style = "Table Grid"
    for row, (label, text) in zip(table.rows, rows, strict=True):
        left, right = row.cells
        w.text(left.paragraphs[0], label, bold=True)
        _value(w, right.paragraphs[0], catalogue, e, _LABEL_TO_FIELD.get(label), text)
        for cell in row.cells:
            for para in cell.paragraphs:
                para.paragraph_format.space_after = Pt(2)
                for run in para.runs:
                    run.font.size = Pt(9.5)
        _shade(left, "EEF2F7")
    w.widths(table, [Mm(42), w.width - Mm(42)])
    w.paragraph()


def _shade(cell, colour: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), colour)
    cell._tc.get_or_add_tcPr().append(shd)


def _header(w: Writer, selection: Selection) -> None:
    cited = selection.cited()
    # Word's document properties hold at most 255 characters.
    w.doc.core_properties.title = TITLE[:255]
    w.doc.core_properties.subject = _clean(selection.description())[:255]
    w.doc.core_properties.comments = _clean("Source : " + selection.cited_line())[:255]
    w.doc.add_heading(TITLE, 0)
    p = w.paragraph()
    w.text(p, f"Export du {date_fr(export_date())} par qpv {__version__}.", italic=True)
    for label, text in (
        ("Sélection : ", selection.description()),
        ("Pour la reproduire : ", selection.command),
        (f"Source{'s' if len(cited) > 1 else ''} : ", selection.cited_line()),
    ):
        p = w.paragraph(style="List Bullet")
        w.text(p, label, bold=True)
        w.text(p, text)
    w.footer("Source : " + " ; ".join(_short(s) for s in cited))


def _short(cited: str) -> str:
    """The source as the footer says it: the title only (the header gives the full citation)."""
    return cited.split(",", maxsplit=1)[0].rstrip(".") if "—" in cited.split(",", maxsplit=1)[0] else cited


def write_file(selection: Selection, path: Path, *, compact: bool = False, **_options: bool) -> None:
    path.write_bytes(render(selection, compact=compact))


def render(selection: Selection, *, compact: bool = False) -> bytes:
    w = Writer(landscape=compact)
    _header(w, selection)
    if compact:
        _table(w, selection)
        return w.save()
    from docx.shared import Pt

    cat = selection.catalogue
    # First pass: the headings' bookmarks are numbered in reading order, so the table of
    # contents can link to them before they are written.
    entries: list[tuple[int, str]] = []
    current = None
    for axe, action, records in grouped(selection):
        if axe.id != current:
            entries.append((1, f"Axe {axe.numero} — {axe.titre}"))
            current = axe.id
        entries.append((2, f"Action {action.numero} — {action.titre}"))
        entries += [(3, e.titre) for e in records]

    w.text(w.paragraph(), "Sommaire", bold=True).font.size = Pt(16)
    toc = w.paragraph()
    w.field(toc, 'TOC \\o "1-3" \\h \\z \\u', "")
    _toc_entries(w, toc, entries)

    current = None
    for axe, action, records in grouped(selection):
        if axe.id != current:
            w.heading(f"Axe {axe.numero} — {axe.titre}", 1, new_page=current is None)
            current = axe.id
        w.heading(f"Action {action.numero} — {action.titre}", 2)
        for s in action.sous_actions:
            w.paragraph(s, style="List Bullet")
        for e in records:
            w.heading(e.titre, 3)
            _facts(w, cat, e)
    return w.save()


def _toc_entries(w: Writer, toc, entries: list[tuple[int, str]]) -> None:
    """The TOC field's cached result: one linked line per heading (bookmarks _Toc000001...),
    put inside the field (between its `separate` and `end`)."""
    from docx.shared import Mm, Pt

    end = toc._p[-1]  # the field's `end` run: the entries go before it, in their own paragraphs
    toc._p.remove(end)
    last = toc
    for i, (level, text) in enumerate(entries, start=1):
        p = w.paragraph()
        p.paragraph_format.left_indent = Mm(6 * (level - 1))
        p.paragraph_format.space_after = Pt(1)
        w.link(p, " ".join(text.split()), f"_Toc{i:06d}", internal=True)
        if level == 1:
            for r in p._p.iter("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}r"):
                rpr = r.find("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}rPr")
                from docx.oxml import OxmlElement

                rpr.append(OxmlElement("w:b"))
        last = p
    last._p.append(end)


# Widths in millimetres, adding up to the landscape A4 text width (297 - 2 x 18).
_COLUMNS = (("Action", 15), ("Exemple", 64), ("Échelle", 33), ("Coût", 24), ("Partenaires", 58), ("Liens", 67))


def _table(w: Writer, selection: Selection) -> None:
    from docx.shared import Mm, Pt

    cat = selection.catalogue
    table = w.doc.add_table(rows=1, cols=len(_COLUMNS))
    table.style = "Table Grid"
    for cell, (name, _) in zip(table.rows[0].cells, _COLUMNS, strict=True):
        w.text(cell.paragraphs[0], name, bold=True)
        _shade(cell, "DDE4EE")
    _repeat_header(table.rows[0])
    for e in selection.exemples:
        action = cat.action(e.action)
        cells = table.add_row().cells
        w.text(cells[0].paragraphs[0], f"{action.numero}\naxe {cat.axe(action.axe).numero}")
        w.text(cells[1].paragraphs[0], e.titre, bold=True)
        id_line = cells[1].add_paragraph()
        w.text(id_line, e.id, italic=True).font.size = Pt(7.5)
        w.text(cells[2].paragraphs[0], niveau_labels(e, ", ") or (e.echelle or ""))
        w.text(cells[3].paragraphs[0], e.cout_tranche if e.cout_eur is not None else (e.cout or "non précisé"))
        w.text(cells[4].paragraphs[0], " ; ".join(e.partenaires))
        p = cells[5].paragraphs[0]
        _value(w, p, cat, e, "contacts", "")
        if e.contacts and e.ressources:
            p.add_run().add_break()
        _value(w, p, cat, e, "ressources", "", short=True)
        if e.source != "rapport":
            w.text(cells[1].add_paragraph(), "Source : " + source_label(e, cat), italic=True).font.size = Pt(7.5)
    for row in table.rows:
        for cell in row.cells:
            for para in cell.paragraphs:
                para.paragraph_format.space_after = Pt(0)
                for run in para.runs:
                    if run.font.size is None:
                        run.font.size = Pt(8.5)
    w.widths(table, [Mm(mm) for _, mm in _COLUMNS])


def _repeat_header(row) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(el)


def render_one(catalogue: Catalogue, e: Exemple) -> bytes:
    """One record as a Word sheet (`qpv show ID --format docx -o fiche.docx`)."""
    w = Writer()
    source = citation(catalogue.meta) if e.source == "rapport" else source_label(e, catalogue)
    w.doc.core_properties.title = _clean(e.titre)[:255]
    w.doc.add_heading(_clean(e.titre), 0)
    action = catalogue.action(e.action)
    axe = catalogue.axe(action.axe)
    p = w.paragraph()
    w.text(p, f"Axe {axe.numero} — {axe.titre} › Action {action.numero} — {action.titre}", italic=True)
    p = w.paragraph()
    w.text(p, "Source : ", bold=True)
    w.text(p, source)
    _facts(w, catalogue, e)
    w.footer("Source : " + _short(source))
    return w.save()
