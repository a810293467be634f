"""The bundled catalogue is complete and faithful to the report (issue: the complete catalogue)."""

from __future__ import annotations

import re
import tomllib
from difflib import SequenceMatcher
from pathlib import Path

import pytest

from qpvcli.fields import FIELDS
from qpvcli.model import AXES, COUT_PORTEES, NIVEAUX
from qpvcli.sources import bundled_text
from qpvcli.territoires import DEPARTEMENTS
from qpvcli.text import fold
from qpvcli.thematiques import THEMES_FILE
from qpvcli.thematiques import load as load_themes
from qpvcli.validation import EMAIL_PATTERN, ID_PATTERN, URL_PATTERN

from .conftest import FIXTURES, SOURCE_TEXT

RAW = tomllib.loads(bundled_text())

# "Liste des actions clés" closes the report and is the authority on which example belongs to
# which action (the page headers of the body are not reliable). A copy is kept as a fixture.
CLOSING_LIST = (FIXTURES / "liste-des-actions-cles.txt").read_text(encoding="utf-8")


def closing_list() -> dict[int, list[str]]:
    actions: dict[int, list[str]] = {}
    current = None
    for line in CLOSING_LIST.splitlines():
        if m := re.match(r"^(\d+)\. ", line):
            current = int(m.group(1))
            actions[current] = []
        elif line.startswith("- ") and current is not None:
            actions[current].append(line[2:].strip())
    return actions


def test_counts():
    assert len(RAW["axes"]) == 4
    assert len(RAW["actions"]) == 11
    assert len(RAW["exemples"]) == 40


def test_axes_and_actions_structure():
    assert [a["id"] for a in RAW["axes"]] == list(AXES)
    assert [a["numero"] for a in RAW["actions"]] == list(range(1, 12))
    per_axis = [sum(1 for a in RAW["actions"] if a["axe"] == axe) for axe in AXES]
    assert per_axis == [2, 3, 3, 3]
    subs = {a["numero"]: len(a.get("sous_actions", [])) for a in RAW["actions"]}
    assert subs[3] == 2 and subs[8] == 3


def test_catalogue_header():
    header = RAW["catalogue"]
    assert header["version_schema"] == 1
    assert header["editeur"] == "France Villes et territoires Durables"
    assert header["date"] == "2025-11"


def test_ids_unique_and_slug_shaped():
    ids = [e["id"] for e in RAW["exemples"]]
    assert len(set(ids)) == len(ids)
    assert all(ID_PATTERN.fullmatch(i) and len(i) <= 60 for i in ids)


def test_each_action_holds_the_examples_of_the_closing_list():
    expected = closing_list()
    assert sum(len(v) for v in expected.values()) == 40
    for numero, titles in expected.items():
        records = [e for e in RAW["exemples"] if e["action"] == numero]
        assert len(records) == len(titles), numero
        for listed, record in zip(titles, records, strict=True):
            # The list's wording, or the wording before a recorded correction of the title.
            candidates = [record["titre"]] + [
                c["avant"] for c in record.get("corrections", []) if c["champ"] == "titre"
            ]
            best = max(SequenceMatcher(None, fold(listed), fold(c)).ratio() for c in candidates)
            assert best > 0.85, (numero, listed, record["titre"])


def test_report_order_is_kept():
    assert [e["action"] for e in RAW["exemples"]] == sorted(e["action"] for e in RAW["exemples"])


@pytest.mark.parametrize(
    "field", ["titre", "description", "partenaires", "echelle", "methode", "resultats", "ressources", "niveau"]
)
def test_mandatory_fields_present(field):
    missing = [e["id"] for e in RAW["exemples"] if not e.get(field)]
    assert missing == []


def test_only_one_example_has_no_contact():
    # The report gives no contact for the cycling guide; nothing is invented for it.
    assert [e["id"] for e in RAW["exemples"] if not e.get("contacts")] == ["club-villes-cyclables-velo"]


def _texts(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [t for v in value for t in _texts(v)]
    if isinstance(value, dict):
        return [t for v in value.values() for t in _texts(v)]
    return []


def test_no_emphasis_markers_or_pdf_debris():
    for e in RAW["exemples"]:
        for text in _texts({k: v for k, v in e.items() if k != "corrections"}):
            assert "**" not in text and "](#)" not in text and "\\" not in text, (e["id"], text)
            assert "Coû" not in text.replace("Coût", "") and "ÔÛ" not in text, (e["id"], text)


def test_urls_and_emails_well_formed():
    for e in RAW["exemples"]:
        for r in e["ressources"]:
            assert "url" in r or "fichier" in r
            if "url" in r:
                assert URL_PATTERN.fullmatch(r["url"]), r["url"]
        for c in e.get("contacts", []):
            if "email" in c:
                assert EMAIL_PATTERN.fullmatch(c["email"]), c["email"]


def parse_amount(text: str) -> int | None:
    """Independent reading of a cost text: « 4,6 millions € », « 0,230M € », « 100 000€ »."""
    if re.search(r"libre accès|pris en charge", text):
        return 0
    if m := re.search(r"(\d+(?:,\d+)?)\s*(?:millions?\s*€|M\s*€|M€)", text):
        return round(float(m.group(1).replace(",", ".")) * 1_000_000)
    if m := re.search(r"(\d{1,3}(?:[ \u202f]\d{3})+|\d+)\s*€", text):
        return int(re.sub(r"\D", "", m.group(1)))
    return None


def test_cost_in_euros_matches_the_cost_text():
    for e in RAW["exemples"]:
        expected = parse_amount(e["cout"]) if "cout" in e else None
        assert e.get("cout_eur") == expected, (e["id"], e.get("cout"))


def test_amounts_from_the_issue():
    by_id = {e["id"]: e for e in RAW["exemples"]}
    assert by_id["rotterdam-financements-habitants"]["cout_eur"] == 4_600_000
    assert by_id["stains-punaises-de-lit"]["cout_eur"] == 230_000
    assert by_id["data-asso-associations"]["cout_eur"] == 0


def test_years_and_ongoing_flag_follow_the_duration_text():
    for e in RAW["exemples"]:
        duree = e.get("duree", "")
        for key in ("annee_debut", "annee_fin"):
            if key in e:
                assert str(e[key]) in duree, e["id"]
        years = re.findall(r"\b(?:19|20)\d\d\b", duree)
        if years:
            assert "annee_debut" in e or "annee_fin" in e, e["id"]
        ongoing = "en cours" in duree or bool(re.match(r"depuis \d{4}$", duree))
        assert e.get("en_cours", False) == ongoing, e["id"]


def test_territories_are_consistent():
    for e in RAW["exemples"]:
        levels = [e["niveau"]] if isinstance(e["niveau"], str) else e["niveau"]
        assert set(levels) <= set(NIVEAUX)
        for t in e.get("territoires", []):
            if "departement" in t:
                _name, region = DEPARTEMENTS[t["departement"]]
                assert t.get("region") == region, (e["id"], t)
        if "national" in levels:
            assert all("departement" not in t for t in e.get("territoires", []))


def test_corrections_are_applied_and_traceable():
    for e in RAW["exemples"]:
        for c in e.get("corrections", []):
            assert set(c) == {"champ", "avant", "apres", "raison"}
            value = e[c["champ"]]
            flat = str(value)
            assert c["apres"] in flat, (e["id"], c)
            assert c["avant"] not in flat, (e["id"], c)


# ---------------------------------------------------------------------------- against the source

needs_source = pytest.mark.skipif(not SOURCE_TEXT.exists(), reason="../shared/seed absent")


def _source() -> str:
    return SOURCE_TEXT.read_text(encoding="utf-8")


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("**", "")).strip()


@needs_source
def test_every_url_and_email_of_the_report_is_in_the_catalogue():
    source = _source()
    catalogue = bundled_text()
    urls = set(re.findall(r"https?://[^\s<>\]]+?(?=[>\s]|\]\(|$)", source))
    emails = set(re.findall(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", source))
    assert len(urls) >= 40 and len(emails) >= 35
    repaired = "\n".join(c["avant"] for e in RAW["exemples"] for c in e.get("corrections", []))
    for raw in sorted(urls | emails):
        # drop the closing parenthesis of a Markdown link
        found = raw[:-1] if raw.count(")") > raw.count("(") else raw
        assert found in catalogue or found.replace("\\", "") in catalogue or found in repaired.replace("\\\\", "\\"), (
            found
        )


@needs_source
@pytest.mark.parametrize(
    "field",
    [
        "description",
        "methode",
        "resultats",
        "echelle",
        "cout",
        "duree",
        "titre_original",
        "credit_photo",
        "partenaires_texte",
    ],
)
def test_verbatim_fields_appear_in_the_report(field):
    """Every verbatim text is in the report, once its recorded corrections are undone."""
    source = _flat(_source())
    for e in RAW["exemples"]:
        if field not in e:
            continue
        value = e[field]
        for c in e.get("corrections", []):
            if c["champ"] == field:
                value = value.replace(c["apres"], c["avant"])
        assert _flat(value) in source, (e["id"], field, value)


@needs_source
def test_partners_appear_in_the_report():
    source = _flat(_source())
    for e in RAW["exemples"]:
        for p in e["partenaires"]:
            assert p in source, (e["id"], p)


# ---------------------------------------------------------------------------- themes and what a reader settles

DOCS = Path(__file__).resolve().parents[1] / "docs"
DATA_MODEL = (DOCS / "data-model.md").read_text(encoding="utf-8")
THEMES_RAW = tomllib.loads(THEMES_FILE.read_text(encoding="utf-8"))["thematiques"]


def _levels(e: dict) -> list[str]:
    return [e["niveau"]] if isinstance(e["niveau"], str) else e["niveau"]


def _reserved_themes() -> set[str]:
    line = next(t for t in DATA_MODEL.splitlines() if t.startswith("Réservées aux catalogues personnels"))
    return set(re.findall(r"`([a-z0-9-]+)`", line))


def test_theme_vocabulary_is_well_formed():
    ids = [t["id"] for t in THEMES_RAW]
    assert len(ids) == len(set(ids)) and 15 <= len(ids) <= 25
    assert all(ID_PATTERN.fullmatch(i) for i in ids)
    assert list(load_themes()) == ids
    for t in THEMES_RAW:
        assert set(t) == {"id", "libelle", "description", "mots"}, t["id"]
        assert 5 <= len(t["mots"]) <= 15 and len(set(t["mots"])) == len(t["mots"]), t["id"]
        assert t["description"].endswith(".") and t["description"].count(". ") == 0, t["id"]


def test_every_example_has_one_to_four_known_themes():
    known = load_themes()
    for e in RAW["exemples"]:
        themes = e["thematiques"]
        assert 1 <= len(themes) <= 4 and len(set(themes)) == len(themes), e["id"]
        assert set(themes) <= set(known), e["id"]


def test_every_theme_is_used_or_reserved_for_user_catalogues():
    used = {t for e in RAW["exemples"] for t in e["thematiques"]}
    reserved = _reserved_themes()
    assert set(load_themes()) == used | reserved
    assert not used & reserved  # a theme the report uses is not said to be reserved


def test_data_model_lists_every_theme_and_field():
    for t in load_themes().values():
        assert f"| `{t.id}` | {t.libelle} | {t.description} |" in DATA_MODEL, t.id
    schema = (DOCS / "export.schema.json").read_text(encoding="utf-8")
    for f in FIELDS:
        assert f"`{f.name}`" in DATA_MODEL.split("## `[[exemples]]`")[1], f.name
        assert f'"{f.name}":' in schema, f.name
    for value in COUT_PORTEES:
        assert f"| `{value}` |" in DATA_MODEL and f'"{value}"' in schema, value


def test_levels_are_listed_smallest_first_and_cover_every_level_the_scale_names():
    order = list(NIVEAUX)
    for e in RAW["exemples"]:
        levels = _levels(e)
        assert levels == sorted(set(levels), key=order.index), e["id"]
        if isinstance(e["niveau"], list):
            assert len(levels) >= 2, e["id"]
    by_id = {e["id"]: e for e in RAW["exemples"]}
    # « Quartier Saint-Jacques et élargissement à la Ville de Perpignan »
    assert _levels(by_id["perpignan-atelier-textile"]) == ["quartier", "commune"]
    # « Département de la Seine-Saint-Denis, visualisation possible par EPT et/ou communes »
    assert _levels(by_id["seine-saint-denis-vulnerabilites"]) == ["commune", "intercommunalite", "departement"]
    # « Du quartier à l'intercommunalité »
    assert _levels(by_id["cerema-jeu-sante-cite"]) == ["quartier", "commune", "intercommunalite"]


INTERCOMMUNALITE = re.compile(r"Métropole|Communauté|Plaine Commune|Grand Paris Sud Est Avenir|Est Ensemble", re.I)


def test_an_intercommunality_named_by_the_scale_is_a_territory():
    for e in RAW["exemples"]:
        if INTERCOMMUNALITE.search(e["echelle"]):
            noms = [t["nom"] for t in e.get("territoires", [])]
            assert any(INTERCOMMUNALITE.search(n) for n in noms), (e["id"], e["echelle"], noms)
    # …and an intercommunal scale without a named one is the generic kind (« par EPT »).
    for e in RAW["exemples"]:
        if "intercommunalite" in _levels(e) and not INTERCOMMUNALITE.search(e["echelle"]):
            assert e["id"] in {"seine-saint-denis-vulnerabilites", "cerema-jeu-sante-cite"}, e["id"]


def test_cost_scope_follows_the_cost_text():
    """An amount that is not the action's total cost says what it covers (`cout_portee`)."""
    rules = [
        (r"\bpour (?:une?|chaque) \w+", "par-unite"),
        (r"\bpar an\b|/an\b|annuel", "par-an"),
        (r"\bpar (?:personne|participant|bénéficiaire)", "par-personne"),
        (r"financements? de .* à hauteur de", "financement"),
        (r"€ de suivi", "partiel"),
    ]
    for e in RAW["exemples"]:
        assert e.get("cout_portee", "total") in COUT_PORTEES, e["id"]
        if "cout_portee" in e:
            assert "cout_eur" in e, e["id"]
        if "cout_eur" not in e:
            continue
        expected = [scope for pattern, scope in rules if re.search(pattern, e["cout"])]
        assert e.get("cout_portee", "total") == (expected[0] if expected else "total"), (e["id"], e["cout"])
    creil = next(e for e in RAW["exemples"] if e["id"] == "creil-cours-oasis")
    assert (creil["cout_eur"], creil["cout_portee"]) == (297_000, "par-unite")


def test_every_title_and_credit_is_the_source_or_a_recorded_correction():
    """The title is the closing list's wording, the credit the text after « © », unless a
    correction says otherwise."""
    listed = [t for titles in closing_list().values() for t in titles]
    for e, title in zip(RAW["exemples"], listed, strict=True):
        value = e["titre"]
        for c in e.get("corrections", []):
            if c["champ"] == "titre":
                value = value.replace(c["apres"], c["avant"])
        assert value == title, (e["id"], title)


@needs_source
def test_every_credit_is_the_source_or_a_recorded_correction():
    """The credit is the text after « © », unless a correction says otherwise."""
    source = _flat(_source())
    n = 0
    for e in RAW["exemples"]:
        if "credit_photo" not in e:
            continue
        n += 1
        value = e["credit_photo"]
        for c in e.get("corrections", []):
            if c["champ"] == "credit_photo":
                value = c["avant"]
        assert "© " + _flat(value).removeprefix("© ") in source, (e["id"], value)
    assert n == source.count("© ")
