"""Issue 13, catalogues: what a newcomer writes by hand or copies is read, and each mistake of
hand-editing gets its line and its fix, in French (items 1, 7 and 8)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def ids(out: str) -> list[str]:
    return [line.split("\t")[0] for line in out.splitlines()[1:]]


def minimal_from_docs() -> str:
    text = (ROOT / "docs" / "data-model.md").read_text(encoding="utf-8")
    section = text[text.index("## Exemple minimal valide") :]
    return re.search(r"```toml\n(.*?)```", section, re.DOTALL).group(1)


def first_report_record() -> str:
    text = (ROOT / "data" / "examples.toml").read_text(encoding="utf-8")
    start = text.index("[[exemples]]")
    return text[start : text.index("[[exemples]]", start + 1)]


# ---------------------------------------------------------------------------- item 1


def test_minimal_example_of_the_docs_verbatim(qpv, tmp_path):
    path = tmp_path / "minimal.toml"
    path.write_text(minimal_from_docs(), encoding="utf-8")
    r = qpv("valider", str(path))
    assert r.code == 0
    assert r.out == f"{path}:6:1: avertissement : exemple « stains-jardin-partage » : aucun contact\n"
    assert r.err == "1 fichier vérifié : 0 erreur, 1 avertissement, 1 exemple valide.\n"
    assert ids(qpv("--data", str(path), "list", "--action", "8").out)[-1] == "stains-jardin-partage"


def test_minimal_example_without_version_is_the_current_version(qpv, tmp_path):
    path = tmp_path / "sans-version.toml"
    path.write_text(minimal_from_docs().replace("version_schema = 1\n", ""), encoding="utf-8")
    r = qpv("valider", str(path))
    assert r.code == 0
    assert r.out.splitlines() == [
        f"{path}:1:1: information : pas de « version_schema » dans [catalogue] : lu comme la version 1 "
        "(ajoutez « version_schema = 1 » pour le préciser)",
        f"{path}:5:1: avertissement : exemple « stains-jardin-partage » : aucun contact",
    ]
    assert r.err == "1 fichier vérifié : 0 erreur, 1 avertissement, 1 exemple valide.\n"
    r = qpv("--data", str(path), "show", "stains-jardin-partage")
    assert r.code == 0 and r.err == ""


def test_one_record_copied_from_the_report_under_a_title(qpv, tmp_path):
    path = tmp_path / "copie.toml"
    path.write_text('[catalogue]\ntitre = "Mes exemples"\n\n' + first_report_record(), encoding="utf-8")
    r = qpv("valider", str(path))
    assert r.code == 0
    assert r.out.splitlines() == [
        f"{path}:1:1: information : pas de « version_schema » dans [catalogue] : lu comme la version 1 "
        "(ajoutez « version_schema = 1 » pour le préciser)",
        f"{path}:5:1: information : exemple « {FIRST} » identique à celui de rapport:{_report_line(FIRST)} : "
        "lu une seule fois",
    ]
    assert r.err == "1 fichier vérifié : 0 erreur, 0 avertissement, 1 exemple valide.\n"
    r = qpv("--data", str(path), "list")
    assert r.code == 0 and r.err == "" and len(ids(r.out)) == 40


def test_no_catalogue_section_at_all_is_read_too(qpv, tmp_path):
    path = tmp_path / "nu.toml"
    path.write_text(minimal_from_docs().split("\n\n", 1)[1], encoding="utf-8")
    r = qpv("valider", str(path))
    assert r.code == 0
    assert r.out.splitlines()[0] == (
        f"{path}:1:1: information : pas de section [catalogue] : lu comme un catalogue de version 1 "
        "(ajoutez en tête « [catalogue] » et « version_schema = 1 » pour le préciser)"
    )


FIRST = re.search(r'id = "([^"]+)"', first_report_record()).group(1)


def _report_line(ident: str) -> int:
    lines = (ROOT / "data" / "examples.toml").read_text(encoding="utf-8").splitlines()
    return lines.index(f'id = "{ident}"') + 1


# ---------------------------------------------------------------------------- item 7


def test_an_export_of_the_report_read_back_is_the_same_records(qpv, tmp_path):
    out = tmp_path / "r.toml"
    assert qpv("export", "--format", "toml", "-o", str(out)).code == 0
    r = qpv("--data", str(out), "list")
    assert (r.code, r.err) == (0, "")
    assert len(ids(r.out)) == 40
    r = qpv("valider", str(out))
    assert r.code == 0 and r.err == "1 fichier vérifié : 0 erreur, 0 avertissement, 40 exemples valides.\n"
    assert r.out.count("information : exemple « ") == 40


def test_same_id_with_another_content_stays_an_error(qpv, tmp_path):
    path = tmp_path / "x.toml"
    path.write_text(
        "[catalogue]\n" + first_report_record().replace('titre = "', 'titre = "Copie : ', 1), encoding="utf-8"
    )
    r = qpv("--data", str(path), "list")
    assert r.code == 1
    assert r.err.splitlines()[0] == (
        f"qpv : {path}:3:1: identifiant « {FIRST} » déjà utilisé "
        f"(rapport:{_report_line(FIRST)}) par un exemple différent : changez l'un des deux « id »"
    )


def test_the_same_file_twice_is_read_once(qpv, tmp_path, monkeypatch):
    path = tmp_path / "mien.toml"
    path.write_text(minimal_from_docs(), encoding="utf-8")
    monkeypatch.setenv("QPV_DATA", str(path))
    r = qpv("--data", str(path), "--data", str(tmp_path / "." / "mien.toml"), "list", "--action", "8")
    assert (r.code, r.err) == (0, "")
    assert ids(r.out).count("stains-jardin-partage") == 1


BROKEN = '[catalogue]\ntitre = "x"\n\n[[exemples]]\nid = "a"\naction = 8\ntitre = “Jardin”\n'


def test_a_broken_file_from_qpv_data_says_where_it_came_from(qpv, tmp_path, monkeypatch):
    path = tmp_path / "casse.toml"
    path.write_text(BROKEN, encoding="utf-8")
    monkeypatch.setenv("QPV_DATA", str(path))
    r = qpv("list")
    assert r.code == 1
    assert r.err == (
        f"qpv : {path}:7:9: syntaxe TOML : guillemets typographiques « “ » (collés depuis Word ?) : "
        'entourez le texte de guillemets droits, titre = "…"\n'
        f"{path} vient de QPV_DATA : pour vous en passer, retirez-le de QPV_DATA (ou lancez « QPV_DATA= qpv … »).\n"
    )


def test_a_broken_file_from_data_says_how_to_leave_it_out(qpv, tmp_path):
    path = tmp_path / "casse.toml"
    path.write_text(BROKEN, encoding="utf-8")
    r = qpv("--data", str(path), "list")
    assert r.code == 1
    assert r.err.splitlines()[-1] == (
        f"{path} vient de --data : pour vous en passer, retirez « --data {path} » de la commande."
    )


# ---------------------------------------------------------------------------- item 8


HEAD = '[catalogue]\nversion_schema = 1\n\n[[exemples]]\nid = "ivry-jardin"\naction = 8\n'


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "titre = “Jardin partagé”\n",
            ":7:9: syntaxe TOML : guillemets typographiques « “ » (collés depuis Word ?) : entourez le texte de "
            'guillemets droits, titre = "…"',
        ),
        (
            'titre = "Jardin"\ndescription = "Un jardin"\ncout_eur = 120 000\n',
            ":9:16: syntaxe TOML : nombre écrit avec des séparateurs de milliers : écrivez cout_eur = 120000 "
            "(chiffres collés)",
        ),
        (
            'titre = "Jardin"\ndescription = "Un jardin"\ncout_eur = 8000 €\n',
            ":9:17: syntaxe TOML : montant suivi d'une unité : écrivez cout_eur = 8000 (en euros, sans « € »)",
        ),
        (
            'titre = "Jardin partagé\ndescription = "Un jardin"\n',
            ':7:24: syntaxe TOML : guillemet fermant manquant : terminez le texte par " sur la même ligne '
            '(titre = "…"), ou entourez un texte de plusieurs lignes de """ … """',
        ),
        (
            'titre = "Jardin"\ndescription = "Un jardin partagé',
            ':8:15: syntaxe TOML : guillemet fermant manquant : terminez le texte par " sur la même ligne '
            '(description = "…"), ou entourez un texte de plusieurs lignes de """ … """',
        ),
        (
            "titre = 'L'école du quartier'\n",
            ":7:12: syntaxe TOML : apostrophe dans un texte entre apostrophes : entourez le texte de guillemets "
            'droits, titre = "…"',
        ),
        (
            'titre = "Jardin"\rdescription = "Un jardin"\r',
            ":7:17: syntaxe TOML : fin de ligne « retour chariot » seule (ancien format Mac) : enregistrez le "
            "fichier avec des fins de ligne Windows (CRLF) ou Unix (LF)",
        ),
        (
            'titre = "Jardin"\ndescription = "Un jardin"\ncout_eur = "120 000"\n',
            ":9:1: exemple « ivry-jardin » : « cout_eur » doit être un nombre entier : écrivez "
            "cout_eur = 120000, sans guillemets ni espaces",
        ),
    ],
)
def test_valider_hints_for_hand_editing_mistakes(qpv, tmp_path, body, expected):
    path = tmp_path / "main.toml"
    path.write_bytes((HEAD + body).encode("utf-8"))
    r = qpv("valider", str(path))
    assert r.code == 1
    errors = [line for line in r.out.splitlines() if ": avertissement : " not in line]
    assert errors[0] == f"{path}{expected}"


def test_valider_singular_exemple_section(qpv, tmp_path):
    path = tmp_path / "main.toml"
    path.write_text(HEAD.replace("[[exemples]]", "[[exemple]]") + 'titre = "J"\ndescription = "D"\n', encoding="utf-8")
    r = qpv("valider", str(path))
    assert r.code == 1
    assert r.out == f"{path}:4:1: section [[exemple]] inconnue : écrivez [[exemples]], avec un s\n"


def test_tabs_and_windows_line_endings_are_simply_accepted(qpv, tmp_path):
    path = tmp_path / "windows.toml"
    text = HEAD + 'titre\t=\t"Jardin"\ndescription = "Un jardin"\ncontacts = [{ email = "a@b.fr" }]\n'
    path.write_bytes(text.replace("\n", "\r\n").encode("utf-8"))
    r = qpv("valider", str(path))
    assert (r.code, r.out) == (0, "")
    assert r.err == "1 fichier vérifié : 0 erreur, 0 avertissement, 1 exemple valide.\n"


def test_a_tab_in_a_number_is_a_thousands_separator_too(qpv, tmp_path):
    path = tmp_path / "tab.toml"
    path.write_text(HEAD + 'titre = "J"\ndescription = "D"\ncout_eur = 12\t000\n', encoding="utf-8")
    r = qpv("valider", str(path))
    assert r.out.splitlines()[0].endswith("écrivez cout_eur = 12000 (chiffres collés)")
