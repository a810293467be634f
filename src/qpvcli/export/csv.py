"""Excel-ready CSV: one row per record with its hierarchy; French Excel flavour by default.

French Excel and LibreOffice read `;` separated UTF-8 with a byte-order mark and CRLF line
ends; `--csv-standard` gives `,`, no BOM, LF for other tools. Text cells that a spreadsheet
would run as a formula (OWASP « CSV Injection ») get a leading apostrophe unless asked not to.
"""

from __future__ import annotations

import csv
import io
import re

from ..model import Exemple
from ..territoires import departement_name
from . import Selection

COLUMNS = (
    "axe_numero", "axe", "action_numero", "action", "id", "titre", "titre_original", "description",
    "partenaires", "partenaires_texte", "echelle", "niveau", "territoires", "departements", "regions",
    "methode", "resultats", "cout", "cout_eur", "cout_tranche", "duree", "annee_debut", "annee_fin",
    "en_cours", "pilotage", "prise_en_main", "ressources", "contacts", "credit_photo", "corrections", "source",
)  # fmt: skip
NUMERIC = {"axe_numero", "action_numero", "cout_eur", "annee_debut", "annee_fin"}
SEPARATOR = " ; "
_FORMULA = re.compile(r"^'*[=+\-@\t\r\n]")


def neutralise_cell(text: str) -> str:
    """Prefix a cell a spreadsheet would read as a formula. Reversible: see `restore`."""
    return "'" + text if _FORMULA.match(text) else text


def restore(text: str) -> str:
    return text[1:] if text.startswith("'") and _FORMULA.match(text[1:]) else text


def row(selection: Selection, e: Exemple) -> dict[str, str]:
    cat = selection.catalogue
    action = cat.action(e.action)
    axe = cat.axe(action.axe)
    return {
        "axe_numero": str(axe.numero),
        "axe": axe.titre,
        "action_numero": str(action.numero),
        "action": action.titre,
        "id": e.id,
        "titre": e.titre,
        "titre_original": e.titre_original or "",
        "description": e.description,
        "partenaires": SEPARATOR.join(e.partenaires),
        "partenaires_texte": e.partenaires_texte or "",
        "echelle": e.echelle or "",
        "niveau": SEPARATOR.join(e.niveau),
        "territoires": SEPARATOR.join(t.nom for t in e.territoires),
        # « 01 Ain » rather than « 01 », which a spreadsheet would turn into the number 1.
        "departements": SEPARATOR.join(
            dict.fromkeys(
                f"{t.departement} {departement_name(t.departement) or ''}".strip()
                for t in e.territoires
                if t.departement
            )
        ),
        "regions": SEPARATOR.join(dict.fromkeys(t.region for t in e.territoires if t.region)),
        "methode": e.methode or "",
        "resultats": e.resultats or "",
        "cout": e.cout or "",
        "cout_eur": "" if e.cout_eur is None else str(e.cout_eur),
        "cout_tranche": e.cout_tranche,
        "duree": e.duree or "",
        "annee_debut": "" if e.annee_debut is None else str(e.annee_debut),
        "annee_fin": "" if e.annee_fin is None else str(e.annee_fin),
        "en_cours": {True: "oui", False: "non", None: ""}[e.en_cours],
        "pilotage": e.pilotage or "",
        "prise_en_main": e.prise_en_main or "",
        "ressources": SEPARATOR.join(str(r) for r in e.ressources),
        "contacts": SEPARATOR.join(str(c) for c in e.contacts),
        "credit_photo": e.credit_photo or "",
        "corrections": SEPARATOR.join(f"{c.champ} : « {c.avant} » → « {c.apres} » ({c.raison})" for c in e.corrections),
        "source": e.source,
    }


def render(selection: Selection, *, excel: bool = True, neutralise: bool = True) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(
        buffer, delimiter=";" if excel else ",", lineterminator="\r\n" if excel else "\n", quoting=csv.QUOTE_MINIMAL
    )
    writer.writerow(COLUMNS)
    for e in selection.exemples:
        values = row(selection, e)
        writer.writerow([values[c] if c in NUMERIC or not neutralise else neutralise_cell(values[c]) for c in COLUMNS])
    data = buffer.getvalue().encode("utf-8")
    return b"\xef\xbb\xbf" + data if excel else data


def parse(data: bytes, *, excel: bool = True, neutralised: bool = True) -> list[dict[str, str]]:
    """Read an export back (round-trip tests, scripts)."""
    text = data.decode("utf-8-sig")
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=";" if excel else ",")
    return [{k: restore(v) if neutralised and k not in NUMERIC else v for k, v in r.items()} for r in reader]
