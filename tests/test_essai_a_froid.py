"""A cold trial by a new user: what they tripped on, each checked as they would see it."""

from __future__ import annotations

import pytest

# ---------------------------------------------------------------------------- nouveau: options, not lines


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--action", "14"],
            "qpv : --action : action 14 inconnue (actions définies : 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11).\n",
        ),
        (["--contact", "pas un mail"], "qpv : --contact : adresse électronique « pas un mail » invalide.\n"),
        (["--lien", "a b"], "qpv : --lien : adresse « a b » invalide (vide ou avec des espaces).\n"),
        (
            ["--departement", "999"],
            "qpv : --departement : « 999 » n'est ni un code de département (93, 2A, 974) ni le nom d'un département.\n",
        ),
        (["--cout-eur", "-5"], "qpv : --cout-eur : un montant positif en euros est attendu (ex. 40000).\n"),
        (
            ["--cout-eur", "beaucoup"],
            "qpv : --cout-eur : « beaucoup » n'est pas un montant : écrivez par exemple 40000, « 40 000 », 40k ou"
            " « 1,5 M€ ».\n",
        ),
        (
            ["--action", "huit"],
            "qpv : --action : « huit » : le numéro d'une action est attendu (1 à 11 pour le rapport).\n",
        ),
        (["--commune", " "], "qpv : --commune : le texte est vide.\n"),
        (["--partenaire", ""], "qpv : --partenaire : le texte est vide.\n"),
        (["--titre", " "], "qpv : --titre : le texte est vide.\n"),
        (
            ["--id", "Mon Id"],
            "qpv : --id : « Mon Id » : un identifiant s'écrit en minuscules sans accents, mots séparés par des"
            " tirets (par exemple : --id mon-id).\n",
        ),
        (
            ["--id", "paris-ilots-de-fraicheur"],
            "qpv : --id : « paris-ilots-de-fraicheur » est déjà l'identifiant d'un autre exemple : choisissez-en un autre.\n",
        ),
    ],
)
def test_nouveau_names_the_option_not_a_line_of_the_file(qpv, tmp_path, args, message):
    path = tmp_path / "mes-exemples.toml"
    r = qpv("nouveau", "-o", str(path), "--action", "8", "--titre", "Jardin", "--description", "Un jardin.", *args)
    assert (r.code, r.err) == (2, message)
    assert not path.exists()


def test_nouveau_says_every_wrong_option_at_once_and_keeps_the_file(qpv, tmp_path):
    path = tmp_path / "mes-exemples.toml"
    assert qpv("nouveau", "-o", str(path), "--action", "8", "--titre", "A", "--description", "B").code == 0
    before = path.read_bytes()
    r = qpv(
        "nouveau", "-o", str(path), "--action", "14", "--titre", "C", "--description", "D",
        "--contact", "pas un mail", "--departement", "999",
    )  # fmt: skip
    assert r.code == 2
    lines = r.err.splitlines()
    assert lines[0].startswith("qpv : ") and len(lines) == 3
    assert {line.removeprefix("qpv : ").split(" : ")[0] for line in lines} == {"--action", "--contact", "--departement"}
    assert ":" + str(len(before.splitlines())) not in r.err  # no position in a file
    assert path.read_bytes() == before


@pytest.mark.parametrize("typed", ["8000", "8 000", "8\u00a0000 €", "8\u202f000\u00a0€", "8 k€", "8k", "8.000 euros"])
def test_nouveau_cout_eur_reads_amounts_as_cout_max_does(qpv, tmp_path, typed):
    """« 8 000 € » was refused (« n'est pas un nombre entier ») while --cout-max took « 40 000 »."""
    path = tmp_path / "mes-exemples.toml"
    r = qpv("nouveau", "-o", str(path), "--action", "8", "--titre", "T", "--description", "D", "--cout-eur", typed)
    assert r.code == 0, r.err
    assert "cout_eur = 8000\n" in path.read_text(encoding="utf-8")


def test_nouveau_a_value_of_the_wrong_type_comes_with_the_other_problems(qpv, tmp_path):
    """A number that is not one was said alone by click, before the others (README: « toutes à
    la fois »)."""
    path = tmp_path / "mes-exemples.toml"
    r = qpv(
        "nouveau", "-o", str(path), "--action", "huit", "--titre", "T", "--description", "D",
        "--cout-eur", "beaucoup", "--departement", "999",
    )  # fmt: skip
    assert r.code == 2 and not path.exists()
    named = [line.removeprefix("qpv : ").split(" : ")[0] for line in r.err.splitlines()]
    assert sorted(named) == ["--action", "--cout-eur", "--departement"], r.err


def test_nouveau_option_value_errors_share_one_exit_code(qpv, tmp_path):
    """A value given by an option is a usage error (2), whoever finds it wrong: click (not a
    number), the command (not a département) or the catalogue's rules (unknown action)."""
    base = ["nouveau", "-o", str(tmp_path / "x.toml"), "--action", "8", "--titre", "T", "--description", "D"]
    codes = {
        name: qpv(*base, *extra).code
        for name, extra in {
            "not a number": ["--cout-eur", "beaucoup"],
            "département": ["--departement", "999"],
            "action": ["--action", "14"],
            "niveau": ["--echelle", "galaxie"],
            "contact": ["--contact", "x"],
        }.items()
    }
    assert set(codes.values()) == {2}, codes


# ---------------------------------------------------------------------------- README's exit codes, row by row


def _readme_exit_codes() -> dict[int, str]:
    from .conftest import ROOT

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text.split("### Codes de sortie", 1)[1].split("\n\n", 2)[1]
    rows = [line.split("|")[1:3] for line in table.splitlines()[2:]]
    return {int(code): meaning.strip() for code, meaning in rows}


def _cases(tmp_path) -> dict[int, list[list[str]]]:
    broken = tmp_path / "casse.toml"
    broken.write_text("[catalogue\n", encoding="utf-8")
    missing = str(tmp_path / "absent.toml")
    return {
        0: [["list"], ["search", "téléphérique"], ["list", "--territoire", "2A", "--axe", "economie"]],
        1: [
            ["--data", missing, "list"],  # fichier introuvable, as an option…
            ["valider", missing],  # …or as an argument
            ["--data", str(broken), "list"],  # invalide
            ["show", "pas-un-identifiant"],  # identifiant inconnu
            ["export", "-o", str(tmp_path / "absent" / "x.md")],  # écriture impossible
            ["export", "--territoire", "2A", "--axe", "economie", "-o", str(tmp_path / "vide.docx")],  # sélection vide
        ],
        2: [
            ["list", "--axxe", "x"],  # option inconnue
            ["list", "--axe", "nulle-part"],  # valeur invalide
            ["list", "--action", "douze"],
            ["nouveau", "-o", str(tmp_path / "n.toml"), "--action", "14", "--titre", "T", "--description", "D"],
            ["nouveau", "-o", str(tmp_path / "n.toml"), "--action", "8", "--titre", "T", "--description", "D", "--cout-eur", "beaucoup"],
            ["export", "-o", str(tmp_path)],  # dossier donné pour -o
        ],
    }  # fmt: skip


def test_readme_exit_code_table_row_by_row(qpv, tmp_path, monkeypatch):
    import os
    import signal

    from qpvcli import api

    table = _readme_exit_codes()
    assert set(table) == {0, 1, 2, 129, 130, 143}, "a new row in README's table needs its cases here"
    for code, cases in _cases(tmp_path).items():
        for args in cases:
            r = qpv(*args)
            assert r.code == code, (table[code], args, r.err)
            assert "Traceback" not in r.err and "erreur inattendue" not in r.err
    opened = api.Qpv.open
    for signum in (signal.SIGHUP, signal.SIGINT, signal.SIGTERM):

        def killed(*args, signum=signum, **kwargs):
            os.kill(os.getpid(), signum)
            return opened(*args, **kwargs)

        monkeypatch.setattr(api.Qpv, "open", killed)
        r = qpv("list")
        assert r.code == 128 + signum, table[128 + signum]
        assert r.err.startswith("qpv : interrompu")


# ---------------------------------------------------------------------------- an option without its value


def _options_with_a_value() -> list[tuple[str, str]]:
    import typer.main

    from qpvcli.cli import app

    group = typer.main.get_command(app)
    found = [("list", o) for p in group.params if not p.is_flag and p.name == "data" for o in p.opts]
    for name, command in group.commands.items():
        if command.hidden:
            continue
        for param in command.params:
            if param.param_type_name == "option" and not param.is_flag and not param.hidden:
                found += [(name, o) for o in param.opts if o.startswith("-")]
    return found


_REQUIRED = {
    "show": ["paris-ilots-de-fraicheur"],
    "search": ["jardin"],
    "valider": ["x.toml"],
    "nouveau": ["-o", "x.toml"],
}


@pytest.mark.parametrize(("command", "option"), _options_with_a_value())
def test_every_option_without_its_value_says_so(qpv, command, option):
    """`qpv list --data` once said « option inconnue : --data (vouliez-vous dire --data ?) »."""
    r = qpv(command, *_REQUIRED.get(command, []), option)
    assert r.code == 2
    assert r.err.startswith(f"qpv : l'option {option} attend une valeur"), r.err
    assert "inconnue" not in r.err


@pytest.mark.parametrize("args", [["list", "--data", "--"], ["--data", "--", "list"], ["-d"]])
def test_global_option_without_its_value(qpv, args):
    r = qpv(*args)
    assert r.code == 2 and r.err.startswith(
        f"qpv : l'option {args[1] if args[0] == 'list' else args[0]} attend une valeur"
    )


def test_global_options_after_the_command_are_read_there(qpv, tmp_path):
    assert qpv("list", "--version").out.startswith("qpv ")
    r = qpv("list", f"-d{tmp_path / 'absent.toml'}")
    assert (r.code, r.err) == (1, f"qpv : --data : fichier introuvable : {tmp_path / 'absent.toml'}\n")


# ---------------------------------------------------------------------------- show: its own formats


def test_show_help_lists_what_show_accepts(qpv, tmp_path):
    import re

    help_text = " ".join(qpv("show", "--help").out.split())
    listed = re.search(r"-f, --format TEXTE (.*?) \(Word", help_text)[1]
    formats = re.findall(r"\w+", listed.replace(" ou ", ", "))
    assert formats == ["auto", "table", "texte", "json", "md", "docx"]
    for fmt in formats:
        target = tmp_path / f"fiche-{fmt}"
        r = qpv("show", "paris-ilots-de-fraicheur", "--format", fmt, *(["-o", str(target)] if fmt == "docx" else []))
        assert r.code == 0, (fmt, r.err)
    for suffix in re.findall(r"\.(\w+)", help_text.split("-o, --output FICHIER", 1)[1].split("--force")[0]):
        target = tmp_path / f"fiche.{suffix}"
        assert qpv("show", "paris-ilots-de-fraicheur", "-o", str(target)).code == 0, suffix
        assert target.stat().st_size > 0


def test_show_writes_text_to_a_file(qpv, tmp_path):
    target = tmp_path / "f.txt"
    r = qpv("show", "paris-ilots-de-fraicheur", "-o", str(target), "--format", "texte")
    assert (r.code, r.err) == (0, f"fiche « paris-ilots-de-fraicheur » écrite dans {target}\n")
    assert target.read_text(encoding="utf-8") == qpv("show", "paris-ilots-de-fraicheur").out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["-o", "f.xlsx"],
            "qpv : --output : l'extension « .xlsx » ne dit pas le format de f.xlsx ; une fiche s'écrit en .txt,"
            " .md, .markdown, .json, .docx (ou précisez --format texte, md, json ou docx).\n",
        ),
        (
            ["--format", "csv"],
            "qpv : --format : « csv » n'est pas un format de « qpv show » ; pour un fichier csv, utilisez"
            " « qpv export --format csv ». Valeurs possibles ici : auto, table, texte, json, md, docx.\n",
        ),
        (
            ["--format", "jsn"],
            "qpv : --format : « jsn » inconnu. Valeurs possibles : auto, table, texte, json, md, docx."
            " Vouliez-vous dire « json » ?\n",
        ),
        (
            ["-o", "f.md", "--format", "json"],
            "qpv : --format json contredit l'extension « .md » de f.md (format md) : changez le nom du fichier"
            " ou retirez --format.\n",
        ),
    ],
)
def test_show_format_errors_list_shows_own_formats(qpv, tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    r = qpv("show", "paris-ilots-de-fraicheur", *args)
    assert (r.code, r.err) == (2, message)
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------------- valider: everything at once, in line order

TWICE = """\
[catalogue]
titre = "Doublons"
version_schema = 1

[[exemples]]
id = "jardin"
action = 8
titre = "Jardin partagé"
ressources = [{ url = "ftp://ivry.example/plan.pdf" }]
contacts = [{ email = "jardin@ivry.example" }]

[[exemples]]
id = "jardin"
action = 8
titre = "Autre jardin"
description = "Un autre."
ressources = [{ url = "ftp://vitry.example/plan.pdf" }]
contacts = [{ email = "jardin@vitry.example" }]

[[exemples]]
id = "fresque"
action = 14
titre = "Fresque"
descripton = "Une fresque."
contacts = [{ email = "pas un mail" }]
cout_eur = "12 000"
"""


def test_valider_says_everything_at_once_in_line_order(qpv, tmp_path):
    """A duplicate id whose first copy has an error, and the warnings of records with errors,
    were said only once the other errors were fixed; errors came out of line order."""
    path = tmp_path / "doublons.toml"
    path.write_text(TWICE, encoding="utf-8")
    r = qpv("valider", str(path))
    assert r.code == 1
    assert [line.removeprefix(f"{path}:") for line in r.out.splitlines()] == [
        "5:1: exemple « jardin » : champ obligatoire « description » manquant",
        "9:1: avertissement : exemple « jardin » : le lien « ftp://ivry.example/plan.pdf » n'est pas une adresse web http(s)",
        f"13:1: identifiant « jardin » déjà utilisé ({path}:6) par un exemple différent : changez l'un des deux « id »",
        "17:1: avertissement : exemple « jardin » : le lien « ftp://vitry.example/plan.pdf » n'est pas une adresse web http(s)",
        "20:1: exemple « fresque » : champ obligatoire « description » manquant",
        "22:1: exemple « fresque » : action 14 inconnue (actions définies : 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)",
        "24:1: exemple « fresque » : champ « descripton » inconnu (vouliez-vous dire « description » ?)",
        "25:1: exemple « fresque » : adresse électronique « pas un mail » invalide",
        "26:1: exemple « fresque » : « cout_eur » doit être un nombre entier : écrivez cout_eur = 12000, sans guillemets ni espaces",
    ]
    assert r.err == "1 fichier vérifié : 7 erreurs, 2 avertissements.\n"
    loaded = qpv("--data", str(path), "list")  # loading says the same errors, in the same order
    assert loaded.code == 1
    errors = [line for line in r.out.splitlines() if "avertissement" not in line]
    assert loaded.err.splitlines()[: len(errors)] == ["qpv : " + errors[0], *errors[1:]]


def test_identical_copies_of_a_broken_record_are_not_a_duplicate(qpv, tmp_path):
    record = '\n[[exemples]]\nid = "x"\naction = 8\ntitre = "T"\n'
    path = tmp_path / "copies.toml"
    path.write_text('[catalogue]\ntitre = "C"\nversion_schema = 1\n' + record * 2, encoding="utf-8")
    r = qpv("valider", str(path))
    assert r.code == 1 and "déjà utilisé" not in r.out
    assert r.out.count("champ obligatoire « description » manquant") == 2


# ---------------------------------------------------------------------------- minor ones


@pytest.mark.parametrize("typed", ["CREIL-COURS-OASIS", "Creil-Cours-Oasis", " creil-cours-oasis "])
def test_show_accepts_an_id_in_any_case(qpv, typed):
    r = qpv("show", typed)
    assert r.code == 0 and r.out == qpv("show", "creil-cours-oasis").out


def test_show_still_refuses_an_id_that_is_only_close(qpv):
    r = qpv("show", "CREIL-COURS-OASI")
    assert (
        r.code == 1 and r.err == "qpv : Aucun exemple « CREIL-COURS-OASI ». Vouliez-vous dire : creil-cours-oasis ?\n"
    )


def test_excel_shows_theme_and_level_labels_as_word_does(qpv, tmp_path, catalogue):
    import csv
    import io

    import docx
    import openpyxl

    from qpvcli.fields import theme_labels

    e = next(x for x in catalogue.exemples if x.id == "plaine-commune-renaturation-fiction")
    args = ["export", "--axe", "habitabilite", "--territoire", "93"]
    assert qpv(*args, "-o", str(tmp_path / "x.xlsx")).code == 0
    assert qpv("show", e.id, "-o", str(tmp_path / "x.docx")).code == 0
    sheet = openpyxl.load_workbook(tmp_path / "x.xlsx")["Exemples"]
    rows = list(sheet.iter_rows(values_only=True))
    row = dict(zip(rows[0], next(r for r in rows if e.id in r), strict=True))
    assert row["Niveau"] == "intercommunalité"
    assert row["Thématiques"] == theme_labels(e) and row["Thématiques"] != " ; ".join(e.thematiques)
    word = {
        cells[0].text: cells[1].text
        for table in docx.Document(str(tmp_path / "x.docx")).tables
        for cells in (r.cells for r in table.rows)
        if len(cells) == 2
    }
    assert word["Niveau"] == row["Niveau"] and word["Thématiques"] == row["Thématiques"]
    # Data exports keep the ids that --echelle and --theme take, and that read back.
    data = list(csv.DictReader(io.StringIO(qpv(*args, "--format", "csv", "--csv-standard").out)))
    mine = next(d for d in data if d["id"] == e.id)
    assert (mine["niveau"], mine["thematiques"]) == ("intercommunalite", " ; ".join(e.thematiques))


def test_nouveau_leaves_no_lock_file_in_the_users_folder(qpv, tmp_path):
    path = tmp_path / "mes-exemples.toml"
    base = ["nouveau", "-o", str(path), "--titre", "Jardin", "--description", "Un jardin."]
    assert qpv(*base, "--action", "8").code == 0
    assert qpv(*base, "--action", "14").code == 2
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


def test_a_writer_waiting_on_a_lock_file_deleted_meanwhile_takes_the_new_one(tmp_path):
    """The protocol that lets the lock file be deleted: a lock won on a file that is no longer
    at the path is dropped and taken again, so two writers never hold two different locks."""
    import fcntl
    import os
    import threading

    from qpvcli.files import exclusive_lock

    lock = tmp_path / ".c.toml.lock"
    old = os.open(lock, os.O_RDWR | os.O_CREAT)
    fcntl.flock(old, fcntl.LOCK_EX)
    seen: list[bool] = []

    def writer() -> None:
        with exclusive_lock(lock, 10, remove=True):
            seen.append(lock.exists())  # its lock is on the file at the path, not on the deleted one

    thread = threading.Thread(target=writer)
    thread.start()
    threading.Event().wait(0.2)
    os.unlink(lock)  # the writer before deletes the file, then releases it
    os.close(old)
    thread.join(10)
    assert seen == [True]
    assert not lock.exists()


@pytest.mark.parametrize("suffix", ["docx", "xlsx", "md", "csv", "db"])
def test_an_empty_selection_writes_no_file(qpv, tmp_path, suffix):
    target = tmp_path / f"vide.{suffix}"
    r = qpv("export", "--territoire", "2A", "--axe", "economie", "-o", str(target))
    assert (r.code, r.err) == (
        1,
        f"qpv : aucun exemple ne correspond à cette sélection : {target} n'a pas été écrit"
        " (« qpv list » avec les mêmes filtres montre la sélection).\n",
    )
    assert list(tmp_path.iterdir()) == []


def test_an_empty_selection_on_standard_output_stays_a_valid_empty_export(qpv):
    import json

    r = qpv("export", "--territoire", "2A", "--axe", "economie", "--format", "json")
    assert r.code == 0 and json.loads(r.out)["exemples"] == []
    assert r.err.startswith("Aucun exemple ne correspond à cette sélection.")  # and « 2A » is in none


@pytest.mark.parametrize("columns", ["80", "60", "200"])
def test_main_help_gives_each_command_line_whole(qpv, monkeypatch, columns):
    """`qpv --help` cut its command lines with « ... »: each one is now written whole (wrapped
    on a narrow terminal)."""
    import typer.main

    from qpvcli.cli import app

    monkeypatch.setenv("COLUMNS", columns)
    text = qpv("--help").out
    commands = text.split("Commandes :\n", 1)[1]
    assert "..." not in commands and "…" not in commands.replace("qpv aide", "")
    flat = " ".join(commands.split())
    group = typer.main.get_command(app)
    for name, command in group.commands.items():
        if not command.hidden:
            assert f"{name} {command.short_help}" in flat, name
            assert len(command.short_help) <= 66  # one line on an 80-column terminal
