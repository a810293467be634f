"""robustness.md, « Catalogue files »: every bad file gets a located French message, exit 1
(README's table: a file that cannot be read, given by --data or QPV_DATA), never a traceback."""

from __future__ import annotations

import pytest

from qpvcli import sources

GOOD = (
    '[catalogue]\nversion_schema = 1\n\n[[exemples]]\nid = "a-b"\naction = 8\ntitre = "Titre"\ndescription = "Texte."\n'
)


def write(tmp_path, data: bytes | str, name: str = "c.toml"):
    path = tmp_path / name
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return path


def load(qpv, path):
    return qpv("--data", str(path), "list")


def assert_clean_error(r, code=1):
    assert r.code == code
    assert r.err.startswith("qpv : ")
    assert "Traceback" not in r.err + r.out


def test_syntax_error_is_located(qpv, tmp_path):
    path = write(tmp_path, GOOD.replace('titre = "Titre"', "titre = Titre"))
    r = load(qpv, path)
    assert_clean_error(r)
    assert r.err.splitlines()[0] == (
        f'qpv : {path}:7:9: syntaxe TOML : texte sans guillemets : entourez-le de guillemets droits, titre = "Titre"'
    )


def test_duplicate_key(qpv, tmp_path):
    """The key is named, and the line where it was first written (it once said only « valeur
    déjà définie, elle ne peut être redéfinie »)."""
    path = write(tmp_path, GOOD + 'titre = "Encore"\n')
    r = load(qpv, path)
    assert_clean_error(r)
    assert r.err.startswith(
        f"qpv : {path}:9:1: syntaxe TOML : clé « titre » écrite deux fois dans la même table (d'abord ligne 7) :"
        " gardez-en une seule\n"
    )


def test_duplicate_table(qpv, tmp_path):
    r = load(qpv, write(tmp_path, GOOD + "[catalogue]\n"))
    assert_clean_error(r)
    assert ":9:1: syntaxe TOML : table [catalogue] écrite deux fois (d'abord ligne 1) : réunissez ses clés" in r.err


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (
            "[x]\na = 1\n  a = 2\n",
            3,
            "clé « a » écrite deux fois dans la même table (d'abord ligne 2) : gardez-en une seule",
        ),
        (
            'a.b = 1\na . "b" = 2\n',
            2,
            "clé « a.b » écrite deux fois dans la même table (d'abord ligne 1) : gardez-en une seule",
        ),
        (
            't = [{ nom = "a", nom = "b" }]\n',
            1,
            "clé « nom » écrite deux fois entre les mêmes accolades { … } : gardez-en une seule",
        ),
        (
            "a = 1\na.b = 2\n",
            2,
            "clé « a.b » : « a » a déjà une valeur (ligne 1), elle ne peut pas contenir d'autre clé",
        ),
        ("[a]\nb = 1\n[a.b]\n", 3, "table [a.b] : « b » a déjà une valeur (ligne 2)"),
        ("[[x]]\n[x]\n", 2, "table [x] : « x » est déjà une liste [[x]] (ligne 1)"),
        ("[a.b]\n[a]\nb = 1\n", 3, "clé « b » : [a.b] est déjà une table (ligne 1)"),
        # the same key in two [[exemples]] is two keys; a multi-line text is not read as keys
        (
            '[[e]]\nid = 1\n[[e]]\nid = 2\nt = """\nid = 4\n"""\nid = 3\n',
            8,
            "clé « id » écrite deux fois dans la même table (d'abord ligne 4) : gardez-en une seule",
        ),
    ],
)
def test_what_is_written_twice_is_named_with_its_first_line(text, line, message):
    from qpvcli.errors import CatalogueError
    from qpvcli.reading import parse_toml

    with pytest.raises(CatalogueError) as err:
        parse_toml(text, "f.toml")
    (problem,) = err.value.problems
    assert (problem.ligne, problem.message) == (line, f"syntaxe TOML : {message}")
    with pytest.raises(CatalogueError) as err:  # a block of a big file: lines of the file
        parse_toml(text, "f.toml", first_line=101)
    import re

    shifted = re.sub(r"ligne (\d+)", lambda m: f"ligne {int(m[1]) + 100}", problem.message)
    assert (err.value.problems[0].ligne, err.value.problems[0].message) == (line + 100, shifted)


def test_windows_1252_file(qpv, tmp_path):
    path = write(tmp_path, GOOD.replace("Texte.", "Crèche municipale.").encode("cp1252"))
    r = load(qpv, path)
    assert_clean_error(r)
    assert f"{path}:8:" in r.err and "n'est pas en UTF-8" in r.err


def test_byte_order_mark_is_accepted(qpv, tmp_path):
    r = load(qpv, write(tmp_path, b"\xef\xbb\xbf" + GOOD.encode("utf-8")))
    assert r.code == 0 and "a-b" in r.out


def test_notepad_file_bom_and_crlf(qpv, tmp_path):
    r = load(qpv, write(tmp_path, b"\xef\xbb\xbf" + GOOD.replace("\n", "\r\n").encode("utf-8")))
    assert r.code == 0 and "a-b" in r.out


def test_utf16_file_with_bom(qpv, tmp_path):
    r = load(qpv, write(tmp_path, GOOD.encode("utf-16")))
    assert r.code == 0 and "a-b" in r.out


def test_binary_file(qpv, tmp_path):
    r = load(qpv, write(tmp_path, bytes(range(256)) * 10))
    assert_clean_error(r)


@pytest.fixture(scope="module")
def documents(tmp_path_factory):
    """Files people pick by mistake for a catalogue: qpv's own exports, and a few others."""
    import zipfile

    from qpvcli import cli

    folder = tmp_path_factory.mktemp("documents")
    for name in ("axe3.docx", "exemples.xlsx", "qpv.db", "selection.html"):
        assert cli.main(["export", "--axe", "habitabilite", "-o", str(folder / name)]) == 0
    with zipfile.ZipFile(folder / "note.odt", "w") as odt:
        odt.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        odt.writestr("content.xml", "<office:document-content/>")
    (folder / "rapport.pdf").write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n")
    (folder / "ancien.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500))
    (folder / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    return folder


@pytest.mark.parametrize(
    ("name", "what"),
    [
        ("axe3.docx", "un document Word (.docx)"),
        ("exemples.xlsx", "un classeur Excel (.xlsx)"),
        ("qpv.db", "une base SQLite"),
        ("selection.html", "une page web (HTML)"),
        ("note.odt", "un document LibreOffice Writer (.odt)"),
        ("rapport.pdf", "un document PDF"),
        ("ancien.doc", "un ancien document Word, Excel ou PowerPoint (.doc, .xls, .ppt)"),
        ("photo.png", "une image PNG"),
    ],
)
def test_a_document_given_as_catalogue_is_named(qpv, documents, monkeypatch, name, what):
    """`--data axe3.docx` once said « pas en UTF-8 (Windows-1252 ?) » and suggested iconv."""
    path = documents / name
    before = path.read_bytes()
    said = (
        f"{path}: c'est {what}, pas un catalogue TOML : qpv lit des fichiers texte .toml (voir "
        "docs/catalogue-personnel.md). Pour en créer un : qpv nouveau -o mes-exemples.toml ; pour "
        "réutiliser une sélection : qpv export --format toml -o selection.toml"
    )
    r = qpv("--data", str(path), "list")
    assert r.code == 1 and r.err.startswith(f"qpv : {said}\n"), r.err
    assert "UTF-8" not in r.err and "iconv" not in r.err
    r = qpv("valider", str(path))
    assert r.code == 1 and r.out == said + "\n"
    r = qpv("nouveau", "-o", str(path), "--action", "8", "--titre", "T", "--description", "D")
    assert r.code == 1 and r.err == f"qpv : {said}\n"
    monkeypatch.setenv("QPV_DATA", str(path))
    assert qpv("list").err.startswith(f"qpv : {said}\n")
    assert path.read_bytes() == before


def test_a_big_document_read_in_blocks_is_named_too(documents):
    from qpvcli.errors import CatalogueError

    data = (documents / "axe3.docx").read_bytes()
    with pytest.raises(CatalogueError, match="c'est un document Word"):
        list(sources.decode_lines([data[i : i + 1000] for i in range(0, len(data), 1000)], "axe3.docx"))


def test_text_that_merely_starts_like_a_document_is_still_text():
    for text in ("PK = 1\n", "BZh = 2\n", "GIF = 3\n", 'html = "<html>"\n'):
        assert sources.binary_kind(text.encode()) is None, text


def test_empty_file(qpv, tmp_path):
    r = load(qpv, write(tmp_path, ""))
    assert_clean_error(r)
    assert "ni section [catalogue] ni exemple [[exemples]]" in r.err


def test_all_schema_violations_listed_at_once(qpv, tmp_path):
    bad = GOOD.replace('id = "a-b"', 'id = "A B"').replace("action = 8", 'action = "huit"') + "inconnu = 1\n"
    r = load(qpv, write(tmp_path, bad))
    assert_clean_error(r)
    assert r.err.count("\n") == 4  # three errors, then where the file came from
    assert "champ « inconnu » inconnu" in r.err and "« action » doit être un nombre entier" in r.err


def test_too_big_file(qpv, tmp_path, monkeypatch):
    monkeypatch.setattr(sources, "MAX_FILE_BYTES", 100)
    r = load(qpv, write(tmp_path, GOOD))
    assert_clean_error(r)
    assert "fichier trop gros" in r.err


def test_absurd_nesting(qpv, tmp_path):
    r = load(qpv, write(tmp_path, GOOD + "x = " + "[" * 50_000 + "]" * 50_000 + "\n"))
    assert_clean_error(r)
    assert "imbrication" in r.err or "syntaxe TOML" in r.err


def test_very_long_line(qpv, tmp_path):
    r = load(qpv, write(tmp_path, GOOD.replace("Texte.", "mot " * 200_000)))
    assert r.code == 0


@pytest.mark.parametrize("option", [True, False])
def test_missing_file(qpv, tmp_path, monkeypatch, option):
    missing = tmp_path / "absent.toml"
    if option:
        r = qpv("--data", str(missing), "list")
        assert_clean_error(r, code=1)
        assert r.err == f"qpv : --data : fichier introuvable : {missing}\n"
    else:
        monkeypatch.setenv("QPV_DATA", str(missing))
        r = qpv("list")
        assert_clean_error(r, code=1)
        assert r.err == (
            f"qpv : {missing}: fichier introuvable\n"
            f"{missing} vient de QPV_DATA : pour vous en passer, retirez-le de QPV_DATA (ou lancez « QPV_DATA= qpv … »).\n"
        )


def test_folder_given_as_catalogue(qpv, tmp_path):
    r = qpv("--data", str(tmp_path), "list")
    assert_clean_error(r, code=1)
    assert "est un dossier" in r.err


def test_unreadable_file(qpv, tmp_path, monkeypatch):
    from qpvcli import sources

    path = write(tmp_path, GOOD)

    def refuse(name, *args, **kwargs):
        if str(name) == str(path):
            raise PermissionError(13, "Permission denied")
        return open(name, *args, **kwargs)

    monkeypatch.setattr(sources, "open", refuse, raising=False)  # root reads a chmod 000 file
    r = load(qpv, path)
    assert_clean_error(r)
    assert r.err.startswith(f"qpv : {path}: lecture refusée (permissions du fichier)\n{path} vient de --data")


def test_many_errors_are_summarised(qpv, tmp_path):
    blocks = "".join(f'\n[[exemples]]\nid = "x{i}"\naction = 99\ntitre = "T"\ndescription = "D"\n' for i in range(30))
    r = load(qpv, write(tmp_path, "[catalogue]\nversion_schema = 1\n" + blocks))
    assert_clean_error(r)
    assert "… et 10 autres erreurs (voir « qpv valider »)" in r.err


# ---------------------------------------------------------------------------- shapes TOML allows, qpv would ignore


@pytest.mark.parametrize(
    ("text", "key"),
    [
        (
            '[catalogue]\nversion_schema = 1\nexemples = [{ id = "x", action = 8, titre = "T", description = "D" }]\n',
            "exemples",
        ),
        ('[catalogue]\nversion_schema = 1\n[catalogue.exemples]\nid = "x"\n', "exemples"),
        ('[catalogue]\nversion_schema = 1\n[[catalogue.exemples]]\nid = "x"\n', "exemples"),
        ('[catalogue]\nversion_schema = 1\nactions = [{ numero = 20, axe = "cohesion", titre = "T" }]\n', "actions"),
        ("[catalogue]\nversion_schema = 1\naxes = []\n", "axes"),
    ],
    ids=["inline-exemples", "sub-table", "sub-array", "inline-actions", "empty-axes"],
)
def test_records_written_inside_catalogue_are_reported(qpv, tmp_path, text, key):
    path = write(tmp_path, text)
    for r in (qpv("valider", str(path)), load(qpv, path)):
        assert r.code == 1
        assert f"« {key} » est écrit dans la section [catalogue]" in r.out + r.err
    assert "0 erreur" not in qpv("valider", str(path)).err


def test_inline_exemples_before_catalogue_are_read(qpv, tmp_path):
    text = 'exemples = [{ id = "x-y", action = 8, titre = "T", description = "D" }]\n[catalogue]\nversion_schema = 1\n'
    r = load(qpv, write(tmp_path, text))
    assert r.code == 0 and "x-y" in r.out


@pytest.mark.parametrize("big", [False, True], ids=["small", "streamed"])
@pytest.mark.parametrize("table", ["[extras]\na = 1\n", "[[extras]]\na = 1\n", "extras = { a = 1 }\n"])
def test_unknown_top_level_table_is_reported(qpv, tmp_path, big, table):
    records = (
        GOOD
        if not big
        else GOOD
        + "".join(
            f'\n[[exemples]]\nid = "x{i}"\naction = 8\ntitre = "Titre {i}"\ndescription = "{"D" * 200}"\n'
            for i in range(5000)
        )
    )
    text = table + records if table.startswith("extras") else records + "\n" + table
    path = write(tmp_path, text)
    for r in (qpv("valider", str(path)), load(qpv, path)):
        assert r.code == 1 and "section « extras » inconnue" in r.out + r.err
