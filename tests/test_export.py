"""Exports: golden files, valid Markdown/CSV/JSON/TOML, round trips, safe file writing."""

from __future__ import annotations

import itertools
import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from qpvcli.catalogue import Source, build
from qpvcli.export import Selection, render
from qpvcli.export import csv as csv_export
from qpvcli.model import Contact, Exemple, Ressource, Territoire

GOLDEN = Path(__file__).parent / "golden"
SCHEMA = json.loads((Path(__file__).resolve().parents[1] / "docs" / "export.schema.json").read_text(encoding="utf-8"))
UPDATE = bool(os.environ.get("QPV_UPDATE_GOLDEN"))


@pytest.fixture(autouse=True)
def _fixed_date(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764028800")  # 2025-11-25


CASES = {
    "action-8.md": ["export", "--action", "8", "--format", "md"],
    "action-8-compact.md": ["export", "--action", "8", "--format", "md", "--compact"],
    "action-8.csv": ["export", "--action", "8", "--format", "csv"],
    "action-8-standard.csv": ["export", "--action", "8", "--format", "csv", "--csv-standard"],
    "action-8.json": ["export", "--action", "8", "--format", "json"],
    "action-8.toml": ["export", "--action", "8", "--format", "toml"],
    "recherche-fraicheur.md": ["export", "ilots de fraicheur", "--format", "md"],
    "complet.md": ["export", "--format", "md"],
    "complet.csv": ["export", "--format", "csv"],
    "complet.json": ["export", "--format", "json"],
    "complet.toml": ["export", "--format", "toml"],
}


@pytest.mark.parametrize("name", CASES)
def test_golden(qpv, name, tmp_path):
    target = tmp_path / name
    r = qpv(*CASES[name], "-o", str(target))
    assert r.code == 0, r.err
    data = target.read_bytes()
    golden = GOLDEN / name
    if UPDATE:
        golden.write_bytes(data)
    assert data == golden.read_bytes(), f"{name} differs from its golden file (QPV_UPDATE_GOLDEN=1 to accept)"


def test_stdout_is_the_same_bytes_as_the_file(tmp_path, monkeypatch):
    import subprocess
    import sys

    target = tmp_path / "a.csv"
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1764028800"}
    out = subprocess.run(
        [sys.executable, "-m", "qpvcli", "export", "--action", "8", "--format", "csv"],
        capture_output=True,
        env=env,
        check=True,
    ).stdout
    subprocess.run(
        [sys.executable, "-m", "qpvcli", "export", "--action", "8", "--format", "csv", "-o", str(target)],
        env=env,
        check=True,
        capture_output=True,
    )
    assert out == target.read_bytes()


# ---------------------------------------------------------------------------- Markdown


def _markdown(text: str):
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").enable("table").parse(text)


def test_markdown_structure_and_links(catalogue):
    text = render("md", Selection(catalogue, list(catalogue.exemples))).decode()
    tokens = _markdown(text)
    levels = [int(t.tag[1]) for t in tokens if t.type == "heading_open"]
    assert levels[0] == 1
    assert all(b <= a + 1 for a, b in itertools.pairwise(levels)), "heading levels never skip"
    assert levels.count(4) == 40 and levels.count(3) == 11 and levels.count(2) == 5  # 4 axes + sommaire
    hrefs = [t.attrs["href"] for tok in tokens if tok.children for t in tok.children if t.type == "link_open"]
    texts = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    from urllib.parse import unquote

    from qpvcli.export.md import github_slug, pandoc_slug

    anchors = {github_slug(t) for t in texts}
    assert len(anchors) == len(texts) == 1 + 1 + 4 + 11 + 40
    assert all(github_slug(t) == pandoc_slug(t) for t in texts), "GitHub and pandoc give each heading the same id"
    assert not any(t.type in ("html_block", "html_inline") for t in tokens for t in [t, *(t.children or [])])
    for href in hrefs:
        assert href.startswith(("http://", "https://", "mailto:", "#")), href
        if href.startswith("#"):
            assert unquote(href[1:]) in anchors, href
    from markdown_it.common.normalize_url import normalizeLink

    urls = {normalizeLink(r.url) for e in catalogue.exemples for r in e.ressources if r.url}
    assert urls <= set(hrefs), "every resource is a clickable link"
    emails = {f"mailto:{c.email}" for e in catalogue.exemples for c in e.contacts if c.email}
    assert emails <= set(hrefs)


def test_markdown_compact_table_has_one_row_per_example(catalogue):
    chosen = [e for e in catalogue.exemples if e.action == 3]
    tokens = _markdown(render("md", Selection(catalogue, chosen), compact=True).decode())
    rows = [t for t in tokens if t.type == "tr_open"]
    assert len(rows) == 1 + 10


HOSTILE = st.sampled_from(
    [
        "=1+1",
        '"citation"',
        "a;b,c",
        "ligne 1\nligne 2",
        "[lien](http://x)",
        "| tube |",
        "😀 emoji",
        "@SUM(A1)",
        "-2",
        "\tTab",
        "<b>gras</b>",
        "*étoile*",
        "# titre",
        "1. liste",
        "&amp; entité",
        "\\ barre",
        "`code`",
    ]
)
TEXT = st.one_of(HOSTILE, st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40)).filter(
    lambda s: s.strip()
)


def _record(titre: str, description: str, partenaire: str, **extra) -> Exemple:
    return Exemple(
        id="exemple-hostile",
        action=8,
        titre=titre,
        description=description,
        partenaires=(partenaire,),
        territoires=(Territoire("Ain", "01", "Auvergne-Rhône-Alpes"),),
        ressources=(Ressource(url="https://example.org/a_(b)?c=d&e=f", libelle=partenaire),),
        contacts=(Contact(nom=partenaire, email="a.b@example.org"),),
        **extra,
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(titre=TEXT.filter(lambda s: "\n" not in s and "\r" not in s), description=TEXT, partenaire=TEXT)
@example(titre="0 \u07a6", description="=1+1", partenaire="=1+1")  # a word of marks alone (found by hypothesis)
def test_markdown_escapes_hostile_text(catalogue, titre, description, partenaire):
    ex = _record(titre, description, partenaire)
    text = render("md", Selection(catalogue, [ex]), compact=False).decode()
    tokens = _markdown(text)
    headings = [tokens[i + 1] for i, t in enumerate(tokens) if t.type == "heading_open" and t.tag == "h4"]
    assert len(headings) == 1
    rendered = "".join(c.content for c in headings[0].children if c.type == "text")
    from qpvcli.export.md import github_slug, heading, pandoc_slug

    assert rendered == heading(titre)
    assert github_slug(rendered) == pandoc_slug(rendered)
    assert not any(t.type in ("html_block", "html_inline") for t in tokens for t in [t, *(t.children or [])])
    table = _markdown(render("md", Selection(catalogue, [ex]), compact=True).decode())
    assert sum(1 for t in table if t.type == "td_open") == 6, "a hostile cell never splits or merges columns"


# ---------------------------------------------------------------------------- CSV


def test_csv_excel_flavour(catalogue):
    data = render("csv", Selection(catalogue, list(catalogue.exemples)))
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert "\r\n" in text and text.splitlines()[0].startswith("axe_numero;axe;action_numero;")
    rows = csv_export.parse(data)
    assert len(rows) == 40
    paris = next(r for r in rows if r["id"] == "paris-ilots-de-fraicheur")
    assert paris["titre"] == "Cartographie des îlots de fraîcheurs et extension horaires d'ouverture à Paris"
    assert paris["departements"] == "75 Paris" and paris["cout_eur"] == "0"


def test_csv_standard_flavour(catalogue):
    data = render("csv", Selection(catalogue, list(catalogue.exemples)), excel=False)
    assert not data.startswith(b"\xef\xbb\xbf") and b"\r\n" not in data
    assert data.decode().splitlines()[0].startswith("axe_numero,axe,action_numero,")


def test_csv_neutralises_formulas_but_keeps_numbers(catalogue):
    ex = _record('=HYPERLINK("http://x")', "+1", "@SUM(A1)", cout_eur=1200)
    data = render("csv", Selection(catalogue, [ex])).decode("utf-8-sig")
    assert ';"\'=HYPERLINK(""http://x"")";' in data and ";'+1;" in data and ";'@SUM(A1);" in data
    assert ";1200;" in data
    raw = render("csv", Selection(catalogue, [ex]), neutralise=False).decode("utf-8-sig")
    assert ';"=HYPERLINK(""http://x"")";' in raw


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(titre=TEXT, description=TEXT, partenaire=TEXT, excel=st.booleans(), neutralise=st.booleans())
def test_csv_round_trip(catalogue, titre, description, partenaire, excel, neutralise):
    ex = _record(titre, description, partenaire)
    selection = Selection(catalogue, [ex])
    data = render("csv", selection, excel=excel, neutralise=neutralise)
    (row,) = csv_export.parse(data, excel=excel, neutralised=neutralise)
    assert row == csv_export.row(selection, ex)


# ---------------------------------------------------------------------------- JSON


def test_json_full_export_validates_against_schema(catalogue):
    import jsonschema

    doc = json.loads(render("json", Selection(catalogue, list(catalogue.exemples))))
    jsonschema.validate(doc, SCHEMA)
    assert len(doc["exemples"]) == 40 and doc["version_schema"] == 1


def test_json_is_utf8_unescaped_and_has_no_nan(catalogue):
    data = render("json", Selection(catalogue, list(catalogue.exemples))).decode("utf-8")
    assert "fraîcheur" in data and "\\u00ee" not in data and "NaN" not in data


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(titre=TEXT, description=TEXT, partenaire=TEXT)
def test_json_round_trip_and_schema(catalogue, titre, description, partenaire):
    import jsonschema

    ex = _record(titre, description, partenaire)
    doc = json.loads(render("json", Selection(catalogue, [ex])))
    jsonschema.validate(doc, SCHEMA)
    record = doc["exemples"][0]
    assert record.pop("axe") == "habitabilite" and record.pop("source") == "rapport"
    assert record == ex.to_dict()


# ---------------------------------------------------------------------------- TOML


def _reload(data: bytes):
    return build([Source("export.toml", data.decode("utf-8"))])[0]


def test_toml_full_export_loads_back_identically(catalogue):
    reloaded = _reload(render("toml", Selection(catalogue, list(catalogue.exemples))))
    assert [e.to_dict() for e in reloaded.exemples] == [e.to_dict() for e in catalogue.exemples]
    assert reloaded.axes == catalogue.axes and reloaded.actions == catalogue.actions


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(titre=TEXT, description=TEXT, partenaire=TEXT)
def test_toml_round_trip(catalogue, titre, description, partenaire):
    ex = _record(titre, description, partenaire)
    reloaded = _reload(render("toml", Selection(catalogue, [ex], query=titre)))
    assert [e.to_dict() for e in reloaded.exemples] == [ex.to_dict()]


def test_toml_export_is_usable_with_data(qpv, tmp_path):
    target = tmp_path / "selection.toml"
    assert qpv("export", "--axe", "economie", "--format", "toml", "-o", str(target)).code == 0
    r = qpv("--sans-rapport", "--data", str(target), "list")
    assert r.code == 0 and len(r.out.splitlines()) == 1 + 8


def test_unknown_format(qpv):
    r = qpv("export", "--format", "pdf")
    assert r.code == 2 and "md, csv, json, toml, docx, xlsx, html, sqlite" in r.err


def test_export_with_query_keeps_rank_order(qpv):
    data = json.loads(qpv("export", "cerema", "--format", "json").out)
    assert data["selection"]["requete"] == "cerema"
    assert data["selection"]["commande"] == "qpv export cerema --format json"
    scores = [e["score"] for e in data["exemples"]]
    assert scores == sorted(scores, reverse=True)


def test_show_markdown(qpv):
    r = qpv("show", "paris-ilots-de-fraicheur", "--format", "md")
    assert r.out.startswith("# Cartographie des îlots de fraîcheurs")
    assert (
        "[https://www.paris.fr/pages/se-rafraichir-a-paris-24280](<https://www.paris.fr/pages/se-rafraichir-a-paris-24280>)"
        in r.out
    )


def test_the_command_in_a_file_names_the_file(qpv, tmp_path):
    """The command written in a document reproduces it: for a Word file it was « qpv export
    chaleur --format docx », which refuses to write a binary file to the terminal. The file's
    name is given, not its folder (the document is shared; the path is the writer's own)."""
    target = tmp_path / "dossier" / "chaleur.json"
    target.parent.mkdir()
    assert qpv("export", "chaleur", "-o", str(target)).code == 0
    command = json.loads(target.read_text(encoding="utf-8"))["selection"]["commande"]
    assert command == "qpv export chaleur --format json -o chaleur.json"
