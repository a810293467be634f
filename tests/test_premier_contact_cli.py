"""Issue 13, the command line: French everywhere (click's and typer's own messages too),
several words without quotes, global options anywhere, aliases, forgiving values (items 2-4)."""

from __future__ import annotations

import re

import pytest
import typer.main

from qpvcli import cli


def ids(out: str) -> list[str]:
    """The ids of piped list or search output (search has a score column first)."""
    col = 1 if out.startswith("score\t") else 0
    return [line.split("\t")[col] for line in out.splitlines()[1:]]


# ---------------------------------------------------------------------------- item 2


def test_search_in_several_words_without_quotes(qpv):
    quoted = qpv("search", "jardin partagé")
    loose = qpv("search", "jardin", "partagé")
    assert loose.code == 0 and loose.err == ""
    assert loose.out == quoted.out and len(ids(loose.out)) > 0


def test_search_words_and_options_mixed(qpv):
    r = qpv("search", "îlots", "--echelle", "commune", "de", "fraîcheur")
    assert ids(r.out)[0] == "paris-ilots-de-fraicheur"


@pytest.fixture
def mine(tmp_path):
    path = tmp_path / "f.toml"
    path.write_text(
        '[catalogue]\ntitre = "Mes exemples"\n\n[[exemples]]\nid = "ivry-jardin-partage"\naction = 8\n'
        'titre = "Jardin partagé à Ivry"\ndescription = "Un jardin."\ncontacts = [{ email = "a@ivry.fr" }]\n',
        encoding="utf-8",
    )
    return path


def test_global_options_after_the_command(qpv, mine):
    r = qpv("search", "jardin", "--data", str(mine))
    assert r.code == 0 and "ivry-jardin-partage" in ids(r.out)
    assert ids(qpv("list", "--action", "8", "-d", str(mine)).out)[-1] == "ivry-jardin-partage"
    assert ids(qpv("list", f"--data={mine}", "--action", "8").out)[-1] == "ivry-jardin-partage"
    r = qpv("valider", "--sans-rapport", str(mine))
    assert r.code == 0  # the report's action 8 still frames the file without its records
    r = qpv("list", "--sans-rapport", "--data", str(mine))  # the option was taken into account
    assert r.code == 0 and ids(r.out) == ["ivry-jardin-partage"]


def test_global_options_first_keeps_what_follows_a_double_dash():
    assert cli._global_options_first(["search", "--", "--data"]) == ["search", "--", "--data"]
    assert cli._global_options_first(["-d", "a", "list", "-d", "b"]) == ["-d", "a", "-d", "b", "list"]


# ---------------------------------------------------------------------------- item 3: messages


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["list", "-n", "abc"], "qpv : option inconnue : -n pour « qpv list » ; elle existe pour « qpv search »\n"),
        (["search", "x", "-n", "abc"], "qpv : --limit : « abc » n'est pas un nombre entier (ex. --limit 5)\n"),
        (["list", "--action", "huit"], "qpv : --action : « huit » n'est pas un nombre entier (ex. --action 5)\n"),
        (["list", "--gratuit=oui"], "qpv : --gratuit ne prend pas de valeur : écrivez simplement --gratuit\n"),
        (["list", "--axes", "3"], "qpv : option inconnue : --axes (vouliez-vous dire --axe ?)\n"),
        (["search", "x", "--explain"], "qpv : option inconnue : --explain (vouliez-vous dire --explique ?)\n"),
        (
            ["list", "--format", "xml"],
            "qpv : --format : « xml » inconnu. Valeurs possibles : auto, table, tsv, json.\n",
        ),
        (
            ["list", "--format", "jsn"],
            "qpv : --format : « jsn » inconnu. Valeurs possibles : auto, table, tsv, json. Vouliez-vous dire « json » ?\n",
        ),
        (
            ["list", "--format", "excel"],
            "qpv : --format : « excel » n'est pas un format de « qpv list » ; pour un fichier csv, utilisez "
            "« qpv export --format csv -o exemples.csv » (mêmes filtres). Valeurs possibles ici : auto, table, tsv, json.\n",
        ),
        (
            ["search", "x", "--format", "markdown"],
            "qpv : --format : « markdown » n'est pas un format de « qpv search » ; pour un fichier md, utilisez "
            "« qpv export --format md -o exemples.md » (mêmes filtres). Valeurs possibles ici : auto, table, tsv, json.\n",
        ),
        (["lsit"], "qpv : commande inconnue : « lsit » : vouliez-vous dire « qpv list » ?\n"),
        (["cherche", "x"], "qpv : commande inconnue : « cherche » : vouliez-vous dire « qpv search » ?\n"),
        (["montre", "x"], "qpv : commande inconnue : « montre » : vouliez-vous dire « qpv show » ?\n"),
        (["search"], "qpv : indiquez ce que vous cherchez, par exemple : qpv search jardin partagé\n"),
        (
            ["show"],
            "qpv : indiquez l'identifiant d'un exemple, par exemple : qpv show paris-ilots-de-fraicheur "
            "(les identifiants : qpv list)\n",
        ),
        (["valider"], "qpv : indiquez le ou les catalogues à vérifier, par exemple : qpv valider mes-exemples.toml\n"),
        (
            ["nouveau"],
            "qpv : indiquez le catalogue où ajouter l'exemple avec -o, par exemple : qpv nouveau -o mes-exemples.toml\n",
        ),
        (
            ["list", "en", "trop"],
            "qpv : 2 mots en trop : « en trop » (« qpv list --help » montre ce que la commande attend)\n",
        ),
        (["list", "--axe"], "qpv : l'option --axe attend une valeur (un axe : son numéro, 1 à 4, ou son nom)\n"),
        (
            ["--sans-rapport", "list"],
            "qpv : --sans-rapport : aucun catalogue à lire ; indiquez vos fichiers avec --data FICHIER (ou QPV_DATA)\n",
        ),
        (
            ["--data", "f.toml"],
            "qpv : indiquez une commande, par exemple : qpv list, qpv search jardin partagé (toutes : qpv --help)\n",
        ),
    ],
)
def test_usage_errors_in_french(qpv, args, expected):
    r = qpv(*args)
    assert r.code == 2
    assert r.err.split("\nAide : ")[0].rstrip("\n") + "\n" == expected
    assert r.out == ""


@pytest.mark.parametrize(
    ("alias", "args"),
    [
        ("chercher", ["jardin", "partagé"]),
        ("rechercher", ["jardin", "partagé"]),
        ("lister", ["--action", "1"]),
        ("liste", ["--action", "1"]),
        ("voir", ["paris-ilots-de-fraicheur"]),
        ("montrer", ["paris-ilots-de-fraicheur"]),
        ("afficher", ["paris-ilots-de-fraicheur"]),
    ],
)
def test_french_verbs_are_real_aliases(qpv, alias, args):
    target = cli.ALIASES[alias]
    assert qpv(alias, *args).out == qpv(target, *args).out != ""


def test_exporter_is_export(qpv):
    assert qpv("exporter", "--action", "1", "--format", "json").out == qpv(
        "export", "--action", "1", "--format", "json"
    ).out.replace('"commande": "qpv export', '"commande": "qpv export')


def test_aide(qpv):
    assert qpv("aide").out == qpv("--help").out
    assert qpv("aide", "search").out == qpv("search", "--help").out
    assert qpv("aide", "chercher").out == qpv("search", "--help").out
    assert qpv("help").out == qpv("--help").out


def test_plurals_are_french(qpv):
    r = qpv("search", "îlots", "de", "fraîcheur", "--explique", tty=True)
    assert "mot(s)" not in r.out and "(s)" not in r.out
    assert re.search(r"score \d+\.\d\d, 1 mot trouvé\b", r.out) or re.search(r"\d+ mots trouvés", r.out)


# ---------------------------------------------------------------------------- item 3: the walk


ENGLISH = re.compile(
    r"\b(Usage|Options:|Arguments:|Commands:|Error|Missing|Invalid|value for|Got|unexpected|extra|such|"
    r"command|Did you mean|Possible|not a valid|is not one of|requires|does not take|Show this|default:|"
    r"required|Aborted|TEXT|INTEGER|PATH|FILENAME|BOOLEAN|OPTIONS|COMMAND|ARGS|Install completion|"
    r"current shell|Try)\b"
)


def _commands():
    group = typer.main.get_command(cli.app)
    return sorted(group.commands.items())


def _usage_error_paths():
    paths = [["--zzz"], ["zzz"], ["--data"], ["--data", "a.toml"]]
    for name, command in _commands():
        required = [p for p in command.params if getattr(p, "required", False)]
        paths.append([name, "--zzz"])
        paths.append([name, "en", "trop", "de", "mots"])
        if required:
            paths.append([name])
        for p in command.params:
            opt = next((o for o in p.opts if o.startswith("--")), None)
            if opt is None or opt == "--help":
                continue
            if getattr(p, "is_flag", False):
                paths.append([name, f"{opt}=oui"])
                continue
            paths.append([name, opt])  # no value
            paths.append([name, opt, "zzz-huit"])  # bad type, bad choice or unknown value
    return paths


def test_every_help_is_in_french_without_metavariable_jargon(qpv):
    pages = [qpv("--help").out, qpv().out]
    pages += [qpv(name, "--help").out for name, _ in _commands()]
    for page in pages:
        assert page.startswith("Utilisation : qpv")
        assert not ENGLISH.search(page), ENGLISH.search(page)
        assert not re.search(r"<\w+>|\{\w", page), page
    assert "mot(s)" not in "".join(pages)


@pytest.mark.parametrize("args", _usage_error_paths(), ids=" ".join)
def test_every_usage_error_is_in_french(qpv, tmp_path, monkeypatch, args):
    monkeypatch.chdir(tmp_path)
    r = qpv(*args)
    if r.code == 0:  # words a command takes (a search), a value that selects nothing
        assert not ENGLISH.search(r.err), r.err
        return
    assert r.code in (1, 2), r
    assert r.code == 1 or r.err.startswith("qpv : ")
    assert "qpv : qpv" not in r.err
    assert not ENGLISH.search(r.err + r.out), r.err
    assert not re.search(r"<\w+>|\(s\)", r.err), r.err
    assert "Traceback" not in r.err


# ---------------------------------------------------------------------------- item 4


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("40000", 40000),
        ("40 000", 40000),
        ("40\u202f000 €", 40000),
        ("40k", 40000),
        ("40 k€", 40000),
        ("40K€", 40000),
        ("1,5 M€", 1_500_000),
        ("1.5M", 1_500_000),
        ("40.000", 40000),
        ("2 millions", 2_000_000),
        ("0", 0),
    ],
)
def test_amounts_typed_any_way(value, expected):
    from qpvcli.selection import resolve_montant

    assert resolve_montant(value) == expected


def test_cout_max_forgiving_on_the_command_line(qpv):
    plain = qpv("list", "--cout-max", "50000").out
    assert ids(plain) and all(qpv("list", "--cout-max", v).out == plain for v in ["50 000", "50k", "50 k€", "50000 €"])


def test_ambiguous_amount_is_an_error_with_examples(qpv):
    r = qpv("list", "--cout-max", "1.2.3")
    assert r.code == 2
    assert r.err == (
        "qpv : --cout-max : « 1.2.3 » n'est pas un montant : écrivez par exemple 40000, « 40 000 », 40k ou « 1,5 M€ ».\n"
    )


@pytest.mark.parametrize("value", ["coût", "Coût", "COUT", "cout "])
def test_sort_with_accents(qpv, value):
    assert qpv("list", "--tri", value).out == qpv("list", "--tri", "cout").out


@pytest.mark.parametrize(("alias", "real"), [("tableau", "table"), ("tabulations", "tsv"), ("JSON", "json")])
def test_format_aliases(qpv, alias, real):
    assert qpv("list", "--action", "1", "--format", alias).out == qpv("list", "--action", "1", "--format", real).out


def test_show_format_aliases(qpv):
    md = qpv("show", "paris-ilots-de-fraicheur", "--format", "md")
    assert qpv("show", "paris-ilots-de-fraicheur", "--format", "markdown").out == md.out != ""
    assert qpv("show", "paris-ilots-de-fraicheur", "-f", "Markdown").out == md.out
    r = qpv("show", "paris-ilots-de-fraicheur", "--format", "jsn")
    assert r.code == 2 and r.err.startswith("qpv : --format : « jsn » inconnu. Valeurs possibles : auto, table")
    assert "Vouliez-vous dire « json » ?" in r.err
