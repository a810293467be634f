"""Word, Excel, HTML and SQLite exports; the format from the file name; every record's source;
Markdown that converts well; the HTML page in a real browser (skipped without one)."""

from __future__ import annotations

import io
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qpvcli.export import Selection, render
from qpvcli.export import csv as csv_export
from qpvcli.export.xlsx import sheet_columns
from qpvcli.fields import columns, detail_rows
from qpvcli.model import Contact, Exemple, Ressource, Territoire

from .test_export import HOSTILE, TEXT
from .test_user_catalogue import MINIMAL

GOLDEN = Path(__file__).parent / "golden"
UPDATE = bool(os.environ.get("QPV_UPDATE_GOLDEN"))
MINE_LABEL = "(Initiatives du 94)"


@pytest.fixture(autouse=True)
def _fixed_date(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764028800")  # 2025-11-25


@pytest.fixture
def mine(tmp_path):
    path = tmp_path / "mes-exemples.toml"
    path.write_text(MINIMAL, encoding="utf-8")
    return path


def _record(titre="Titre", description="Description.", partenaire="Partenaire", **extra) -> Exemple:
    values = {
        "id": "exemple-hostile",
        "action": 8,
        "titre": titre,
        "description": description,
        "partenaires": (partenaire,),
        "territoires": (Territoire("Ain", "01", "Auvergne-Rhône-Alpes"),),
        "ressources": (Ressource(url="https://example.org/a_(b)?c=d&e=f", libelle=partenaire),),
        "contacts": (Contact(nom=partenaire, email="a.b@example.org"),),
    }
    values.update(extra)
    return Exemple(**values)


# ---------------------------------------------------------------------------- the format from the file name

SIGNATURES = {
    "md": lambda b: b.startswith(b"# Actions"),
    "csv": lambda b: b.startswith(b"\xef\xbb\xbfaxe_numero;"),
    "json": lambda b: b.startswith(b"{\n"),
    "toml": lambda b: b.startswith(b"# Catalogue qpv"),
    "docx": lambda b: "word/document.xml" in zipfile.ZipFile(io.BytesIO(b)).namelist(),
    "xlsx": lambda b: "xl/workbook.xml" in zipfile.ZipFile(io.BytesIO(b)).namelist(),
    "html": lambda b: b.startswith(b"<!doctype html>"),
    "sqlite": lambda b: b.startswith(b"SQLite format 3\x00"),
}
NAMES = {
    "note.md": "md",
    "t.csv": "csv",
    "d.json": "json",
    "c.toml": "toml",
    "note.docx": "docx",
    "NOTE.DOCX": "docx",
    "tableau.xlsx": "xlsx",
    "page.html": "html",
    "page.htm": "html",
    "qpv.db": "sqlite",
    "qpv.sqlite": "sqlite",
    "qpv.sqlite3": "sqlite",
}


@pytest.mark.parametrize("name", NAMES)
def test_the_file_name_gives_the_format(qpv, tmp_path, name):
    target = tmp_path / name
    r = qpv("export", "--action", "8", "-o", str(target))
    assert r.code == 0, r.err
    assert SIGNATURES[NAMES[name]](target.read_bytes())


def test_an_extension_contradicting_format_is_a_usage_error(qpv, tmp_path):
    target = tmp_path / "x.xlsx"
    r = qpv("export", "--format", "csv", "-o", str(target))
    assert r.code == 2 and "--format csv contredit l'extension « .xlsx »" in r.err
    assert not target.exists()


def test_an_unknown_extension_without_format_lists_the_formats(qpv, tmp_path):
    r = qpv("export", "-o", str(tmp_path / "note.txt"))
    assert r.code == 2 and "« .txt »" in r.err and ".docx" in r.err and "md, csv, json, toml, docx" in r.err
    r = qpv("export", "--format", "md", "-o", str(tmp_path / "note.txt"))
    assert r.code == 0 and (tmp_path / "note.txt").read_text(encoding="utf-8").startswith("# Actions")


@pytest.mark.parametrize(("alias", "name", "kind"), [("excel", "a.xlsx", "xlsx"), ("markdown", "a.md", "md")])
def test_format_aliases(qpv, tmp_path, alias, name, kind):
    r = qpv("export", "--action", "8", "--format", alias, "-o", str(tmp_path / name))
    assert r.code == 0, r.err
    assert SIGNATURES[kind]((tmp_path / name).read_bytes())


@pytest.mark.parametrize("fmt", ["docx", "xlsx", "sqlite"])
def test_binary_formats_are_not_written_to_a_terminal(qpv, fmt):
    r = qpv("export", "--format", fmt, tty=True)
    assert r.code == 2 and "ne s'affiche pas dans le terminal" in r.err and "-o selection." in r.err


def test_binary_format_goes_to_a_pipe():
    out = subprocess.run(
        [sys.executable, "-m", "qpvcli", "export", "--action", "8", "--format", "xlsx"], capture_output=True, check=True
    ).stdout
    assert SIGNATURES["xlsx"](out)


def test_other_commands_do_not_import_the_export_libraries(tmp_path):
    code = (
        "import sys; from qpvcli import cli; cli.main(sys.argv[1:]); "
        "bad = {'docx', 'xlsxwriter', 'openpyxl', 'lxml'} & {m.split('.')[0] for m in sys.modules}; "
        "sys.stderr.write('IMPORTED=' + ','.join(sorted(bad)))"
    )
    env = {**os.environ, "QPV_CACHE_DIR": str(tmp_path)}
    for args in (["--version"], ["list"]):
        r = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, check=False)
        assert r.stderr.strip().endswith("IMPORTED="), (args, r.stderr)


# ---------------------------------------------------------------------------- every record carries its source


@pytest.mark.parametrize("fmt", ["md", "csv", "json", "toml", "html", "docx", "xlsx", "sqlite"])
def test_every_format_names_the_users_catalogue_and_the_data_option(qpv, mine, tmp_path, fmt):
    target = tmp_path / f"out.{fmt}"
    r = qpv("--data", str(mine), "export", "--territoire", "94", "--format", fmt, "-o", str(target))
    assert r.code == 0, r.err
    data = target.read_bytes()
    if fmt == "docx":
        import docx

        doc = docx.Document(io.BytesIO(data))
        text = "\n".join(p.text for p in doc.paragraphs) + "\n".join(
            c.text for t in doc.tables for row in t.rows for c in row.cells
        )
        text += doc.sections[0].footer.paragraphs[0].text
    elif fmt == "xlsx":
        import openpyxl

        book = openpyxl.load_workbook(io.BytesIO(data))
        text = "\n".join(str(c.value) for ws in book for row in ws.iter_rows() for c in row if c.value is not None)
    elif fmt == "sqlite":
        target.write_bytes(data)
        conn = sqlite3.connect(target)
        text = "\n".join(v for (v,) in conn.execute("SELECT valeur FROM metadata"))
        text += "\n".join(v for (v,) in conn.execute("SELECT source FROM exemples"))
        conn.close()
    else:
        text = data.decode("utf-8-sig")
        if fmt == "md":
            text = re.sub(r"\\(.)", r"\1", text)  # Markdown escapes
    # The file by its name, not where it lives (a client's document does not show the network drive).
    assert f"{mine.name} {MINE_LABEL}" in text and f"{mine} {MINE_LABEL}" not in text
    if fmt != "csv":  # CSV has no header block: the source is per row
        assert f"--data {mine}" in text


def test_show_names_a_users_catalogue(qpv, mine, tmp_path):
    r = qpv("--data", str(mine), "show", "ivry-jardin-partage", "--format", "md")
    assert f"Source : {mine.name} {MINE_LABEL}" in re.sub(r"\\(.)", r"\1", r.out) and "Pour renforcer" not in r.out
    target = tmp_path / "fiche.docx"
    assert qpv("--data", str(mine), "show", "ivry-jardin-partage", "-o", str(target)).code == 0
    import docx

    doc = docx.Document(str(target))
    assert any(f"{mine.name} {MINE_LABEL}" in p.text for p in doc.paragraphs)


# ---------------------------------------------------------------------------- Word


def _hyperlinks(doc) -> set[str]:
    return {r.target_ref for r in doc.part.rels.values() if r.reltype.endswith("/hyperlink")}


def test_docx_structure(catalogue, qpv, tmp_path):
    import docx
    from docx.shared import Mm

    target = tmp_path / "note.docx"
    assert qpv("export", "-o", str(target)).code == 0
    doc = docx.Document(str(target))
    section = doc.sections[0]
    assert abs(section.page_width - Mm(210)) < Mm(1) and abs(section.page_height - Mm(297)) < Mm(1)
    styles = [p.style.name for p in doc.paragraphs]
    assert styles.count("Heading 1") == 4 and styles.count("Heading 2") == 11 and styles.count("Heading 3") == 40
    xml = doc.element.xml
    assert 'TOC \\o "1-3"' in xml, "a table of contents field"
    anchors = set(re.findall(r'w:anchor="([^"]+)"', xml))
    bookmarks = set(re.findall(r'w:bookmarkStart [^>]*w:name="([^"]+)"', xml))
    assert len(anchors) == 55 and anchors <= bookmarks, "every TOC entry links to its heading"
    links = _hyperlinks(doc)
    assert {r.url for e in catalogue.exemples for r in e.ressources if r.url} <= links
    assert {f"mailto:{c.email}" for e in catalogue.exemples for c in e.contacts if c.email} <= links
    footer = section.footer.paragraphs[0]
    assert "Source : Pour renforcer" in footer.text and "PAGE" in footer._p.xml and "NUMPAGES" in footer._p.xml
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "40 exemples : tout le catalogue" in text and "qpv export --format docx" in text
    facts = doc.tables
    assert len(facts) == 40 and all(len(t.columns) == 2 for t in facts)
    paris = catalogue.exemple("paris-ilots-de-fraicheur")
    table = facts[[e.id for e in catalogue.exemples].index(paris.id)]
    labels = [row.cells[0].text for row in table.rows]
    assert labels == [label for label, _ in detail_rows(catalogue, paris) if label != "Description"]


def test_docx_compact_is_one_landscape_table(qpv, tmp_path):
    import docx

    target = tmp_path / "compact.docx"
    assert qpv("export", "--action", "3", "--compact", "-o", str(target)).code == 0
    doc = docx.Document(str(target))
    section = doc.sections[0]
    assert section.page_width > section.page_height
    (table,) = doc.tables
    assert len(table.rows) == 1 + 10 and len(table.columns) == 6
    widths = [c.width for c in table.rows[1].cells]
    assert widths[1] > 3 * widths[0], "the title column is wide, the number column narrow"
    title_cell = table.rows[1].cells[1]
    assert len(title_cell.paragraphs) == 2, "the id is on its own line, not glued to the title"


def test_docx_show(qpv, tmp_path, catalogue):
    import docx

    target = tmp_path / "fiche.docx"
    r = qpv("show", "paris-ilots-de-fraicheur", "--format", "docx", "-o", str(target))
    assert r.code == 0, r.err
    doc = docx.Document(str(target))
    assert doc.paragraphs[0].text.startswith("Cartographie des îlots") and doc.paragraphs[0].style.name == "Title"
    assert "https://www.paris.fr/pages/se-rafraichir-a-paris-24280" in _hyperlinks(doc)
    assert qpv("show", "paris-ilots-de-fraicheur", "--format", "docx", tty=True).code == 2


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(titre=TEXT, description=TEXT, partenaire=TEXT)
def test_docx_keeps_hostile_text(catalogue, titre, description, partenaire):
    import docx

    ex = _record(titre, description, partenaire, ressources=(Ressource(url="javascript:alert(1)", libelle="x"),))
    doc = docx.Document(io.BytesIO(render("docx", Selection(catalogue, [ex]))))
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 3"]
    assert headings == [" ".join(titre.split())]
    assert not any(t.startswith("javascript") for t in _hyperlinks(doc))


# ---------------------------------------------------------------------------- Excel


def test_xlsx_structure(catalogue, qpv, tmp_path):
    import openpyxl

    target = tmp_path / "t.xlsx"
    assert qpv("export", "-o", str(target)).code == 0
    book = openpyxl.load_workbook(str(target))
    assert book.sheetnames == ["Exemples", "Actions", "Source"]
    sheet = book["Exemples"]
    cols = sheet_columns()
    assert sorted(c.name for c in cols) == sorted(c.name for c in columns())
    assert [c.value for c in sheet[1]] == [c.label for c in cols]
    # The title in the first screen, kept in view with the action's number when scrolling right.
    assert [c.name for c in cols[:3]] == ["action_numero", "titre", "description"]
    # Printed, each page repeats them too, at a scale where the description fits beside them.
    assert sheet.print_title_cols == "$A:$B" and sheet.print_title_rows == "$1:$1"
    assert sheet.page_setup.scale == 80 and sheet.page_setup.orientation == "landscape"
    assert sheet.freeze_panes == "C2" and sheet.auto_filter.ref == f"A1:{sheet.cell(1, len(cols)).column_letter}41"
    at = {c.name: i for i, c in enumerate(cols)}
    rows = list(sheet.iter_rows(min_row=2))
    paris = next(r for r in rows if r[at["id"]].value == "paris-ilots-de-fraicheur")
    assert paris[at["id"]].data_type == "s" and paris[at["departements"]].value == "75 Paris"
    assert paris[at["cout_eur"]].value == 0 and paris[at["cout_eur"]].data_type == "n"
    assert "€" in paris[at["cout_eur"]].number_format
    assert paris[at["description"]].alignment.wrap_text
    assert paris[at["ressources"]].hyperlink.target == "https://www.paris.fr/pages/se-rafraichir-a-paris-24280"
    assert cols[2].name == "description" and sheet.column_dimensions["C"].width >= 60
    actions = [[c.value for c in r] for r in book["Actions"].iter_rows(min_row=2)]
    assert len(actions) == 11 + 1 and actions[-1][-1] == 40
    assert sum(r[4] for r in actions[:-1]) == 40
    source = [[c.value for c in r] for r in book["Source"].iter_rows()]
    assert ["Pour la reproduire", "qpv export --format xlsx -o t.xlsx"] in source
    assert any(r[0] == "Source" and r[1].startswith("Pour renforcer la résilience") for r in source)


def _xlsx_rows(data: bytes) -> list[dict]:
    import openpyxl

    sheet = openpyxl.load_workbook(io.BytesIO(data))["Exemples"]
    cols = sheet_columns()
    out = []
    for row in sheet.iter_rows(min_row=2, values_only=True):
        values = {}
        for c, v in zip(cols, row, strict=True):
            values[c.name] = csv_export.restore(v) if isinstance(v, str) else v
        out.append(values)
    return out


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(titre=TEXT, description=TEXT, partenaire=TEXT, cout=st.one_of(st.none(), st.integers(0, 10**12)))
def test_xlsx_round_trip(catalogue, titre, description, partenaire, cout):
    ex = _record(titre, description, partenaire, cout_eur=cout, pilotage=titre)
    (row,) = _xlsx_rows(render("xlsx", Selection(catalogue, [ex])))
    expected = {c.name: (None if (v := c.value(catalogue, ex)) == "" else v) for c in columns()}
    assert row == expected


def test_xlsx_neutralises_formulas_in_every_text_cell(catalogue):
    import openpyxl

    ex = _record('=HYPERLINK("http://x")', "+1", "@SUM(A1)", duree="-2", cout_eur=1200)
    sheet = openpyxl.load_workbook(io.BytesIO(render("xlsx", Selection(catalogue, [ex]))))["Exemples"]
    values = [c.value for c in sheet[2]]
    texts = [v for v in values if isinstance(v, str)]
    assert not any(re.match(r"[=+\-@]", v) for v in texts)
    assert '\'=HYPERLINK("http://x")' in values and "'+1" in values and "'-2" in values and 1200 in values
    assert all(c.data_type != "f" for c in sheet[2])


# ---------------------------------------------------------------------------- HTML


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()
        self.hrefs: list[str] = []
        self.srcs: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "a" and "href" in a:
            self.hrefs.append(a["href"])
        for key in ("src", "srcset", "data"):
            if key in a:
                self.srcs.append(a[key])
        if tag == "link":
            self.srcs.append(a.get("href", ""))


def _page(text: str) -> _Page:
    p = _Page()
    p.feed(text)
    return p


@pytest.mark.parametrize(("name", "args"), [("action-8.html", ["--action", "8"]), ("complet.html", [])])
def test_html_golden(qpv, tmp_path, name, args):
    target = tmp_path / name
    assert qpv("export", *args, "-o", str(target)).code == 0
    data = target.read_bytes()
    if UPDATE:
        (GOLDEN / name).write_bytes(data)
    assert data == (GOLDEN / name).read_bytes(), "QPV_UPDATE_GOLDEN=1 to accept"


def test_html_is_self_contained_with_working_anchors(catalogue):
    text = render("html", Selection(catalogue, list(catalogue.exemples))).decode()
    page = _page(text)
    assert not page.srcs and page.tags.count("script") == 1 and "@media print" in text and "size: A4" in text
    assert "default-src 'none'" in text
    for href in page.hrefs:
        assert href.startswith(("http://", "https://", "mailto:", "#")), href
        if href.startswith("#"):
            assert href[1:] in page.ids, href
    assert len([h for h in page.hrefs if h.startswith("#")]) == 4 + 11 + 40


def test_html_escapes_hostile_text(catalogue):
    ex = _record(
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(2)">\n1) ligne',
        "</td></tr></table>",
        ressources=(Ressource(url="javascript:alert(3)", libelle="piège"), Ressource(url='https://a.b/"><x>')),
        contacts=(Contact(email='x"@y.z onmouseover=alert(4)'),),
    )
    text = render("html", Selection(catalogue, [ex])).decode()
    page = _page(text)
    assert page.tags.count("script") == 1 and "img" not in page.tags and "x" not in page.tags
    assert not any("javascript" in h or "onmouseover" in h for h in page.hrefs)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium n'est pas installé")
    binary, driver = _chromium(), shutil.which("chromedriver")
    if binary is None or driver is None:
        pytest.skip("no headless browser: install Debian's chromium and chromium-driver to run the HTML page tests")
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium')}",
        "--window-size=1200,900",
    ):
        options.add_argument(flag)
    from selenium.webdriver.chrome.service import Service

    try:
        b = webdriver.Chrome(options=options, service=Service(executable_path=driver))
    except Exception as err:  # a browser that will not start is no browser
        pytest.skip(f"headless chromium did not start: {err}")
    yield b
    b.quit()


def test_html_page_in_a_browser(browser, catalogue, tmp_path):
    from selenium.webdriver.common.by import By

    page = tmp_path / "page.html"
    page.write_bytes(render("html", Selection(catalogue, list(catalogue.exemples))))
    browser.get(page.as_uri())
    articles = browser.find_elements(By.CSS_SELECTOR, "article.exemple")
    assert len(articles) == 40 and all(a.is_displayed() for a in articles[:3])
    box = browser.find_element(By.ID, "filtre")
    assert box.is_displayed(), "the filter box appears with JavaScript"
    box.send_keys("fraicheur paris")  # accents and case ignored
    shown = [a.get_attribute("id") for a in articles if a.is_displayed()]
    assert shown == ["paris-ilots-de-fraicheur"]
    assert browser.find_element(By.ID, "compte").text == "1 exemple sur 40"
    toc = browser.find_elements(By.CSS_SELECTOR, "nav.sommaire a")
    assert sum(1 for a in toc if a.is_displayed()) == 3, "the table of contents narrows too (axis, action, example)"
    box.clear()
    box.send_keys(" ")
    assert sum(1 for a in articles if a.is_displayed()) == 40
    browser.find_element(By.CSS_SELECTOR, 'nav.sommaire a[href="#action-8"]').click()
    assert browser.execute_script("return location.hash") == "#action-8"
    top = browser.execute_script("return document.getElementById('action-8').getBoundingClientRect().top")
    assert abs(top) < 80, "the anchor scrolled its section into view"
    assert browser.execute_script("return performance.getEntriesByType('resource').length") == 0, "no request"


def test_html_page_is_complete_without_javascript(catalogue):
    text = render("html", Selection(catalogue, list(catalogue.exemples))).decode()
    without = re.sub(r"<script>.*?</script>", "", text, flags=re.S)
    page = _page(without)
    assert sum(1 for t in page.tags if t == "article") == 40
    assert '<div class="filtre" hidden>' in without, "no dead filter box without JavaScript"


# ---------------------------------------------------------------------------- SQLite


def _db(tmp_path, selection: Selection) -> sqlite3.Connection:
    path = tmp_path / "qpv.db"
    path.write_bytes(render("sqlite", selection))
    return sqlite3.connect(path)


def test_sqlite_tables_search_and_source(catalogue, tmp_path):
    conn = _db(tmp_path, Selection(catalogue, list(catalogue.exemples), command="qpv export --format sqlite"))
    tables = {n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"exemples", "axes", "actions", "partenaires", "exemple_partenaires", "metadata", "exemples_fts"} <= tables
    cols = [r[1] for r in conn.execute("PRAGMA table_info(exemples)")]
    assert cols == [c.name for c in columns()]
    assert conn.execute("SELECT count(*) FROM exemples").fetchone() == (40,)
    # Datasette's own detection of a table's full-text index (datasette.utils.detect_fts).
    detect = (
        "SELECT name FROM sqlite_master WHERE rootpage = 0 AND (sql LIKE '%VIRTUAL TABLE%USING FTS%content=\"exemples\"%'"
        " OR sql LIKE '%VIRTUAL TABLE%USING FTS%content=[exemples]%')"
    )
    assert conn.execute(detect).fetchall() == [("exemples_fts",)]
    found = conn.execute(
        "SELECT id FROM exemples WHERE rowid IN (SELECT rowid FROM exemples_fts WHERE exemples_fts MATCH 'vegetalisation')"
    ).fetchall()
    assert ("saint-etienne-dalle-vegetalisee",) in found, "accents ignored"
    anru = conn.execute(
        "SELECT count(*) FROM exemple_partenaires JOIN partenaires ON partenaires.id = partenaire_id WHERE nom = 'ANRU'"
    ).fetchone()[0]
    assert anru == sum("ANRU" in e.partenaires for e in catalogue.exemples)
    fks = {(r[2], r[3]) for r in conn.execute("PRAGMA foreign_key_list(exemples)")}
    assert ("actions", "action_numero") in fks
    meta = dict(conn.execute("SELECT cle, valeur FROM metadata"))
    assert meta["commande"] == "qpv export --format sqlite" and meta["source"].startswith("Pour renforcer")
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    conn.close()


def test_sqlite_in_datasette(catalogue, tmp_path):
    pytest.importorskip("datasette", reason="datasette is not installed (it is not a dependency of qpv)")
    import asyncio

    from datasette.app import Datasette

    path = tmp_path / "qpv.db"
    path.write_bytes(render("sqlite", Selection(catalogue, list(catalogue.exemples))))

    async def ask():
        ds = Datasette([str(path)])
        r = await ds.client.get("/qpv/exemples.json?_search=fraicheur&_shape=array")
        return r.status_code, [row["id"] for row in r.json()]

    assert asyncio.run(ask()) == (200, ["paris-ilots-de-fraicheur"])


# ---------------------------------------------------------------------------- Markdown that converts well


def test_markdown_neutralises_html_links_and_line_starts(catalogue):
    from markdown_it import MarkdownIt

    ex = _record(
        "Titre <img src=x onerror=alert(1)>",
        "1) premier point\n2) second\n- tiret\n# dièse\n: deux-points\n<script>alert(2)</script>",
        "Partenaire",
        ressources=(Ressource(url="javascript:alert(3)", libelle="piège"), Ressource(fichier="a`b.pdf")),
    )
    text = render("md", Selection(catalogue, [ex])).decode()
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    kinds = {t.type for t in tokens} | {c.type for t in tokens for c in t.children or []}
    assert not kinds & {"html_block", "html_inline", "ordered_list_open"}
    hrefs = [c.attrs["href"] for t in tokens for c in t.children or [] if c.type == "link_open"]
    assert not any(h.startswith("javascript") for h in hrefs)
    assert "1\\) premier point\\\n2\\) second\\\n\\- tiret\\\n\\# dièse\\\n\\: deux-points" in text
    html = MarkdownIt("commonmark").render(text)
    assert "<script>" not in html and "<img" not in html


@settings(max_examples=300, deadline=None)
@given(st.one_of(HOSTILE, st.text(min_size=1, max_size=30)))
def test_heading_ids_agree_between_pandoc_and_github(title):
    from qpvcli.export.md import github_slug, heading, pandoc_slug

    shown = heading(title)
    assert github_slug(shown) == pandoc_slug(shown) and github_slug(shown)


@pytest.mark.skipif(shutil.which("pandoc") is None, reason="pandoc is not installed")
def test_table_of_contents_works_after_pandoc(catalogue, tmp_path):
    source = tmp_path / "note.md"
    source.write_bytes(render("md", Selection(catalogue, list(catalogue.exemples))))
    target = tmp_path / "note.docx"
    subprocess.run(["pandoc", str(source), "-o", str(target)], check=True, capture_output=True)
    xml = zipfile.ZipFile(target).read("word/document.xml").decode()
    anchors = set(re.findall(r'w:anchor="([^"]+)"', xml))
    bookmarks = set(re.findall(r'w:bookmarkStart [^>]*w:name="([^"]+)"', xml))
    assert len(anchors) == 55 and anchors <= bookmarks


# ---------------------------------------------------------------------------- CSV


@pytest.mark.parametrize("excel", [True, False])
def test_csv_quotes_a_lone_cr_and_neutralises_every_text_cell(catalogue, excel):
    ex = _record("a\rb", "=1", "@x", duree="+2", pilotage="-3", credit_photo='"q"')
    data = render("csv", Selection(catalogue, [ex]), excel=excel)
    text = data.decode("utf-8-sig")
    assert '"a\rb"' in text
    (row,) = csv_export.parse(data, excel=excel)
    assert row["titre"] == "a\rb" and row["description"] == "=1" and row["credit_photo"] == '"q"'
    raw = text.split("\r\n" if excel else "\n")[1]
    assert "'=1" in raw and "'@x" in raw and "'+2" in raw and "'-3" in raw


def test_csv_readable_headers(qpv):
    r = qpv("export", "--action", "8", "--format", "csv", "--entetes-lisibles")
    header = r.out.lstrip("\ufeff").splitlines()[0]
    assert header == ";".join(c.label for c in columns())
    assert "--entetes-lisibles" in qpv("export", "--action", "8", "--format", "json", "--entetes-lisibles").out
