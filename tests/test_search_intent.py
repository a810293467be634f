"""How a query is understood beyond its words, one test per rule, each with a query that fails
without it: a cost (« pas cher », « moins de 20 000 € », « coûteux ») read as a condition on the
typed cost; long questions whose subject is a few words among many."""

from __future__ import annotations

import pytest

from qpvcli.api import Qpv
from qpvcli.search.cost import CHEAP_MAX, COSTLY_MIN, read

from .small import ids, small

BODY = "Un projet mené avec les habitants et le bailleur social du quartier. "


@pytest.fixture(scope="module")
def qpv():
    return Qpv.open(use_cache=False)


# ---------------------------------------------------------------------------- reading a cost


@pytest.mark.parametrize(
    ("query", "low", "high", "rest"),
    [
        ("pas cher", None, CHEAP_MAX, ""),
        ("jardins partagés à petit budget", None, CHEAP_MAX, "jardins partages a"),
        ("peu coûteux", None, CHEAP_MAX, ""),
        ("bon marché", None, CHEAP_MAX, ""),
        ("outil gratuit", 0, 0, "outil"),
        ("moins de 20 000 €", None, 20_000, ""),
        ("budget de 50 k€", None, 50_000, ""),
        ("qui coûte au plus 1,5 M€", None, 1_500_000, ""),
        ("plus de 200 000 euros", 200_000, None, ""),
        ("entre 10 000 et 50 000 €", 10_000, 50_000, ""),
        ("plusieurs millions d'euros", 1_000_000, None, ""),
        ("projet coûteux", COSTLY_MIN, None, "projet"),
        ("gros budget", COSTLY_MIN, None, ""),
    ],
)
def test_cost_words_are_read_as_bounds(query, low, high, rest):
    intent, left = read(query)
    assert intent is not None and (intent.low, intent.high) == (low, high)
    assert " ".join(left.split()) == rest


@pytest.mark.parametrize(
    ("query", "near", "rest"),
    [
        ("4,6 M€", 4_600_000, ""),
        ("qui coûte 300 000 €", 300_000, ""),
        ("un demi-million d'euros", 500_000, "un"),
        ("deux millions d'euros", 2_000_000, ""),
        ("cent mille euros", 100_000, ""),
        ("projet d'environ 100 000 €", 100_000, "projet"),
        ("un budget d'environ 1 M€", 1_000_000, ""),  # about: not the ceiling a budget alone is
        ("autour de 200 000 euros", 200_000, ""),
    ],
)
def test_an_amount_alone_is_about_that_much(query, near, rest):
    """An amount without « moins de », « plus de » or « budget » is what a project costs,
    more or less: from half to twice as much, the closest first. In figures or in words."""
    intent, left = read(query)
    assert intent is not None and intent.near == near
    assert (intent.low, intent.high) == (near // 2, near * 2)
    assert " ".join(left.split()) == rest


@pytest.mark.parametrize("query", ["budget de 50 k€", "50 000 € de budget", "une enveloppe de 50 000 €"])
def test_a_budget_is_a_ceiling(query):
    """What the user can spend: the projects that fit in it."""
    intent, _ = read(query)
    assert intent is not None and (intent.low, intent.high, intent.near) == (None, 50_000, None)


def test_an_amount_alone_finds_the_closest_costs_first(qpv):
    """« 4,6 M€ »: the project of 4.6 M€ before the one of 8.7 M€, and none far off."""
    found = [qpv.get(i) for i in ids(qpv, "4,6 M€", 40)]
    assert found[0].id == "rotterdam-financements-habitants"
    assert all(2_300_000 <= e.cout_eur <= 9_200_000 for e in found)
    assert ids(qpv, "un demi-million d'euros", 1) == ["mulhouse-patrimoine-textile"]


def test_a_range_takes_a_stated_part_of_the_cost_after_the_totals(qpv):
    """« entre 1 et 2 millions » finds Lille, whose 1.49 M€ are the funding cited (not a
    known total): a stated part that falls in the range, after the records whose total does."""
    assert ids(qpv, "entre 1 et 2 millions d'euros") == ["lille-butte-acoustique"]
    found = [qpv.get(i) for i in ids(qpv, "entre 100 000 et 500 000 euros", 40)]
    totals = [e for e in found if e.cout_total is not None]
    assert found[: len(totals)] == totals and len(totals) < len(found)
    assert all(100_000 <= e.cout_eur <= 500_000 for e in found)


@pytest.mark.parametrize("query", ["dix mille habitants", "un million de personnes"])
def test_numbers_in_words_without_a_currency_ask_no_cost(query):
    intent, _ = read(query)
    assert intent is None


@pytest.mark.parametrize("query", ["budget", "coût", "20 000 emplois", "économie circulaire", "93"])
def test_words_that_do_not_ask_a_cost(query):
    """A cost noun alone, a number without a currency, « économie »: subjects, not a price."""
    assert read(query)[0] is None


def test_reading_a_hostile_query_stays_fast():
    import time

    start = time.perf_counter()
    read("1 " * 400 + "€ " + "moins de " * 50)
    assert time.perf_counter() - start < 0.5


# ---------------------------------------------------------------------------- ranking by cost


def test_cost_words_alone_list_the_records_by_cost(qpv):
    """« pas cher » : records of a known total under 40 k€, cheapest first (before: the records
    whose text says « frugal », then any); « coûteux » : the costliest first."""
    cheap = [qpv.get(i) for i in ids(qpv, "pas cher", 40)]
    typed = [e for e in cheap if e.cout_total is not None]
    assert typed and cheap[: len(typed)] == typed and all(e.cout_total <= CHEAP_MAX for e in typed)
    costly = ids(qpv, "projet coûteux", 3)
    assert costly == ["saint-etienne-dalle-vegetalisee", "rotterdam-financements-habitants", "lille-butte-acoustique"]


def test_an_amount_is_a_ceiling_not_words(qpv):
    """« 20 000 » must not find « 20 000 emplois » (Dunkerque): it is a price."""
    found = [qpv.get(i) for i in ids(qpv, "moins de 20 000 €", 40)]
    assert found and all(e.cout_total is not None and e.cout_total <= 20_000 for e in found)


def test_a_cost_with_a_subject_is_a_soft_preference(tmp_path):
    """The record that meets the cost comes first, the other still follows."""
    engine = small(
        tmp_path,
        {"id": "cher", "action": 8, "titre": "Jardin partagé", "description": BODY + "Jardin.", "cout_eur": 500_000},
        {"id": "gratuit", "action": 8, "titre": "Cour", "description": BODY + "Un jardin.", "cout_eur": 0},
        {"id": "autre", "action": 8, "titre": "Cour gratuite", "description": BODY, "cout_eur": 0},
    )
    assert ids(engine, "jardin") == ["cher", "gratuit"]
    assert ids(engine, "jardin pas cher") == ["gratuit", "cher"]
    assert ids(engine, "jardin coûteux") == ["cher", "gratuit"]


def test_a_text_that_says_the_cost_counts_when_none_is_typed(tmp_path):
    """A user's catalogue may say « libre accès » without a `cout_eur`."""
    engine = small(
        tmp_path,
        {"id": "guide", "action": 8, "titre": "Guide des cours", "description": BODY + "Un guide des cours d'école."},
        {"id": "libre", "action": 8, "titre": "Cours", "description": BODY + "Un guide en libre accès."},
    )
    assert ids(engine, "guide") == ["guide", "libre"]
    assert ids(engine, "guide gratuit") == ["libre", "guide"]


def test_a_cost_does_not_rescue_an_absent_subject(qpv):
    assert ids(qpv, "téléphérique pas cher") == []
    assert ids(qpv, "xyzzy gratuit") == []


def test_cost_words_alone_obey_the_filters(qpv):
    found = [qpv.get(i) for i in ids(qpv, "gratuit", 40, axes=["habitabilite"])]
    assert found and all(e.cout_total == 0 and qpv.get(e.id).action in (6, 7, 8) for e in found)


def test_explain_says_the_cost_met(qpv):
    hit = qpv.search("outil gratuit de cartographie").hits[0]
    assert hit.matches["gratuit"][0][1] == "coût"


def test_the_cost_read_is_one_indexed_range(qpv):
    """No scan of every record: the store's cost columns are indexed."""
    from qpvcli.search.cost import fitting

    conn = qpv.store.conn
    plans = []
    conn.set_trace_callback(plans.append)
    try:
        intent, _ = read("pas cher")
        fitting(conn, intent)
    finally:
        conn.set_trace_callback(None)
    (sql,) = plans
    plan = " ".join(str(row) for row in conn.execute("EXPLAIN QUERY PLAN " + sql))
    assert "INDEX exemples_cout_total" in plan


# ---------------------------------------------------------------------------- long questions


def test_one_rare_detail_does_not_cut_the_rest_of_a_long_question(tmp_path):
    """« impliquer » is in one record of six: counted at full idf it outweighs « jeunes » and
    « vélo » together, and cut every record about young people on bikes that does not say
    « impliquer ». From three subject words, none counts more than the median one."""
    body = "Un projet mené dans la ville. "
    records = [
        {"id": "all", "action": 3, "titre": "Impliquer les jeunes à vélo", "description": body},
        {"id": "both", "action": 3, "titre": "Des jeunes à vélo", "description": body},
        {"id": "bikes", "action": 11, "titre": "Le vélo", "description": body + "Un atelier vélo."},
        {"id": "youth", "action": 3, "titre": "Des jeunes", "description": body + "Les jeunes."},
        *({"id": f"other{i}", "action": 8, "titre": "Un jardin", "description": body} for i in range(2)),
    ]
    found = ids(small(tmp_path, *records), "comment impliquer les jeunes à vélo ?")
    assert found[:2] == ["all", "both"]


def test_words_always_found_together_are_one_notion(qpv):
    """« longue » and « durée » are in the same record only: two words, one notion, whose
    information must not count twice against the records about unemployment."""
    found = ids(qpv, "comment aider les chômeurs de longue durée à retrouver un emploi ?")
    assert found[0] == "laval-zero-chomeur"
    assert {"perpignan-atelier-textile", "jardins-de-cocagne", "gpsea-clause-insertion"} & set(found[1:])


def test_two_rare_words_a_record_holds_apart_are_two_notions(qpv):
    """« bruit » and « autoroute » are both in the Lille record only, but apart (« mur
    anti-bruit », « bordure d'autoroute »): not one notion. Counted once, the record covered one
    notion and fell behind records that merely say « habitants » (« riverains »' synonym)."""
    assert ids(qpv, "le bruit de l'autoroute pour les riverains")[0] == "lille-butte-acoustique"


def test_a_record_found_by_the_second_word_of_one_notion_is_ranked_not_lost(tmp_path):
    """Two words found in nearly the same records count as one notion; a record that has only
    the second one is still scored (it used to crash the search: KeyError)."""
    together = [
        {"id": f"rue-{i}", "action": 8, "titre": f"Rue ombragée {i}", "description": BODY + "Rue ombragée."}
        for i in range(9)
    ]
    alone = {"id": "seule", "action": 8, "titre": "Place", "description": BODY + "Une place ombragée."}
    engine = small(tmp_path, *together, alone)
    found = ids(engine, "rue ombragée", n=20)
    assert set(found) >= {f"rue-{i}" for i in range(9)}
    assert found[-1] == "seule" or "seule" not in found


def test_a_word_found_only_in_shared_labels_counts_less(qpv):
    """« transition écologique » is in the label of every action of axis 4: the record that says
    « socio-écologique » of its own comes before records that only share that label."""
    assert ids(qpv, "que peut faire un bailleur social pour la transition écologique ?", 1) == [
        "haute-savoie-habitat-redirection"
    ]


def test_conjugated_question_verbs_are_not_subjects(qpv):
    """« existent » (Snowball leaves it whole) is a question verb, not a subject to look for."""
    from qpvcli.search.ranking import understand

    qpv.search("existent")
    terms = {t.word: t for t in understand(qpv._index, "quels outils existent pour aider les élus ?")}
    assert terms["existent"].generic and terms["quels"].generic and not terms["elus"].generic


def test_thesaurus_heat_finds_cooling_and_participation_its_devices(qpv):
    assert "ademe-plus-fraiche-ma-ville" in ids(qpv, "lutter contre la chaleur", 5)
    assert "laval-convention-citoyenne" in ids(qpv, "participation des habitants", 5)


@pytest.mark.parametrize("name", ["_AMOUNT_EXPR", "_BETWEEN", "_MANY", "_FREE", "_CHEAP", "_COSTLY"])
def test_every_cost_phrase_holds_a_hint(name):
    """A query without a digit or a hint word is not matched against the cost patterns (it
    would cost every search the patterns' compilation): whatever a pattern matches must hold
    one, or the prefilter would hide a cost phrase."""
    import re

    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from qpvcli.search import cost

    pattern = re.compile(getattr(cost, name).pattern)

    @settings(max_examples=60, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.from_regex(pattern, fullmatch=True))
    def check(text):
        assert any(h in text for h in cost._HINTS) or any(map(str.isdigit, text)), text

    check()


# ---------------------------------------------------------------------------- reading an age


@pytest.mark.parametrize(
    ("query", "years"),
    [
        ("quels projets ont plus de dix ans de recul ?", 10),
        ("quels projets existent depuis plus de vingt ans ?", 20),
        ("des projets lancés il y a au moins 5 ans", 5),
        ("trois ans d'existence", 3),
        ("15 ans d’ancienneté", 15),
        ("une action qui fonctionne depuis douze ans", 12),
        ("projets vieux de plus de dix ans", 10),
        ("des projets de plus de dix ans", 10),
        ("actions d'au moins 5 ans", 5),
    ],
)
def test_an_age_is_read_from_the_words_that_say_it(query, years):
    from qpvcli.search import age

    found, rest = age.read(query)
    assert found is not None and found.years == years
    assert "ans" not in rest.split()


@pytest.mark.parametrize(
    "query",
    [
        "les jeunes de 16 à 25 ans",
        "un projet sur trois ans",
        "depuis 2018",
        "enfants de moins de 6 ans",
        "recul du trait de côte",
        "des jeunes âgés de plus de 16 ans",
        "projet de trois ans",  # a duration (no « plus de », « au moins »: see below)
    ],
)
def test_an_age_of_people_or_a_duration_is_no_age_of_a_project(query):
    from qpvcli.search import age

    assert age.read(query)[0] is None


@pytest.mark.parametrize(
    ("query", "first", "last"),
    [
        ("quelles initiatives ont démarré en 2024 ?", 2024, 2024),
        ("projets lancés depuis 2020", 2020, None),
        ("des actions créées avant 2015", None, 2014),
        ("une démarche mise en place après 2018", 2019, None),
        ("les projets commencés en l'an 2000", 2000, 2000),
    ],
)
def test_a_year_of_start_is_read_after_a_verb_of_starting(query, first, last):
    from qpvcli.search import age

    found, rest = age.read(query)
    assert found is not None and found.years is None and (found.first, found.last) == (first, last)
    assert not any(word.isdigit() for word in rest.split())


@pytest.mark.parametrize("query", ["financés depuis 2020", "le plan climat 2030", "créer 200 emplois en 2024"])
def test_a_year_without_a_verb_of_starting_is_no_start(query):
    from qpvcli.search import age

    assert age.read(query)[0] is None


def test_a_year_of_start_lists_the_records_started_then(qpv):
    """« quelles initiatives ont démarré en 2024 ? » found nothing (« démarré » and « 2024 »
    are in no record's text): it is the year each record started."""
    started = {i: e.annee_debut for i in qpv.ids() if (e := qpv.get(i)).annee_debut}
    found = qpv.search("quelles initiatives ont démarré en 2024 ?")
    assert {h.exemple.id for h in found.hits} == {i for i, y in started.items() if y == 2024} != set()
    since = ids(qpv, "projets lancés depuis 2020", 40)
    assert set(since) == {i for i, y in started.items() if y >= 2020}
    assert set(ids(qpv, "insertion lancée avant 2015", 40)) <= {i for i, y in started.items() if y < 2015}


def test_an_age_lists_the_records_started_by_then_the_oldest_first(qpv):
    """« plus de dix ans de recul » found any record that says « ans » or « recul »: it is the
    year the record started, counted from today (a record whose start is unknown does not meet
    it); with other words, only those records are ranked."""
    import datetime

    last = datetime.date.today().year - 10
    started = {i: e.annee_debut for i in qpv.ids() if (e := qpv.get(i)).annee_debut}
    expected = sorted((y, i) for i, y in started.items() if y <= last)
    found = qpv.search("quels projets ont plus de dix ans de recul ?")
    assert [h.exemple.id for h in found.hits] == [i for _, i in expected]
    assert found.unknown == [] and len(found.hits) >= 3  # 1999, 2008, 2011, 2012 in the catalogue
    oldest = ids(qpv, "quels projets existent depuis plus de vingt ans ?")
    assert oldest == [i for y, i in expected if y <= last - 10]
    assert ids(qpv, "insertion depuis plus de dix ans", 1) == ["jardins-de-cocagne"]
    assert set(ids(qpv, "insertion depuis plus de dix ans", 40)) <= {i for _, i in expected}


def test_an_age_is_a_condition_on_a_users_catalogue_too(tmp_path):
    engine = small(
        tmp_path,
        {"id": "ancien", "action": 3, "titre": "Jardin", "description": BODY, "annee_debut": 2001},
        {"id": "recent", "action": 3, "titre": "Jardin", "description": BODY, "annee_debut": 2024},
        {"id": "inconnu", "action": 3, "titre": "Jardin", "description": BODY},
    )
    assert ids(engine, "jardin depuis plus de dix ans") == ["ancien"]
    assert len(ids(engine, "jardin")) == 3
