"""Report-ready Markdown (CommonMark/GFM, and pandoc's Markdown): paste into a note or convert
with pandoc.

No raw HTML: the table of contents links to the headings' own identifiers, written so that
pandoc (`pandoc export.md -o note.docx`) and GitHub derive the same one (see `heading`).
Everything from the data is escaped: raw HTML and link syntax show as text, a line that would
start a list, a heading or a quote is escaped, and only http(s) and e-mail addresses become links.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from urllib.parse import urlsplit

from .. import __version__
from ..fields import BY_NAME, detail_rows, niveau_labels, source_label
from ..model import Catalogue, Exemple
from . import TITLE, Selection, date_fr, export_date, grouped, mail_address, web_url

_SPECIAL = re.compile(r"([\\`*_\[\]<>|#~$^])")
_ENTITY = re.compile(r"&(?=#?\w+;)")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# What starts a list, a quote, a definition or a heading at the start of a line, in CommonMark
# or in pandoc's Markdown (fancy lists: « a) », « iv. », « (1) », « #. »).
_LIST_MARKER = re.compile(r"^(\(?)([0-9]+|[A-Za-z]|[ivxlcdmIVXLCDM]+|\\#)([.)])(?=\s|$)")
_LINE_START = set("-+=:%")
_SPACES = re.compile(r"[ \t\f\v]+")


def _line(text: str, start: bool = True) -> str:
    """One line of text, escaped; at the start of a line (`start`), what would make it a
    block marker (list, heading underline, definition) is neutralised too."""
    text = _SPECIAL.sub(r"\\\1", text)
    text = _ENTITY.sub(r"\\&", text)
    if not start:
        return text
    if text and text[0] in _LINE_START:
        return "\\" + text
    return _LIST_MARKER.sub(lambda m: f"{m[1]}{m[2]}\\{m[3]}", text)


def _lines(text: str) -> list[str]:
    text = _CONTROL.sub("", text).replace("\r\n", "\n").replace("\r", "\n")
    # Runs of spaces and tabs become one space; no-break spaces (French typography) are kept.
    return [_SPACES.sub(" ", line).strip(" ") for line in text.split("\n") if line.strip()]


def escape(text: str, start: bool = False) -> str:
    """Inline Markdown text on one line: every character with a meaning escaped (and block
    markers too if it starts a line or a list item: `start`)."""
    return _line(" ".join(_lines(text)), start)


def block(text: str, indent: str = "", start: bool = True) -> str:
    """Text that may hold several lines: each escaped, joined by hard line breaks; every line
    after the first starts a line."""
    return ("\\\n" + indent).join(_line(line, start or i > 0) for i, line in enumerate(_lines(text)))


def code(text: str) -> str:
    """A code span that holds any text (a fence longer than any run of backticks inside)."""
    text = " ".join(_lines(text))
    fence = "`" * (max((len(r) for r in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def cell(text: str) -> str:
    """A table cell: inline text (`|` escaped, line breaks as spaces)."""
    return escape(text) or " "


def link(label: str, url: str) -> str:
    """A link if `url` is a plain http(s) address, else the label and the address as text."""
    safe = web_url(url)
    if safe is None:
        return escape(f"{label} ({url})" if label and label != url else url)
    return f"[{escape(label)}](<{safe}>)"


def mail(email: str) -> str:
    safe = mail_address(email)
    return f"[{escape(safe)}](mailto:{safe})" if safe else escape(email)


# ---------------------------------------------------------------------------- heading ids


def _kept_by_github(c: str) -> bool:
    return c in "-_ " or unicodedata.category(c)[0] in "LNM"


def github_slug(text: str) -> str:
    """GitHub's heading anchor (github-slugger): lower case, punctuation and symbols dropped,
    each space a hyphen."""
    return "".join(c for c in text.lower() if _kept_by_github(c)).replace(" ", "-")


def pandoc_slug(text: str) -> str:
    """pandoc's `auto_identifiers`: lower case, keep letters, digits, `_-.`, words joined by
    one hyphen, everything before the first letter dropped; « section » if nothing is left."""
    kept = "".join(c for c in text.lower() if c.isspace() or c.isalnum() or c in "_-.")
    ident = "-".join(kept.split())
    ident = ident[next((i for i, c in enumerate(ident) if c.isalpha()), len(ident)) :]
    return ident or "section"


# A full stop of inclusive writing (« habitant.e.s », « acteur.rice.s »): a point médian.
_INCLUSIVE = re.compile(r"(?<=[^\W\d_])\.(?=[^\W\d_]{1,4}\b)")


def heading(text: str, prefix: str = "Exemple") -> str:
    """A heading's text, adjusted (as French typography would have it) so that pandoc and
    GitHub give it the same identifier: a punctuation mark standing alone is tied to the word
    before it by a no-break space, a full stop becomes a one-dot leader (`․`), and a heading
    that does not start with a letter gets `prefix`. Inclusive writing takes its point médian
    (« habitant·e·s ») and « ... » its ellipsis: the reader sees the text as French writes it."""
    text = unicodedata.normalize("NFC", " ".join(" ".join(_lines(text)).split()))
    text = _INCLUSIVE.sub("\u00b7", text).replace("...", "\u2026")  # habitant·e·s, as French writes it
    text = "".join(
        "\u2024" if c == "." else c if len(c.lower()) == 1 else c.lower()[0]  # « İ »: one letter in every lower case
        for c in text
        if not (unicodedata.category(c)[0] == "M" or (unicodedata.category(c) == "Pc" and c != "_"))
    )
    text = " ".join(text.split())  # a word of marks alone (« 0 ަ ») leaves no empty word behind
    first = next((c for c in text.lower() if _kept_by_github(c) and c != " "), "")
    if not first.isalpha():
        text = f"{prefix} : {text}" if text else prefix
    words: list[str] = []
    for word in text.split(" "):
        if words and not (any(_kept_by_github(c) for c in word) and any(_kept_by_github(c) for c in words[-1])):
            words[-1] += "\u00a0" + word
        else:
            words.append(word)
    return " ".join(words)


class Ids:
    """Identifiers given so far in a document: a repeated one gets -1, -2 (as both do)."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def add(self, text: str) -> str:
        base = ident = github_slug(text)
        n = 0
        while ident in self.used:
            n += 1
            ident = f"{base}-{n}"
        self.used.add(ident)
        return ident


# ---------------------------------------------------------------------------- parts


def _ressource(r, short: bool = False) -> str:
    if r.url:
        label = r.libelle or ((urlsplit(r.url).hostname or r.url) if short else r.url)
        return link(label, r.url)
    label = f"{r.libelle} : " if r.libelle else ""
    return escape(f"{label}{r.fichier} (fichier cité sans lien dans la source)")


def _contact(c) -> str:
    who = escape(", ".join(x for x in (c.nom, c.fonction) if x))
    if c.email:
        return f"{who} {mail(c.email)}" if who else mail(c.email)
    return who


_LABEL_TO_FIELD = {f.label: f.name for f in BY_NAME.values()}


def _rows(catalogue: Catalogue, e: Exemple) -> list[str]:
    """The record's facts as a list (labels and order from `fields.detail_rows`)."""
    out = []
    for label, text in detail_rows(catalogue, e):
        name = _LABEL_TO_FIELD.get(label)
        if name == "description":
            continue
        if name == "ressources":
            value = " ; ".join(_ressource(r) for r in e.ressources)
        elif name == "contacts":
            value = " ; ".join(_contact(c) for c in e.contacts)
        elif name == "corrections":
            out.append(f"- **{escape(label)} :**")
            out += [f"  - {escape(line, start=True)}" for line in text.split("\n")]
            continue
        else:
            value = block(text, "  ", start=False)
        out.append(f"- **{escape(label)} :** {value}")
    return out


def _exemple(catalogue: Catalogue, e: Exemple) -> list[str]:
    return [block(e.description), "", *_rows(catalogue, e), ""]


def _header(selection: Selection, ids: Ids) -> list[str]:
    cited = selection.cited()
    ids.add(heading(TITLE))
    return [
        f"# {escape(heading(TITLE))}",
        "",
        f"Export du {date_fr(export_date())} par qpv {__version__}.",
        "",
        f"- **Sélection :** {escape(selection.description())}",
        f"- **Pour la reproduire :** {code(selection.command)}",
        f"- **Source{'s' if len(cited) > 1 else ''} :** {escape(selection.cited_line())}",
        "",
    ]


def render(selection: Selection, *, compact: bool = False) -> str:
    return "".join(chunks(selection, compact=compact))


def _joined(groups: Iterable[list[str]]) -> Iterator[str]:
    """Groups of lines as one text, piece by piece: the same as "\\n".join(all lines) with the
    trailing blank lines cut and one final newline (blank lines are held back until more text
    follows them)."""
    first, pending = True, 0
    for lines in groups:
        n = len(lines)
        while n and lines[n - 1] == "":
            n -= 1
        if not n:
            pending += len(lines)
            continue
        head = "" if first else "\n" * (pending + 1)
        yield head + "\n".join(lines[:n])
        first, pending = False, len(lines) - n
    yield "\n"


def chunks(selection: Selection, *, compact: bool = False) -> Iterator[str]:
    """The document in pieces: the header and table of contents (titles only, a first pass),
    then each record (a second pass); memory does not grow with the selection."""
    return _joined(_groups(selection, compact=compact))


def _groups(selection: Selection, *, compact: bool) -> Iterator[list[str]]:
    cat = selection.catalogue
    ids = Ids()
    out = _header(selection, ids)
    if compact:
        yield out
        yield from ([row] for row in _table(selection))
        return

    sommaire = heading("Sommaire")
    ids.add(sommaire)
    out += [f"## {sommaire}", ""]
    # Headings get their ids in document order: the first pass meets them in that order.
    current = None
    for axe, action, records in grouped(selection):
        if current is None or axe.numero != current:
            title = heading(f"Axe {axe.numero} — {axe.titre}")
            out.append(f"- [{escape(title)}](#{ids.add(title)})")
            current = axe.numero
        title = heading(f"Action {action.numero} — {action.titre}")
        out.append(f"  - [{escape(title)}](#{ids.add(title)})")
        for e in records:
            title = heading(e.titre)
            out.append(f"    - [{escape(title)}](#{ids.add(title)})")
    yield [*out, ""]
    current = None
    for axe, action, records in grouped(selection):
        body: list[str] = []
        if current is None or axe.numero != current:
            body += [f"## {escape(heading(f'Axe {axe.numero} — {axe.titre}'))}", ""]
            current = axe.numero
        body += [f"### {escape(heading(f'Action {action.numero} — {action.titre}'))}", ""]
        if action.sous_actions:
            body += [f"- {escape(s, start=True)}" for s in action.sous_actions] + [""]
        yield body
        for e in records:
            yield [f"#### {escape(heading(e.titre))}", "", *_exemple(cat, e)]


# The compact table's columns and their share of the page width: pandoc sizes a wide pipe
# table's columns by the number of dashes under each header.
_TABLE = (("Action", 7), ("Exemple", 30), ("Échelle", 11), ("Coût", 11), ("Partenaires", 21), ("Liens", 20))


def _table(selection: Selection) -> list[str]:
    cat = selection.catalogue
    rows = ["| " + " | ".join(name for name, _ in _TABLE) + " |", "|" + "|".join("-" * w for _, w in _TABLE) + "|"]
    for e in selection.exemples:
        action = cat.action(e.action)
        cost = e.cout_tranche if e.cout_eur is not None else (e.cout or "non précisé")
        links = [_contact(c) for c in e.contacts] + [_ressource(r, short=True) for r in e.ressources]
        cells = [
            cell(f"{action.numero} (axe {cat.axe(action.axe).numero})"),
            cell(e.titre),
            cell(niveau_labels(e, ", ") or (e.echelle or "")),
            cell(cost),
            cell(" ; ".join(e.partenaires)),
            " ; ".join(links) or " ",
        ]
        rows.append("| " + " | ".join(cells) + " |")
    return [*rows, ""]


def render_one(catalogue: Catalogue, e: Exemple) -> str:
    """One record (`qpv show --format md`), with the catalogue it comes from."""
    from . import citation

    source = citation(catalogue.meta) if e.source == "rapport" else source_label(e, catalogue)
    out = [f"# {escape(heading(e.titre))}", "", f"Source : {escape(source)}", ""]
    return "\n".join(out + _exemple(catalogue, e)).rstrip("\n") + "\n"
