"""Report-ready Markdown (CommonMark/GFM): paste into a note or convert with pandoc."""

from __future__ import annotations

import re

from .. import __version__
from ..model import Catalogue, Exemple
from . import Selection, export_date

_SPECIAL = re.compile(r"([\\`*_\[\]<>|#~])")
_ENTITY = re.compile(r"&(?=#?\w+;)")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def escape(text: str) -> str:
    """Inline Markdown text: every character with a meaning is escaped, lines joined."""
    text = _CONTROL.sub("", text)
    text = _SPECIAL.sub(r"\\\1", text)
    text = _ENTITY.sub(r"\\&", text)
    lines = [line.strip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    text = "<br>".join(line for line in lines if line)
    # A line starting with "1." or "-" would become a list, "=" a heading underline.
    if text and text[0] in "-+=":
        return "\\" + text
    return re.sub(r"^(\d+)\.", r"\1\\.", text)


def cell(text: str) -> str:
    """A GFM table cell: as inline text (`|` escaped), line breaks as <br>."""
    return escape(text) or " "


def link(label: str, url: str) -> str:
    return f"[{escape(label)}](<{url}>)"


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


def _date_fr(d) -> str:
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


def _source(catalogue: Catalogue) -> str:
    meta = catalogue.meta
    title = meta.get("titre", "Catalogue")
    parts = [f"*{escape(title)}*"]
    if meta.get("editeur"):
        parts.append(escape(meta["editeur"]))
    if meta.get("copilotes"):
        parts.append("copiloté par " + escape(", ".join(meta["copilotes"])))
    if meta.get("date"):
        year, _, month = str(meta["date"]).partition("-")
        parts.append(
            f"{MONTHS[int(month) - 1]} {year}"
            if month.isdigit() and 1 <= int(month) <= 12
            else escape(str(meta["date"]))
        )
    return ", ".join(parts) + "."


def _ressource(r) -> str:
    if r.url:
        return link(r.libelle or r.url, r.url)
    label = f"{escape(r.libelle)} : " if r.libelle else ""
    return f"{label}`{r.fichier}` (fichier cité sans lien dans la source)"


def _contact(c) -> str:
    who = escape(", ".join(x for x in (c.nom, c.fonction) if x))
    if c.email:
        mail = f"[{escape(c.email)}](mailto:{c.email})"
        return f"{who} {mail}" if who else mail
    return who


def _fields(catalogue: Catalogue, e: Exemple) -> list[tuple[str, str]]:
    places = "; ".join(
        t.nom
        + (
            f" ({', '.join(x for x in (t.departement, t.region, t.pays) if x)})"
            if (t.departement or t.region or t.pays)
            else ""
        )
        for t in e.territoires
    )
    echelle = escape(e.echelle or "")
    if e.niveau:
        echelle += f" — niveau : {escape(', '.join(e.niveau))}"
    cout = escape(e.cout or "")
    if e.cout_eur is not None:
        amount = f"{e.cout_eur:,}".replace(",", "\u202f")
        cout = f"{cout} ({amount} €, {e.cout_tranche})" if cout else f"{amount} €"
    rows = [
        ("Partenaires", escape(" ; ".join(e.partenaires))),
        ("Partenaires (texte du rapport)", escape(e.partenaires_texte or "")),
        ("Échelle", echelle),
        ("Territoires", escape(places)),
        ("Méthode", escape(e.methode or "")),
        ("Résultats", escape(e.resultats or "")),
        ("Coût", cout),
        ("Durée", escape(e.duree or "")),
        ("Pilotage", escape(e.pilotage or "")),
        ("Prise en main", escape(e.prise_en_main or "")),
        ("Ressources", " ; ".join(_ressource(r) for r in e.ressources)),
        ("Contacts", " ; ".join(_contact(c) for c in e.contacts)),
        ("Crédit photo", escape(e.credit_photo or "")),
        ("Source", "" if e.source == "rapport" else escape(e.source)),
    ]
    return [(k, v) for k, v in rows if v]


def _exemple(catalogue: Catalogue, e: Exemple, level: int) -> list[str]:
    out = [f'<a id="{e.id}"></a>', "", f"{'#' * level} {escape(e.titre)}", ""]
    out += [f"Identifiant : `{e.id}` — action {e.action}", ""]
    out += [escape(e.description), ""]
    out += [f"- **{label} :** {value}" for label, value in _fields(catalogue, e)]
    if e.corrections:
        out += ["- **Corrections du texte source :**"]
        out += [
            f"  - {escape(c.champ)} : « {escape(c.avant)} » → « {escape(c.apres)} » ({escape(c.raison)})"
            for c in e.corrections
        ]
    out.append("")
    return out


def _header(selection: Selection, title: str) -> list[str]:
    cat = selection.catalogue
    return [
        f"# {escape(title)}",
        "",
        f"Export du {_date_fr(export_date())} par qpv {__version__}.",
        "",
        f"- **Sélection :** {escape(selection.description())}",
        f"- **Pour la reproduire :** `{selection.command}`",
        f"- **Source :** {_source(cat)}",
        "",
    ]


def render(selection: Selection, *, compact: bool = False) -> str:
    cat = selection.catalogue
    title = "Actions clés pour la résilience des quartiers prioritaires — sélection d'exemples"
    out = _header(selection, title)
    if compact:
        out += _table(selection)
        return "\n".join(out).rstrip("\n") + "\n"

    groups: dict[str, dict[int, list[Exemple]]] = {}
    for e in selection.exemples:
        groups.setdefault(cat.action(e.action).axe, {}).setdefault(e.action, []).append(e)
    axes = [a for a in cat.axes if a.id in groups]

    out += ["## Sommaire", ""]
    for axe in axes:
        out.append(f"- [Axe {axe.numero} — {escape(axe.titre)}](#axe-{axe.id})")
        for numero in sorted(groups[axe.id]):
            action = cat.action(numero)
            out.append(f"  - [Action {numero} — {escape(action.titre)}](#action-{numero})")
            out += [f"    - [{escape(e.titre)}](#{e.id})" for e in groups[axe.id][numero]]
    out.append("")

    for axe in axes:
        out += [f'<a id="axe-{axe.id}"></a>', "", f"## Axe {axe.numero} — {escape(axe.titre)}", ""]
        for numero in sorted(groups[axe.id]):
            action = cat.action(numero)
            out += [f'<a id="action-{numero}"></a>', "", f"### Action {numero} — {escape(action.titre)}", ""]
            if action.sous_actions:
                out += [f"- {escape(s)}" for s in action.sous_actions] + [""]
            for e in groups[axe.id][numero]:
                out += _exemple(cat, e, 4)
    return "\n".join(out).rstrip("\n") + "\n"


def _table(selection: Selection) -> list[str]:
    cat = selection.catalogue
    head = ["Axe", "Action", "Exemple", "Échelle", "Coût", "Partenaires", "Contacts", "Ressources"]
    rows = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for e in selection.exemples:
        action = cat.action(e.action)
        cost = e.cout_tranche if e.cout_eur is not None else (e.cout or "non précisé")
        cells = [
            cell(str(cat.axe(action.axe).numero)),
            cell(str(e.action)),
            f"{cell(e.titre)}<br>`{e.id}`",
            cell(", ".join(e.niveau) or (e.echelle or "")),
            cell(cost),
            cell(" ; ".join(e.partenaires)),
            " ; ".join(_contact(c) for c in e.contacts) or " ",
            " ; ".join(_ressource(r) for r in e.ressources) or " ",
        ]
        rows.append("| " + " | ".join(cells) + " |")
    return [*rows, ""]


def render_one(catalogue: Catalogue, e: Exemple) -> str:
    action = catalogue.action(e.action)
    axe = catalogue.axe(action.axe)
    out = [f"# {escape(e.titre)}", ""]
    out += [f"Axe {axe.numero} — {escape(axe.titre)} › Action {action.numero} — {escape(action.titre)}", ""]
    out += [f"Source : {_source(catalogue)}", ""]
    body = _exemple(catalogue, e, 2)[4:]  # no anchor nor heading: the title is the page's
    return "\n".join(out + body).rstrip("\n") + "\n"
