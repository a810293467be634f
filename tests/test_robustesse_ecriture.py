"""robustness.md, « Writing files »: refuse to overwrite, write through a temporary file then
os.replace, never touch the catalogue being read; spreadsheets and Markdown get safe cells."""

from __future__ import annotations

import os
import stat

import pytest

from qpvcli.export import Selection, render
from qpvcli.model import Exemple, Territoire

# ---------------------------------------------------------------------------- files


def test_existing_file_refused_without_force(qpv, tmp_path):
    target = tmp_path / "note.md"
    target.write_text("mon travail", encoding="utf-8")
    r = qpv("export", "--action", "1", "-o", str(target))
    assert r.code == 1
    assert r.err == f"qpv : {target} existe déjà : ajoutez --force pour le remplacer.\n"
    assert target.read_text(encoding="utf-8") == "mon travail"
    r = qpv("export", "--action", "1", "-o", str(target), "--force")
    assert r.code == 0 and target.read_text(encoding="utf-8").startswith("# Actions clés")
    assert r.err == f"1 exemple exporté dans {target}\n"


def test_missing_folder(qpv, tmp_path):
    r = qpv("export", "-o", str(tmp_path / "absent" / "x.md"))
    assert r.code == 1 and "le dossier" in r.err and "n'existe pas" in r.err


def test_output_is_a_folder(qpv, tmp_path):
    r = qpv("export", "-o", str(tmp_path))
    assert r.code in (1, 2) and "Traceback" not in r.err


@pytest.mark.skipif(os.geteuid() == 0 if hasattr(os, "geteuid") else False, reason="root ignores folder permissions")
def test_read_only_folder(qpv, tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        r = qpv("export", "-o", str(folder / "x.md"))
        assert r.code == 1 and "écriture refusée" in r.err
    finally:
        folder.chmod(stat.S_IRWXU)


def test_permission_denied_is_a_french_message(qpv, tmp_path, monkeypatch):
    import tempfile

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    r = qpv("export", "-o", str(tmp_path / "x.md"))
    assert r.code == 1 and r.err.startswith("qpv : ") and "écriture refusée" in r.err


@pytest.mark.parametrize("failure", [OSError(28, "No space left on device"), KeyboardInterrupt()])
def test_failure_mid_write_keeps_old_file_and_leaves_no_temp(qpv, tmp_path, monkeypatch, failure):
    target = tmp_path / "export.csv"
    target.write_bytes(b"ancien contenu")

    def broken_replace(src, dst):
        raise failure

    monkeypatch.setattr(os, "replace", broken_replace)
    r = qpv("export", "--format", "csv", "-o", str(target), "--force")
    assert r.code == (1 if isinstance(failure, OSError) else 130)
    assert target.read_bytes() == b"ancien contenu"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export.csv"]
    if isinstance(failure, OSError):
        assert "disque plein" in r.err


def test_never_overwrites_the_catalogue_being_read(qpv, tmp_path):
    source = tmp_path / "mes-exemples.toml"
    assert qpv("export", "--action", "5", "--format", "toml", "-o", str(source)).code == 0
    before = source.read_bytes()
    r = qpv("--sans-rapport", "--data", str(source), "export", "--format", "toml", "-o", str(source), "--force")
    assert r.code == 1 and "catalogue en cours de lecture" in r.err
    assert source.read_bytes() == before


def test_csv_injection_neutralised_and_opt_out(qpv, tmp_path):
    path = tmp_path / "c.toml"
    path.write_text(
        '[catalogue]\nversion_schema = 1\n[[exemples]]\nid = "x"\naction = 8\ntitre = "=cmd|\' /C calc\'!A0"\n'
        'description = "@SUM(1+1)"\npartenaires = ["+33 1 23", "-moins", "\\tTab"]\n',
        encoding="utf-8",
    )
    out = qpv("--data", str(path), "export", "--format", "csv").out.splitlines()[-1]
    assert "'=cmd|" in out and ";'@SUM(1+1);" in out and "'+33 1 23 ; -moins" in out
    raw = qpv("--data", str(path), "export", "--format", "csv", "--csv-brut").out.splitlines()[-1]
    assert ";=cmd|" in raw.replace('"', "") and ";@SUM(1+1);" in raw


def test_departement_codes_keep_leading_zeros(catalogue):
    ex = Exemple(
        id="ain",
        action=8,
        titre="T",
        description="D",
        territoires=(Territoire("Bourg-en-Bresse", "01", "Auvergne-Rhône-Alpes"),),
    )
    text = render("csv", Selection(catalogue, [ex])).decode("utf-8-sig")
    assert ";01 Ain;" in text


def test_markdown_table_cells_escape_pipes_and_newlines(catalogue):
    ex = Exemple(id="t", action=8, titre="a | b", description="D", partenaires=("ligne 1\nligne 2",))
    text = render("md", Selection(catalogue, [ex]), compact=True).decode()
    row = text.splitlines()[-1]
    assert "a \\| b" in row and "ligne 1 ligne 2" in row and "<br>" not in row  # no raw HTML
    assert row.count(" | ") == 5


def test_json_valid_utf8_unescaped(qpv):
    import json

    out = qpv("export", "--format", "json").out
    assert "fraîcheur" in out and "NaN" not in out
    json.loads(out)
