"""robustness.md, « Queries and options »."""

from __future__ import annotations

import time

import pytest


def first(r) -> str:
    return r.out.splitlines()[1].split("\t")[1]


@pytest.mark.parametrize(
    "query",
    [
        "îlots de fraîcheur",  # composed
        "i\u0302lots de frai\u0302cheur",  # decomposed (NFD), as some terminals send it
        "îlots\u200b de\u00ad fraîcheur",  # invisible characters pasted from a PDF
        "ÎLOTS DE FRAÎCHEUR",
        "ilots de fraicheur",
        "îlots\u00a0de\u202ffraîcheur",  # non-breaking spaces
        "«\u00a0îlots de fraîcheur\u00a0»",
    ],
)
def test_unicode_forms_match_the_same(qpv, query):
    r = qpv("search", query)
    assert r.code == 0 and first(r) == "paris-ilots-de-fraicheur"


@pytest.mark.parametrize("query", ["l’économie circulaire", "l'économie circulaire", "l`économie circulaire"])
def test_curly_and_straight_apostrophes(qpv, query):
    assert first(qpv("search", query)) == "roubaix-economie-circulaire"


@pytest.mark.parametrize("query", ["", " ", "\t", "\u200b\u200b"])
def test_empty_query_is_a_usage_error(qpv, query):
    r = qpv("search", query)
    assert r.code == 2 and "la requête est vide" in r.err


def test_very_long_query_is_bounded_in_time(qpv):
    query = " ".join(f"mot{i}" for i in range(20_000))
    start = time.perf_counter()
    r = qpv("search", query)
    assert r.code == 0 and "tronquée" in r.err
    assert time.perf_counter() - start < 30  # a hang would never end; the bound is generous


def test_query_of_symbols_only(qpv):
    r = qpv("search", "!!! ??? ... ---")
    assert r.code == 0 and r.out == "" and "Aucun résultat" in r.err


def test_query_looking_like_an_option(qpv):
    r = qpv("search", "--", "-vélo")
    assert r.code == 0 and first(r) == "club-villes-cyclables-velo"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--axe", "climat"],
            "--axe : « climat » inconnu (les axes sont numérotés de 1 à 4). Valeurs possibles : 1 ou diagnostic, 2 ou cohesion, 3 ou habitabilite, 4 ou economie.",
        ),
        (["--axe", "habitabilitee"], None),
        (["--echelle", "comune"], "Vouliez-vous dire « commune » ?"),
        (
            ["--echelle", "xyz"],
            "Valeurs possibles : site, quartier, commune, intercommunalite, departement, region, national, international.",
        ),
        (["--action", "0"], "--action : 0 inconnue."),
        (["--cout-max", "beaucoup"], "« beaucoup » n'est pas un montant : écrivez par exemple 40000"),
        (["--limit", "-1"], "--limit : un nombre positif est attendu"),
        (["--format", "xml"], "--format"),
    ],
)
def test_bad_option_values(qpv, args, message):
    r = qpv("search", "vélo", *args)
    if message is None:
        assert r.code == 0
        return
    assert r.code == 2 and message in r.err and "Traceback" not in r.err


def test_unknown_option_suggests(qpv):
    r = qpv("list", "--axes", "3")
    assert r.code == 2 and "option inconnue : --axes" in r.err


def test_missing_argument(qpv):
    r = qpv("show")
    assert r.code == 2 and "indiquez l'identifiant d'un exemple" in r.err


def test_every_run_of_the_catalogues_own_words_is_answered():
    """Every two and three consecutive words of every record's title and description, as a
    query: each goes through the ranking rules (collocations counted once, cost words,
    coverage) and gets an answer, never an exception, with one total whatever the limit.
    (Seven such pairs, « changement climatique » among them, once raised a KeyError.)"""
    import re
    import tomllib

    from qpvcli.api import Qpv
    from qpvcli.sources import bundled_text

    engine = Qpv.open(use_cache=False)
    queries: set[str] = set()
    for e in tomllib.loads(bundled_text())["exemples"]:
        words = re.findall(r"[\w'-]+", e["titre"] + " . " + e["description"])
        for size in (2, 3):
            queries.update(" ".join(words[i : i + size]) for i in range(len(words) - size + 1))
    failures = []
    for query in sorted(queries):
        try:
            limited, whole = engine.search(query, limit=5), engine.search(query)
        except Exception as err:  # the failing queries are the report
            failures.append(f"{query}: {type(err).__name__}")
            continue
        if limited.total != whole.total or len(limited.hits) > 5:
            failures.append(f"{query}: {limited.total} != {whole.total}")
    assert not failures, failures[:20]
