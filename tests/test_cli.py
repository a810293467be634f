"""The browsing commands, piped and on a terminal, with every filter and error path."""

from __future__ import annotations

import json

import pytest

from qpvcli.cli import app


def ids(out: str) -> list[str]:
    return [line.split("\t")[0] for line in out.splitlines()[1:]]


# ---------------------------------------------------------------------------- list


def test_list_piped_is_tsv_with_header(qpv):
    r = qpv("list", "--action", "1")
    assert r.code == 0
    assert r.out == (
        "id\taction\ttitre\tniveau\tcout_tranche\tcout_eur\n"
        "seine-saint-denis-vulnerabilites\t1\tCroiser les vulnérabilités sociales et climatiques pour visualiser "
        "les risques actuels et futurs du Département de Seine Saint-Denis\tcommune, intercommunalite, departement\tnon précisé\t\n"
    )
    assert "\x1b" not in r.out and "┃" not in r.out


def test_list_all_in_report_order(qpv):
    r = qpv("list")
    assert len(ids(r.out)) == 40
    assert ids(r.out)[0] == "seine-saint-denis-vulnerabilites"
    assert ids(r.out)[-1] == "club-villes-cyclables-velo"


@pytest.mark.parametrize("value", ["habitabilite", "habitabilité", "Habitabilite", "HABITABILITÉ", "3", "habitabilte"])
def test_axis_typed_any_way(qpv, value):
    r = qpv("list", "--axe", value)
    assert r.code == 0
    assert len(ids(r.out)) == 14
    assert {line.split("\t")[1] for line in r.out.splitlines()[1:]} == {"6", "7", "8"}


def test_axis_by_name_words(qpv):
    r = qpv("list", "--axe", "cohésion sociale")
    assert len(ids(r.out)) == 14  # actions 3, 4, 5: 10 + 3 + 1


def test_repeated_option_is_or_and_different_options_are_and(qpv):
    both = ids(qpv("list", "--action", "1", "--action", "11").out)
    assert both == ["seine-saint-denis-vulnerabilites", "club-villes-cyclables-velo"]
    combined = ids(qpv("list", "--axe", "habitabilite", "--gratuit").out)
    assert combined == [
        "cerema-jeu-sante-cite",
        "ambition-locale-ecoles",
        "cap-territoires-durables",
        "saint-georges-de-reneins-vegetalisation",
        "paris-ilots-de-fraicheur",
        "ademe-plus-fraiche-ma-ville",
    ]


def test_echelle_filter_and_aliases(qpv):
    assert ids(qpv("list", "--echelle", "departement").out) == [
        "seine-saint-denis-vulnerabilites",
        "haute-savoie-habitat-redirection",
    ]
    assert ids(qpv("list", "--echelle", "interco", "--action", "6").out) == ["cerema-jeu-sante-cite"]
    assert len(ids(qpv("list", "--echelle", "national").out)) == 8


def test_cout_max_keeps_known_costs_only(qpv):
    out = qpv("list", "--cout-max", "100000", "--tri", "cout").out
    rows = [line.split("\t") for line in out.splitlines()[1:]]
    costs = [int(r[5]) for r in rows]
    assert costs == sorted(costs) and max(costs) == 100000
    assert rows[-1][0] == "laval-convention-citoyenne"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("ademe", ["ademe-plus-fraiche-ma-ville", "roubaix-economie-circulaire", "club-villes-cyclables-velo"]),
        ("ADEME", ["ademe-plus-fraiche-ma-ville", "roubaix-economie-circulaire", "club-villes-cyclables-velo"]),
        ("Cerma", ["cerema-jeu-sante-cite", "saint-georges-de-reneins-vegetalisation", "toulon-surchauffe"]),
        ("banque des territoires", ["dunkerque-orientation-formation", "jardins-de-cocagne"]),
    ],
)
def test_partner_filter_forgives_case_accents_typos(qpv, value, expected):
    assert ids(qpv("list", "--partenaire", value).out) == expected


def test_partner_anru_counts(qpv):
    assert len(ids(qpv("list", "--partenaire", "anru").out)) == 9


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2A", []),
        ("60", ["crepy-en-valois-eaux-pluviales", "creil-cours-oasis"]),
        ("Laval", ["laval-convention-citoyenne", "laval-zero-chomeur"]),
        ("occitanie", ["perpignan-atelier-textile", "cerema-jeu-sante-cite"]),
        ("Pyrénées-Orientales", ["perpignan-atelier-textile"]),
        ("pays-bas", ["rotterdam-financements-habitants"]),
    ],
)
def test_territory_filter(qpv, value, expected):
    r = qpv("list", "--territoire", value)
    assert r.code == 0
    assert ids(r.out) == expected


def test_territory_departement_93_by_code_and_name(qpv):
    by_code = ids(qpv("list", "--territoire", "93").out)
    assert len(by_code) == 7
    assert ids(qpv("list", "--territoire", "seine-saint-denis").out) == by_code


def test_no_result_exit_0_message_on_stderr(qpv):
    r = qpv("list", "--axe", "diagnostic", "--action", "10")
    assert r.code == 0
    assert r.out == ""
    assert r.err == "Aucun exemple ne correspond à cette sélection.\n"


def test_a_misspelt_departement_or_region_is_read_as_search_reads_it(qpv):
    """« Seine-Saint-Dennis » found one record (a word of its name), « 93 » seven."""
    by_code = ids(qpv("list", "--territoire", "93").out)
    assert ids(qpv("list", "--territoire", "Seine-Saint-Dennis").out) == by_code
    assert ids(qpv("list", "--territoire", "Ocitanie").out) == ids(qpv("list", "--territoire", "Occitanie").out)


def test_a_place_no_record_is_in_is_said(qpv):
    """« Atlantide »: no place of the catalogue; said, with what the option reads. « 2A »,
    « Haute-Vienne »: a département qpv knows, where no record is located; said so, by name."""
    r = qpv("list", "--territoire", "Atlantide")
    assert (r.code, r.out) == (0, "")
    assert r.err.startswith("Aucun exemple ne correspond à cette sélection. Aucun lieu du catalogue")
    assert "« Atlantide »" in r.err
    for value, name in (("2A", "Corse-du-Sud (2A)"), ("Haute-Vienne", "Haute-Vienne (87)"), ("bretagne", "Bretagne")):
        r = qpv("list", "--territoire", value)
        assert (r.code, r.out) == (0, "")
        assert r.err == f"Aucun exemple ne correspond à cette sélection. Aucun exemple n'est situé en {name}.\n"


def test_sort_by_title(qpv):
    titles = [line.split("\t")[2] for line in qpv("list", "--tri", "titre", "--action", "8").out.splitlines()[1:]]
    # Leading punctuation (« guillemets ») does not decide the order.
    assert [t[:14] for t in titles] == [
        "Cartographie d",
        "Cartographie d",
        "«Plus fraîche ",
        "Politique de R",
        "Transformation",
        "Végétalisation",
    ]


def test_list_json_full_records(qpv):
    r = qpv("list", "--action", "11", "--format", "json")
    data = json.loads(r.out)
    assert data[0]["id"] == "club-villes-cyclables-velo"
    assert data[0]["ressources"][1] == {
        "libelle": "Guide complet",
        "fichier": "guide-a-pied-et-a-velo-dans-les-quartiers-prioritaires--logo-cvctm--anct-(2).pdf",
    }
    assert "vélo" in r.out  # accents are not escaped


def test_list_on_terminal_draws_a_table(qpv):
    r = qpv("list", "--action", "5", tty=True)
    assert "┏" in r.out and "Accueil d'un parc sur une friche" in r.out and "marseille-foresta-friche" in r.out


def test_no_color_on_terminal(qpv, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    r = qpv("list", "--action", "5", tty=True)
    assert "┏" in r.out and "\x1b[36m" not in r.out and "\x1b[1;33m" not in r.out


# ---------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["list", "--axe", "climat2"],
            "--axe : « climat2 » inconnu (les axes sont numérotés de 1 à 4). Valeurs possibles : 1 ou diagnostic, 2 ou cohesion, 3 ou habitabilite, 4 ou economie.",
        ),
        (["list", "--echelle", "quartiers"], None),
        (
            ["list", "--echelle", "galaxie"],
            "--echelle : « galaxie » inconnu. Valeurs possibles : site, quartier, commune, intercommunalite, departement, region, national, international.",
        ),
        (["list", "--echelle", "comune"], "Vouliez-vous dire « commune » ?"),
        (["list", "--action", "12"], "--action : 12 inconnue. Valeurs possibles : 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11."),
        (["list", "--action", "deux"], "--action : « deux » n'est pas un nombre entier"),
        (["list", "--cout-max", "-5"], "--cout-max : un montant positif en euros est attendu"),
        (["list", "--tri", "prix"], "--tri : « prix » inconnu. Valeurs possibles : rapport, action, titre, cout."),
        (["list", "--nope"], "option inconnue : --nope"),
        # Named as people name what it filters: a département, a town…
        (
            ["search", "chaleur", "--departement", "93"],
            "option inconnue : --departement (vouliez-vous dire --territoire ?)",
        ),
        (["list", "--ville", "Paris"], "(vouliez-vous dire --territoire ?)"),
        (["listes"], "commande inconnue : « listes » : vouliez-vous dire « qpv list » ?"),
        (["list", "--partenaire", "  "], "ne contient aucun mot à chercher."),
    ],
)
def test_usage_errors_exit_2_in_french(qpv, args, message):
    r = qpv(*args)
    if message is None:
        assert r.code == 0
        return
    assert r.code == 2
    assert message in r.err
    assert r.err.startswith("qpv : ")
    assert "Traceback" not in r.err


def test_show_full_record_piped(qpv):
    r = qpv("show", "paris-ilots-de-fraicheur")
    assert r.code == 0
    lines = r.out.splitlines()
    assert lines[0] == "Cartographie des îlots de fraîcheurs et extension horaires d'ouverture à Paris"
    assert "Ressources : https://www.paris.fr/pages/se-rafraichir-a-paris-24280" in lines
    assert "Contacts : christophe.najdovski@paris.fr" in lines
    assert "Coût (euros) : 0 € (gratuit)" in lines
    assert "Axe : 3. Adapter les quartiers au changement climatique pour garantir leur habitabilité" in lines


def test_show_lists_corrections_and_multiline_fields(qpv):
    out = qpv("show", "dunkerque-orientation-formation").out
    assert "Contacts :\n  accueil@eedk.fr\n  emmanuelle.leroy@tud.fr\n" in out
    assert "Corrections :\n  titre : « Orientation et formation des jeunes actifs à Dunkerque »" in out


def test_show_unknown_id_suggests(qpv):
    r = qpv("show", "paris")
    assert r.code == 1
    assert r.err == "qpv : Aucun exemple « paris ». Vouliez-vous dire : paris-ilots-de-fraicheur ?\n"
    r = qpv("show", "dunkerque-concierge")
    assert "dunkerque-concierge-quartier" in r.err


def test_show_on_terminal(qpv):
    r = qpv("show", "rotterdam-financements-habitants", tty=True)
    assert "Participation des habitant.e.s" in r.out and "4\u202f600\u202f000 €" in r.out


def test_show_json(qpv):
    data = json.loads(qpv("show", "creil-cours-oasis", "--format", "json").out)
    assert data["cout_eur"] == 297000 and data["niveau"] == "site"


# ---------------------------------------------------------------------------- actions, facettes


def test_actions_piped(qpv):
    r = qpv("actions", "--axe", "economie")
    assert r.out == (
        "axe\taction\ttitre\texemples\n"
        "economie\t9\tSoutenir l'insertion économique et la formation en lien avec la réhabilitation et la transformation écologique du territoire\t4\n"
        "economie\t10\tAccompagner une économie du partage et du recyclage\t3\n"
        "economie\t11\tDévelopper les mobilités actives\t1\n"
    )


def test_actions_terminal_shows_all_axes_and_counts(qpv):
    r = qpv("actions", tty=True)
    for n in range(1, 5):
        assert f"Axe {n} —" in r.out
    assert "(10 exemples)" in r.out and "Prévoyant des lieux refuge" in r.out


def test_actions_json(qpv):
    data = json.loads(qpv("actions", "--format", "json").out)
    assert [a["id"] for a in data] == ["diagnostic", "cohesion", "habitabilite", "economie"]
    assert sum(x["exemples"] for a in data for x in a["actions"]) == 40


def test_facettes_counts(qpv):
    r = qpv("facettes", "--axe", "habitabilite")
    rows = [line.split("\t") for line in r.out.splitlines()[1:]]
    axe = [(v, n) for f, v, n in rows if f == "axe"]
    assert axe == [("3 habitabilite", "14")]
    cout = dict((v, n) for f, v, n in rows if f == "cout")
    assert cout["gratuit"] == "6"
    assert ("partenaire", "Cerema", "3") in [tuple(r) for r in rows]


def test_facettes_terminal(qpv):
    r = qpv("facettes", tty=True)
    assert "40 exemples sélectionnés" in r.out and "Département" in r.out
    # a reader's words, with their accents (the ids stay in the tab-separated output above)
    assert "3 habitabilité" in r.out and "intercommunalité" in r.out and "habitabilite" not in r.out


# ---------------------------------------------------------------------------- help, version


COMMANDS = ["actions", "list", "show", "search", "facettes", "export", "valider", "nouveau"]


@pytest.mark.parametrize("command", COMMANDS)
def test_help_for_every_command(command):
    from typer.testing import CliRunner

    r = CliRunner().invoke(app, [command, "--help"])
    assert r.exit_code == 0
    assert "Usage: qpv" in r.output or "Usage: " in r.output


def test_version(qpv):
    from qpvcli import __version__

    r = qpv("--version")
    assert r.code == 0 and r.out == f"qpv {__version__}\n"


def test_no_arguments_shows_help_in_french(qpv):
    r = qpv()
    assert r.code == 0 and r.err == ""
    assert r.out.startswith("Utilisation : qpv [options] commande [arguments]…")
    assert "Commandes :" in r.out and "  search " in r.out


def test_help_is_in_french(qpv):
    r = qpv("list", "--help")
    assert r.code == 0
    assert r.out.startswith("Utilisation : qpv list [options]")
    assert "Afficher cette aide et quitter." in r.out and "Show this message" not in r.out


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("qpv list --axe hab", ["habitabilite"]),
        ("qpv list --echelle inter", ["intercommunalite", "international"]),
        ("qpv search x --action 1", ["1", "10", "11"]),
        ("qpv show paris-", ["paris-ilots-de-fraicheur"]),
    ],
)
def test_shell_completion(words, expected):
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "_QPV_COMPLETE": "complete_bash",
        "COMP_WORDS": words,
        "COMP_CWORD": str(len(words.split()) - 1),
    }
    script = "import sys; from qpvcli.cli import main; sys.argv[0] = 'qpv'; sys.exit(main())"
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=False)
    assert out.stdout.split() == expected


def test_a_search_by_age_says_when_each_record_started(qpv):
    """« plus de dix ans de recul » is a condition on the year a record started: the line of
    each result says that year, and --explique names it too."""
    r = qpv("search", "insertion depuis plus de dix ans", tty=True)
    assert r.code == 0 and "jardins-de-cocagne" in r.out and "commencé en 1999" in r.out
    r = qpv("search", "quels projets ont plus de dix ans de recul ?", "--explique")
    assert r.code == 0 and "jardins-de-cocagne\tplus de dix ans de recul\tcommencé en 1999\tancienneté" in r.out
