"""Each ranking rule of the search, with a query that would fail without it; the thesaurus and
themes; filters and facets by theme; costs that are not a total."""

from __future__ import annotations

import tomllib

import pytest

from qpvcli.api import Qpv

from .small import ids, small


@pytest.fixture(scope="module")
def qpv():
    return Qpv.open(use_cache=False)


BODY = "Un projet mené avec les habitants et le bailleur social du quartier. "


def test_a_variant_never_outranks_the_word_itself(tmp_path):
    """« recyclage » is common here, « réemploi » (its synonym) rare: the rare synonym's idf
    must not lift it above the records that have the word typed."""
    records = [
        {"id": f"recyclage-{i}", "action": 10, "titre": f"Atelier {i}", "description": BODY + "Recyclage des déchets."}
        for i in range(6)
    ]
    records.append({"id": "reemploi", "action": 10, "titre": "Atelier", "description": BODY + "Réemploi des déchets."})
    found = ids(small(tmp_path, *records), "recyclage", 10)
    assert found[-1] == "reemploi" and len(found) == 7


def test_families_need_a_derivational_ending(qpv):
    """« mobilier » and « mobilité » share a beginning, not a meaning."""
    assert "stains-punaises-de-lit" not in ids(qpv, "mobilité", 40)  # « mobilier infesté »
    assert "stains-punaises-de-lit" in ids(qpv, "mobilier", 5)
    assert set(ids(qpv, "recyclés", 40)) & set(ids(qpv, "recyclage", 40))  # recycl / recyclag


def test_question_words_weigh_little(qpv):
    """« lutter contre la chaleur » is about heat, not about « lutter »."""
    top = ids(qpv, "lutter contre la chaleur", 3)
    assert top[0] == "toulon-surchauffe" or "chaleur" in qpv.get(top[0]).description.lower()
    assert "laval-zero-chomeur" not in top and "rotterdam-financements-habitants" not in top
    assert set(top) & {"paris-ilots-de-fraicheur", "ademe-plus-fraiche-ma-ville", "toulon-surchauffe"}


def test_the_cut_off_keeps_the_main_word_in_a_body(tmp_path):
    """One record has the words in its title; another the main word only in its body. Both
    cover the query's information: the strong title match must not remove the other."""
    qpv = small(
        tmp_path,
        {"id": "titre", "action": 8, "titre": "Îlots de fraîcheur en ville", "description": BODY * 3 + "Îlots."},
        {"id": "corps", "action": 8, "titre": "Cours d'école", "description": BODY * 6 + "Des îlots de fraîcheur."},
    )
    assert ids(qpv, "îlots de fraîcheur") == ["titre", "corps"]


def test_the_three_cool_examples_come_for_cool_islands(qpv):
    found = ids(qpv, "îlots de fraîcheur", 10)
    assert found[0] == "paris-ilots-de-fraicheur"
    assert {"ademe-plus-fraiche-ma-ville", "toulon-surchauffe"} <= set(found)


def test_an_absent_subject_gives_nothing(qpv):
    for query in ("station de ski", "téléphérique", "comment construire un téléphérique", "casino"):
        assert ids(qpv, query) == [], query
    result = qpv.search("station de ski")
    assert result.unknown == ["ski"]
    # said back as typed, accents and capitals kept (not « telepherique »)
    assert qpv.search("un Téléphérique urbain").unknown == ["Téléphérique"]
    assert qpv.search("éco-quartier flottant").unknown == ["flottant"]


def test_a_short_unknown_word_is_not_completed(qpv):
    """« ski » must not become « skills » or any word that starts like it."""
    assert qpv.search("ski").hits == []


def test_suggestions_only_for_words_found_nowhere(qpv):
    assert qpv.search("végétalizassion").suggestions == ["végétalisation"]  # as the records write it
    assert qpv.search("santé mentale").suggestions == []  # « santé » was found: nothing to suggest for it


def test_departement_by_name_finds_every_example_located_there(qpv):
    by_code = {e.id for e in qpv.select(qpv.filtres(territoires=["93"]))}
    assert len(by_code) >= 5
    assert set(ids(qpv, "Seine-Saint-Denis", 40)) >= by_code
    assert set(ids(qpv, "seine saint denis", 40)) >= by_code


def test_region_alias(qpv):
    paca = {e.id for e in qpv.select(qpv.filtres(territoires=["Provence-Alpes-Côte d'Azur"]))}
    assert paca and set(ids(qpv, "PACA", 40)) >= paca


def test_acronyms_expand_one_way(qpv):
    assert "laval-zero-chomeur" in ids(qpv, "TZCLD", 5)
    assert "crepy-en-valois-eaux-pluviales" in ids(qpv, "SfN", 5)  # « solutions fondées sur la nature »
    # One way: the expansion does not bring the acronym's other meanings back.
    assert "laval-zero-chomeur" in ids(qpv, "ESS", 5)  # « économie sociale et solidaire »


def test_english_jargon_finds_the_official_french_term(qpv):
    assert "mulhouse-patrimoine-textile" in ids(qpv, "upcycling", 3)  # « surcyclage » in its text
    assert ids(qpv, "empowerment", 10)
    assert ids(qpv, "serious game", 3)[0] == "cerema-jeu-sante-cite"


def test_everyday_words_find_formal_ones(qpv):
    assert ids(qpv, "chômeurs", 10)
    assert "laval-zero-chomeur" in ids(qpv, "chômeurs", 10)
    assert {"paris-ilots-de-fraicheur", "ademe-plus-fraiche-ma-ville"} <= set(ids(qpv, "pas cher", 10))  # libre accès


def test_a_theme_word_finds_the_theme_below_the_word_itself(qpv):
    found = qpv.search("santé", limit=None).hits
    how = {h.exemple.id: {m[1] for ms in h.matches.values() for m in ms} for h in found}
    by_theme = [i for i, hows in how.items() if hows == {"thème"}]
    by_word = [i for i, hows in how.items() if "exact" in hows]
    assert by_theme and by_word
    order = [h.exemple.id for h in found]
    assert max(order.index(i) for i in by_word) < min(order.index(i) for i in by_theme)


def test_an_everyday_word_of_a_theme_finds_its_records(qpv):
    """« il fait trop chaud dans les classes » : « chaud » is a word of the theme « chaleur et
    adaptation », whose records about schools (Ambition locale, Creil) it finds though they
    never write it."""
    found = ids(qpv, "je suis élu, il fait trop chaud dans les classes l'été, que faire ?", 3)
    assert {"ambition-locale-ecoles", "creil-cours-oasis"} & set(found)


def test_theme_filter_and_facet(qpv):
    sante = [e.id for e in qpv.select(qpv.filtres(themes=["santé"]))]
    assert "miramas-urbanisme-sante" in sante and "paris-ilots-de-fraicheur" not in sante
    assert [e.id for e in qpv.select(qpv.filtres(themes=["sante", "chaleur"]))] != sante  # OR
    total, facets = qpv.facets(qpv.filtres(themes=["sante"]))
    assert total == len(sante)
    assert ("Santé et bien-être", total) in facets["thematique"] or facets["thematique"][0][1] == total


def test_unknown_theme_lists_the_valid_ones(qpv):
    from qpvcli.errors import InvalidValue

    with pytest.raises(InvalidValue) as err:
        qpv.filtres(themes=["plage"])
    assert err.value.champ == "theme" and "chaleur-adaptation" in str(err.value)


def test_a_cost_per_unit_is_not_a_total(qpv):
    """Creil: 297 000 € « pour une école » of nine: not under a 300 000 € ceiling."""
    creil = qpv.get("creil-cours-oasis")
    assert creil.cout_portee == "par-unite" and creil.cout_total is None
    assert creil.cout_tranche == "200 k€ – 1 M€, par unité"
    under = [e.id for e in qpv.select(qpv.filtres(cout_max=300_000))]
    assert "creil-cours-oasis" not in under
    assert "paris-ilots-de-fraicheur" in under  # libre accès: 0 €, a total


def test_a_multi_level_scale_is_found_at_each_level(qpv):
    communes = [e.id for e in qpv.select(qpv.filtres(echelles=["commune"]))]
    assert "perpignan-atelier-textile" in communes  # quartier « et élargissement à la Ville »


def test_a_bad_thesaurus_is_a_clear_error_when_the_store_is_built(tmp_path, monkeypatch):
    from qpvcli import thesaurus

    bad = tmp_path / "thesaurus.toml"
    bad.write_text(
        '[[sigles]]\nsigle = "ESS"\n\n[[synonymes]]\nmots = ["vélo"]\n[[inconnus]]\nx = 1\n', encoding="utf-8"
    )
    monkeypatch.setattr(thesaurus, "THESAURUS_FILE", bad)
    thesaurus.load.cache_clear()
    try:
        with pytest.raises(thesaurus.ThesaurusError) as err:
            Qpv.open(use_cache=False)
        text = str(err.value)
        assert "section « inconnus » inconnue" in text
        assert "« sens » doit être une liste de textes non vides" in text
        assert "un groupe de synonymes a au moins deux mots" in text
    finally:
        thesaurus.load.cache_clear()


def test_the_thesaurus_file_is_valid():
    from qpvcli.thesaurus import THESAURUS_FILE, check

    assert check(tomllib.loads(THESAURUS_FILE.read_text(encoding="utf-8"))) == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("fringues", {"perpignan-atelier-textile", "mulhouse-patrimoine-textile"}),  # → textile
        ("poubelles", {"roubaix-economie-circulaire", "plaine-commune-cagettes"}),  # → déchets
        ("verdure", {"saint-etienne-dalle-vegetalisee", "saint-georges-de-reneins-vegetalisation"}),
        ("gardien", {"dunkerque-concierge-quartier"}),  # → concierge
        ("TVB", {"montreuil-bagnolet-biodiversite"}),  # → continuités écologiques
        ("végétation", {"saint-etienne-dalle-vegetalisee", "ademe-plus-fraiche-ma-ville"}),
        ("éco-pâturage", {"marseille-foresta-friche"}),  # the record writes « Écopâturage »
    ],
)
def test_an_everyday_word_finds_the_formal_record(qpv, query, expected):
    """None of these words is in the catalogue: only the thesaurus's everyday words and
    acronyms find the records that say it formally."""
    assert expected <= set(ids(qpv, query, n=len(expected)))


def test_an_old_region_finds_its_departements_not_the_whole_merged_region(qpv):
    picardie = set(ids(qpv, "Picardie"))
    assert picardie == {"creil-cours-oasis", "crepy-en-valois-eaux-pluviales"}  # Oise (60)
    assert "lille-butte-acoustique" not in picardie  # Hauts-de-France, but Nord-Pas-de-Calais
    in_93 = set(ids(qpv, "93", n=20))
    assert set(ids(qpv, "neuf-trois", n=len(in_93))) == in_93


def test_a_sigle_said_in_full_finds_the_record_that_writes_only_the_sigle(tmp_path):
    body = "Un projet mené avec les habitants du quartier. "
    engine = small(
        tmp_path,
        {"id": "sigle", "action": 8, "titre": "Une coopérative", "description": body + "Une structure de l'ESS."},
        {"id": "autre", "action": 8, "titre": "Économie circulaire", "description": body + "Une économie locale."},
    )
    assert ids(engine, "économie sociale et solidaire")[0] == "sigle"
    assert ids(engine, "ESS") == ["sigle"]


def test_a_thesaurus_phrase_no_record_holds_whole_finds_nothing(qpv):
    """« PVD » stands for « Petites villes de demain », whose words are found only apart
    (« petite », « ville », « demain »): the sigle is unknown, and « PVD municipales » is an
    absent subject, not a list of records that say « municipal »."""
    result = qpv.search("PVD municipales")
    assert result.hits == [] and result.unknown == ["PVD"]
    assert qpv.search("police municipale").hits == []


def test_a_verb_and_its_pronoun_are_not_one_word():
    """« y a-t-il », « existe-t-il », « peut-on »: no glued « atil » to look for (it made every
    question with them ask about an unknown word)."""
    from qpvcli.text import analyse

    assert analyse("y a-t-il des exemples ? existe-t-il ? peut-on ? est-ce") == ["exemples", "existe", "peut"]
    assert analyse("Seine-Saint-Denis")[-1] == "seinesaintdenis"  # a compound name stays glued too


def test_qualities_and_state_verbs_carry_no_subject(qpv):
    """In « nous sommes une petite commune rurale : y a-t-il des exemples pour végétaliser sans
    gros moyens ? », « sommes », « petite », « gros » say no subject; the cost asked (« sans
    gros moyens ») counts in what a record covers, so the free greening map of a small commune
    is not cut off for lacking « commune »."""
    query = "nous sommes une petite commune rurale : y a-t-il des exemples pour végétaliser sans gros moyens ?"
    assert ids(qpv, query, 1) == ["saint-georges-de-reneins-vegetalisation"]
    assert ids(qpv, "vieux meubles", 1) == ["stains-punaises-de-lit"]


def test_no_suggestion_for_a_question_word(qpv):
    """« reçu » is a state, not a misspelt subject: no « recul ? »."""
    result = qpv.search("quels exemples ont reçu une distinction ?")
    assert not any("recul" in s for s in result.suggestions)


def test_two_stems_of_one_root_with_two_derivational_endings_are_one_family(qpv):
    """« interculturalité » (intercultur-alit) finds « interculturel » (intercultur-el): neither
    is the other plus an ending, both are one root plus one."""
    result = qpv.search("interculturalité")
    assert result.unknown == [] and ids(qpv, "interculturalité", 1) == ["saint-denis-ferme-artistique"]
    assert result.hits[0].matches["interculturalite"][0][1] == "famille"


def test_the_kind_of_place_is_not_the_subject(qpv):
    """« département du Rhône » looks for the Rhône, not for records that say « département »
    (Seine-Saint-Denis's title)."""
    assert ids(qpv, "département du Rhône", 1) == ["saint-georges-de-reneins-vegetalisation"]
    # Without a place named, it is the subject: the record of a département's scale comes first.
    assert ids(qpv, "quels projets sont menés à l'échelle d'un département ?", 1) == [
        "seine-saint-denis-vulnerabilites"
    ]


def test_a_place_abroad_is_found_as_such(tmp_path):
    """« exemples à l'étranger » finds the records whose place has a country other than France,
    whatever the country is called; a French place is not abroad."""
    engine = small(
        tmp_path,
        {
            "id": "liege",
            "action": 3,
            "titre": "Atelier",
            "description": BODY,
            "territoires": [{"nom": "Liège", "pays": "Belgique"}],
        },
        {
            "id": "lyon",
            "action": 3,
            "titre": "Atelier",
            "description": BODY,
            "territoires": [{"nom": "Lyon", "pays": "France"}],
        },
    )
    assert ids(engine, "exemples à l'étranger") == ["liege"]
    assert ids(engine, "projets internationaux") == ["liege"]
    assert ids(engine, "y a-t-il des exemples hors de France ?", 1) == ["liege"]


@pytest.mark.parametrize(
    ("query", "subject"),
    [
        (
            "que peut faire un bailleur social face au changement climatique ?",
            ["bailleur", "social", "changement", "climatique"],
        ),
        ("des projets en faveur de la biodiversité au sein des quartiers", ["biodiversite"]),
        ("existe-t-il des exemples grâce à la participation", ["participation"]),
        ("comment transformer un parking en espace vert ?", ["parking", "espace", "vert"]),
        ("comment aider les jeunes à choisir un vélo ?", ["jeunes", "velo"]),
        ("des projets importants pour les écoles", ["ecoles"]),
        ("trop de béton dans plusieurs quartiers", ["beton"]),
        ("des amis autour de soi", ["amis"]),
        ("nous voulons des arbres", ["arbres"]),  # what the asker wants, not what they ask about
        ("ma commune souhaite des arbres", ["arbres"]),
        ("des arbres dans ma commune", ["arbres"]),  # where the asker is, not what they ask
        ("un gardien de quartier", ["gardien", "quartier"]),  # a compound: « quartier » is of the subject
        ("un gardien du quartier", ["gardien"]),
        ("ceux qui font partie d'une asso", ["asso"]),
        ("la ville nourricière", ["ville", "nourriciere"]),
        ("liste-moi les cours d'école", ["cours", "ecole"]),
        ("donnez des exemples de données ouvertes", ["donnees", "ouvertes"]),
        ("quels projets ont été menés avec les habitants ?", ["habitants"]),
        ("quels projets sont soutenus par l'ADEME ?", ["ademe"]),
        ("désamiantage avant démolition", ["desamiantage", "demolition"]),
        ("récupérer des matériaux au lieu d'en racheter", ["recuperer", "materiaux"]),
        ("un tiers-lieu pour tous", ["tierslieu"]),
        ("un lieu pour tous", ["lieu"]),
        ("où aller au frais ?", ["frais"]),
        ("démarches d'aller vers", ["demarches", "aller"]),
        ("est-ce que ça existe, un atelier vélo ?", ["atelier", "velo"]),
        ("des projets financés depuis 2020", ["finances"]),  # a year no record writes: a date
        ("ma commune de 15 000 habitants", ["habitants"]),  # a size: « 000 » is no word
    ],
)
def test_framing_words_are_not_the_subject(qpv, query, subject):
    """« face au », « en faveur de », « au sein de », « grâce à », « comment transformer », « choisir »
    say how the subject stands or what to do with it,
    not what it is: « face » must not bring Toulon's « face à la surchauffe » first."""
    from qpvcli.search.index import Index
    from qpvcli.search.ranking import understand

    terms = understand(Index(qpv.store.conn, qpv.store.count), query)
    assert [t.word for t in terms if not t.generic] == subject


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("aller-vers", "miramas-aller-vers"),  # « vers » is a stop word, « allervers » in no record
        ("zéro-chômeur", "laval-zero-chomeur"),
        ("pré-diagnostic", None),  # « pré » and « prediagnostic » unknown: « diagnostic » stands for it
    ],
)
def test_a_hyphenated_word_is_found_by_the_pieces_the_catalogue_has(qpv, query, first):
    result = qpv.search(query)
    assert result.hits and result.unknown == []
    if first:
        assert result.hits[0].exemple.id == first


def test_a_hyphenated_word_found_nowhere_is_named_as_typed(qpv):
    result = qpv.search("truc-machin")
    assert result.hits == [] and result.unknown == ["truc-machin"]


def test_words_named_together_are_said_back_as_typed_little_words_included():
    from qpvcli.text import as_typed

    query = "Revitalisation des Commerces de proximité"
    assert as_typed(query, ["commerces proximite", "revitalisation"]) == ["Commerces de proximité", "Revitalisation"]


def test_a_place_name_typed_without_hyphens_is_found_whole(qpv):
    """« grand est » is the région Grand Est (« est » is a stop word: the words alone would look
    for « grand », Grand Paris first); « seine saint denis » is « Seine-Saint-Denis ». Only
    place names are glued so: « porte à porte » still finds the records that write it apart."""
    assert ids(qpv, "grand est") == ["mulhouse-patrimoine-textile"]
    assert ids(qpv, "seine saint denis", 5) == ids(qpv, "Seine-Saint-Denis", 5)
    assert len(ids(qpv, "porte à porte", 5)) > 1


def test_a_place_name_is_one_notion(qpv):
    """« jardins dans le Val-de-Marne », where no garden is: the name is one word, not « val »,
    « marne » and « valdemarne », three notions outweighing « jardins » (Vitry's art and GPSEA's
    employment first, for being in the Val-de-Marne). The gardens come first."""
    for query in ("jardins dans le Val-de-Marne", "jardins val de marne"):
        found = ids(qpv, query, 4)
        assert found[0] == "jardins-de-cocagne" and found.index("jardins-de-cocagne") < found.index(
            "vitry-centrale-edf-art"
        )


def test_a_compound_the_catalogue_has_glued_is_one_notion(tmp_path):
    """« centre-ville » is one notion, met glued or by « centre » and « ville » in a record, not
    three that outweigh « fraîcheur » three to one (the town centre without coolness first, the
    coolness without town centre cut off)."""
    engine = small(
        tmp_path,
        {"id": "both", "action": 8, "titre": "Îlots de fraîcheur en centre-ville", "description": BODY},
        {"id": "cool", "action": 8, "titre": "Îlots de fraîcheur au parc", "description": BODY},
        {"id": "centre", "action": 8, "titre": "Rénovation du centre-ville", "description": BODY},
        {"id": "apart", "action": 8, "titre": "Le centre de la ville", "description": BODY},
        *({"id": f"filler-{i}", "action": 8, "titre": "Atelier", "description": BODY} for i in range(4)),
    )
    found = ids(engine, "fraîcheur en centre-ville")
    assert found[0] == "both" and set(found[1:]) == {"cool", "centre", "apart"}
    assert set(ids(engine, "centre-ville")) == {"both", "centre", "apart"}  # « centre », « ville » apart too


def test_coolness_is_not_the_costs_of_a_project(qpv):
    """« frais » is coolness (« au frais ») and costs (« frais de formation »): « fraîcheur » finds
    the first only, « frais » typed finds coolness too (one way)."""
    assert "eru-formation-habitants" not in ids(qpv, "fraîcheur", 40)
    assert ids(qpv, "fraîcheur en centre-ville", 1) == ["toulon-surchauffe"]
    assert "paris-ilots-de-fraicheur" in ids(qpv, "au frais", 3)


def test_saint_denis_is_not_seine_saint_denis(qpv):
    """The parts of a place's name are not searched apart from it: « Saint-Denis » (typed with
    or without hyphens) does not find every record of the Seine-Saint-Denis, Stains's or
    Montreuil's."""
    for query in ("Saint-Denis", "saint denis"):
        found = ids(qpv, query, 40)
        assert "saint-denis-ferme-artistique" in found[:2]
        assert "montreuil-bagnolet-biodiversite" not in found and "plaine-commune-cagettes" not in found


def test_a_word_the_thesaurus_knows_is_not_a_misspelling(qpv):
    """« récup » is slang for « recyclage », not « recul » with a typo."""
    result = qpv.search("récup")
    assert result.hits and all(m[1] != "1 faute" for h in result.hits for ms in h.matches.values() for m in ms)
    assert "lille-butte-acoustique" not in ids(qpv, "récup", 10)  # its « recul » was the typo's


def _located(id_: str, commune: str, departement: str) -> dict:
    """A record of the small catalogues located in a commune of a département."""
    return {
        "id": id_,
        "action": 8,
        "titre": "Cours d'école",
        "description": BODY,
        "territoires": [{"nom": commune, "departement": departement}],
    }


def test_a_group_of_departements_is_searched_by_their_names_not_their_codes(tmp_path):
    """« Aquitaine » is Dordogne, Gironde, Landes… (24, 33, 40…): a record located in Gironde is
    found, not one whose text counts « 40 exemples »."""
    engine = small(
        tmp_path,
        _located("gironde", "Bordeaux", "33"),
        {"id": "nombre", "action": 8, "titre": "Un guide", "description": BODY + "Il réunit 40 exemples."},
    )
    assert ids(engine, "Aquitaine") == ["gironde"]
    assert ids(engine, "40") == ["nombre"]


def test_a_hyphenated_word_whose_only_known_piece_is_generic_is_unknown(qpv):
    """« Nouvelle-Aquitaine » (no record there) is not a search for « nouvelle »."""
    result = qpv.search("Nouvelle-Aquitaine")
    assert result.hits == [] and result.unknown == ["Nouvelle-Aquitaine"]


def test_a_scale_above_the_town_is_found_as_a_theme(tmp_path):
    """« intercommunal » finds the records of that scale (`niveau`) that do not write it, after
    the one that does; a town's scale is not searched so (« ville » is in every other query)."""
    engine = small(
        tmp_path,
        {"id": "ecrit", "action": 8, "titre": "Cours d'école", "description": BODY + "Un projet intercommunal."},
        {"id": "niveau", "action": 8, "titre": "Cours d'école", "description": BODY, "niveau": ["intercommunalite"]},
        {"id": "ville", "action": 8, "titre": "Cours d'école", "description": BODY, "niveau": ["commune"]},
    )
    assert ids(engine, "intercommunal") == ["ecrit", "niveau"]
    assert ids(engine, "une métropole") == ["niveau"]
    assert "ville" not in ids(engine, "ville")


@pytest.mark.parametrize("query", ["quels jardins ont été menés ?", "des jardins qui se mêlent"])
def test_every_form_of_a_question_verb_carries_no_subject(tmp_path, query):
    """« menés », « mêlent » are forms of question verbs (mener, mêler): a record that has only
    the verb is no answer."""
    engine = small(
        tmp_path,
        {"id": "jardin", "action": 8, "titre": "Des jardins", "description": BODY},
        {"id": "verbe", "action": 8, "titre": "Mener et mêler", "description": "Mêler les publics, mener les débats."},
    )
    assert ids(engine, query) == ["jardin"]


def test_a_verb_the_catalogue_lacks_is_not_an_absent_subject(tmp_path):
    """« préparer », « viennent », « manque de » frame the question: « comment préparer un jardin ? » is about
    gardens, not a search with one subject in two missing; a pronoun like « eux-mêmes » is no
    word at all."""
    engine = small(tmp_path, {"id": "jardin", "action": 8, "titre": "Des jardins", "description": BODY})
    for query in (
        "comment préparer un jardin ?",
        "comment désigner un jardin ?",
        "manque de jardins",
        "des jardins pour les habitants eux-mêmes",
        "des habitants qui ne viennent jamais aux jardins",
    ):
        result = engine.search(query)
        assert [h.exemple.id for h in result.hits] == ["jardin"] and result.unknown == [], query
    # A noun is still an absent subject, whatever its ending.
    assert engine.search("cancer et jardin").hits == []


def test_a_thesaurus_phrase_counts_where_its_words_are_said_together(tmp_path):
    """« crowdfunding » is « financement participatif »: not a record where residents
    « participent aux choix de financement », but one that says it, even with a word between."""
    apart = {
        "id": "apart",
        "action": 3,
        "titre": "Budget du quartier",
        "description": BODY + "Les habitants participent aux choix de financement.",
    }
    assert ids(small(tmp_path, apart), "crowdfunding") == []
    said = {
        "id": "said",
        "action": 3,
        "titre": "Une plateforme",
        "description": BODY + "Un financement très participatif.",
    }
    assert ids(small(tmp_path, apart, said), "crowdfunding") == ["said"]


@pytest.fixture
def with_notion(tmp_path, monkeypatch):
    """The bundled thesaurus plus two notions: « habitat participatif », said also « coopérative
    d'habitants », and « économie sociale et solidaire », the full name of the sigle « ESS »."""
    notion = '\n[[notions]]\nterme = "habitat participatif"\nsens = ["coopérative d\'habitants"]\n'
    notion += '\n[[notions]]\nterme = "économie sociale et solidaire"\n'
    yield from _bundled_thesaurus_plus(tmp_path, monkeypatch, notion)


def _bundled_thesaurus_plus(tmp_path, monkeypatch, entries: str):
    """The bundled thesaurus with some entries appended, read instead of it (a fixture's body)."""
    from qpvcli import thesaurus

    path = tmp_path / "thesaurus.toml"
    path.write_text(thesaurus.THESAURUS_FILE.read_text(encoding="utf-8") + entries, encoding="utf-8")
    monkeypatch.setattr(thesaurus, "THESAURUS_FILE", path)
    thesaurus.load.cache_clear()
    yield
    thesaurus.load.cache_clear()


def test_a_notion_is_searched_whole_never_by_its_words(tmp_path, with_notion):
    """« habitat participatif » is not social housing renovated with residents taking part:
    where no record says it (nor « coopérative d'habitants »), it is one unknown word, and
    nothing is found; where one says it, or says it otherwise, those come first."""
    apart = {
        "id": "apart",
        "action": 3,
        "titre": "Réhabilitation",
        "description": BODY + "Un habitat social rénové avec une démarche participative.",
    }
    result = small(tmp_path, apart).search("habitat participatif")
    assert result.hits == [] and result.unknown == ["habitat participatif"]
    assert ids(small(tmp_path, apart), "habitat") == ["apart"]  # the word alone is still a word
    said = {"id": "said", "action": 3, "titre": "Un projet d'habitat participatif", "description": BODY}
    otherwise = {"id": "otherwise", "action": 3, "titre": "Une coopérative d'habitants", "description": BODY}
    # Said somewhere, its words are searched as any words: the records that say it together
    # first (proximity), its other wording next, its words apart after.
    assert ids(small(tmp_path, apart, said, otherwise), "habitat participatif")[:2] == ["said", "otherwise"]
    # A sigle's full name made a notion still finds the records that write only the sigle.
    ess = {"id": "ess", "action": 9, "titre": "Une entreprise de l'ESS", "description": BODY}
    assert ids(small(tmp_path, ess, apart), "économie sociale et solidaire") == ["ess"]
    # It counts as its two words: beside one unknown word, most of the subject is still there.
    assert ids(small(tmp_path, said), "habitat participatif zorglub") == ["said"]


def test_a_notion_has_several_words_and_is_no_other_key():
    from qpvcli.thesaurus import check

    data = {
        "equivalents": [{"terme": "habitat participatif", "sens": ["coopérative d'habitants"]}],
        "notions": [{"terme": "habitat participatif"}, {"terme": "autopromotion"}],
    }
    assert check(data, "t.toml") == [
        "t.toml : [[notions]] n° 2 : « autopromotion » n'a qu'un mot (une notion en a plusieurs)",
        "t.toml : [[notions]] n° 1 : « habitat participatif » est déjà une clé du thésaurus",
    ]


def test_a_word_only_in_a_themes_vocabulary_is_half_an_absent_subject(tmp_path):
    """« géomatique » is a word of the theme « numérique et données », which no record writes:
    alone it finds the theme's records; beside other words it is half a missing word, so that
    with an unknown one (« revitalisation des commerces de proximité ») half the subject is
    missing: nothing, not every record that has the third word."""
    engine = small(
        tmp_path,
        {"id": "jardin", "action": 8, "titre": "Des jardins", "description": BODY},
        {"id": "donnees", "action": 1, "titre": "Un outil", "description": BODY, "thematiques": ["numerique-donnees"]},
    )
    assert ids(engine, "géomatique") == ["donnees"]
    assert ids(engine, "zorglub des jardins du bailleur")[0] == "jardin"  # one unknown in three
    result = engine.search("zorglub et géomatique des jardins")
    assert result.hits == [] and result.unknown == ["zorglub", "géomatique"]


def test_a_departement_where_no_record_is_is_one_unknown_word(tmp_path):
    """« Val-d'Oise » is not « Oise » (Creil, Crépy), « Seine-et-Marne » not « Seine »: a
    département or région named with its hyphens where no record is located is one unknown
    word, named as typed; where a record is, it is found."""
    qpv = Qpv.open(use_cache=False)
    for query, name in (("Val-d'Oise", "Val-d'Oise"), ("jardins en Seine-et-Marne", "Seine-et-Marne")):
        result = qpv.search(query)
        assert result.hits == [] and result.unknown == [name], query
    assert ids(qpv, "Hauts-de-France", 40) and "creil-cours-oasis" in ids(qpv, "Hauts-de-France", 40)
    engine = small(
        tmp_path,
        _located("cergy", "Cergy", "95"),
        {"id": "oise", "action": 8, "titre": "Cours d'école", "description": BODY + "Dans l'Oise."},
    )
    assert ids(engine, "Val-d’Oise")[0] == "cergy"


def test_letters_glued_to_a_number_are_two_words_when_the_catalogue_lacks_the_whole(qpv):
    """« CD93 » is the conseil départemental of the 93: « CD » and « 93 »."""
    assert ids(qpv, "CD93") == ids(qpv, "CD 93") != []
    assert "seine-saint-denis-vulnerabilites" in ids(qpv, "CD93", 3)


def test_only_a_word_the_catalogue_lacks_is_completed_as_a_prefix(tmp_path):
    """« vélo » is a word: it is not also the beginning of « vélorution »; « vélorut » is not a
    word, it is completed."""
    engine = small(
        tmp_path,
        {"id": "velo", "action": 7, "titre": "Atelier vélo", "description": BODY},
        {"id": "velorution", "action": 7, "titre": "La vélorution", "description": BODY},
    )
    assert ids(engine, "vélo") == ["velo"]
    assert ids(engine, "vélorut") == ["velorution"]


def test_a_word_spelt_by_ear_is_found_not_another_that_sounds_alike(qpv):
    """« dunkerke » is « Dunkerque » (two edits); « tempête » is not « temps » (three), though
    their keys sound alike: an absent subject."""
    assert ids(qpv, "dunkerke", 1)[0].startswith("dunkerque")
    result = qpv.search("tempête")
    assert result.hits == [] and result.unknown == ["tempête"]
    # « acoustik » is three edits from « acoustique », none once each sound is spelt one way.
    assert ids(qpv, "acoustik", 1) == ["lille-butte-acoustique"]


def test_aller_frames_a_question_but_aller_vers_is_a_subject(qpv):
    """« où aller au frais ? » is about coolness, not about records that say « aller »; « aller
    vers » (outreach), with or without its hyphen, is still a subject."""
    cool = {"paris-ilots-de-fraicheur", "ademe-plus-fraiche-ma-ville", "toulon-surchauffe"}
    assert set(ids(qpv, "où aller au frais l'été ?", 2)) <= cool  # not « aller vers » records
    for query in ("aller vers", "aller-vers", "démarches d'aller vers"):
        assert ids(qpv, query, 1) == ["miramas-aller-vers"] or query.startswith("dém")
        assert "miramas-aller-vers" in ids(qpv, query, 3)


def test_a_short_word_does_not_stem_into_an_acronym(qpv):
    """Snowball stems « rues » to « ru », the stem of the acronym « RU » (renouvellement urbain):
    a fête in the streets found the records « en RU ». A stem of two letters or fewer keeps the
    word's singular, as « rue » (kept whole) has."""
    from qpvcli.text import stem

    assert stem("rues") == stem("rue") != stem("ru")
    found = ids(qpv, "une fête dans les rues")
    assert found[0] == "ile-saint-denis-fetes"
    assert "miramas-urbanisme-sante" not in found  # « quartier en RU »


def test_a_french_word_is_not_a_misspelling_of_another(qpv):
    """« plage », « émissions », « plastique » are words of their own that no record treats: not
    « place », « missions », « pratique » one edit away. A non-word is still corrected."""
    for word in ("plage", "émissions", "plastique", "parvis de la gare"):
        found = qpv.search(word, limit=5)
        assert not found.hits and not found.suggestions, word
    assert qpv.search("plage", limit=5).unknown == ["plage"]
    assert ids(qpv, "concierje", 1) == ["dunkerque-concierge-quartier"]
    assert ids(qpv, "punèses de lit", 1) == ["stains-punaises-de-lit"]


def test_a_french_word_still_meets_its_own_forms(qpv):
    """Within the typo budget, a French word the catalogue lacks meets the words it begins with
    or that begin with it: « travaille » the records that say « travail »."""
    from qpvcli.search import ranking

    qpv.search("x", limit=1)
    (term,) = ranking.understand(qpv._index, "travaille")
    assert "travail" in term.variants
    (term,) = ranking.understand(qpv._index, "plage")
    assert not term.variants


def test_without_the_french_word_list_words_are_corrected_as_before(qpv, monkeypatch):
    """The word list is a judgement, not a requirement: without pyspellchecker (or its list),
    the search works and corrects every word the catalogue lacks."""
    from qpvcli import lexicon

    monkeypatch.setattr(lexicon, "_source", lambda: None)
    lexicon._lexicon.cache_clear()
    try:
        assert qpv.search("plage", limit=5).hits  # « place », as before
    finally:
        lexicon._lexicon.cache_clear()


def test_the_french_word_list_is_kept_in_the_cache_or_in_memory(tmp_path, monkeypatch):
    """Read once into the cache folder (a whole file, renamed into place); a cache folder that
    cannot be written keeps the list in memory for the run."""
    from qpvcli import lexicon

    monkeypatch.setenv("QPV_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / "lexique-fr-0-1.sqlite").write_bytes(b"")  # an older list: removed
    lexicon._lexicon.cache_clear()
    try:
        assert lexicon.is_word("plage") and not lexicon.is_word("concierje")
        assert [p.name.startswith(f"lexique-fr-{lexicon.LEXICON_FORMAT}-") for p in (tmp_path / "cache").iterdir()] == [
            True
        ]
        listed = next((tmp_path / "cache").iterdir())
        listed.write_bytes(b"pas une base SQLite" * 100)  # damaged: written again
        lexicon._lexicon.cache_clear()
        assert lexicon.is_word("plage") and listed.stat().st_size > 1_000_000
        blocked = tmp_path / "fichier"
        blocked.write_text("pas un dossier", encoding="utf-8")
        monkeypatch.setenv("QPV_CACHE_DIR", str(blocked / "cache"))
        lexicon._lexicon.cache_clear()
        assert lexicon.is_word("plage") and blocked.read_text(encoding="utf-8") == "pas un dossier"
    finally:
        lexicon._lexicon.cache_clear()


@pytest.mark.parametrize(
    ("word", "verb"),
    [
        *(("organisait", True), ("souhaitons", True), ("existez", True)),
        *(("enfant", False), ("vague", False), ("handicapees", False), ("eloignees", False)),
    ],
)
def test_tenses_and_participles_frame_a_question(word, verb):
    """A tense of a verb the French word list has frames a question, as an infinitive in -er
    does; a noun does not (« -e », « -ant » endings are left out), nor a participle in « -ée(s) »,
    as often an adjective that says the subject (« personnes handicapées »)."""
    from qpvcli.search.ranking import _a_verb

    assert _a_verb(word) is verb


def test_a_gerund_frames_a_question(qpv):
    """« en attendant » says how, not what: a question with it is not left without answer."""
    from qpvcli.search import ranking

    qpv.search("x", limit=1)
    terms = ranking.understand(qpv._index, "que faire d'une friche en attendant le projet ?")
    assert next(t for t in terms if t.word == "attendant").generic
    assert ids(qpv, "que faire d'une friche en attendant le projet ?", 1) == ["marseille-foresta-friche"]


def test_a_bound_before_an_elided_amount(qpv):
    """« plus d'un million d'euros » is at least a million, as « plus de 1 million » is (it
    was read as « about a million »); « moins d'un », « à partir d'un » likewise."""
    for query, fits in (
        ("projets de plus d'un million d'euros", lambda c: c >= 1_000_000),
        ("à partir d'un million d'euros", lambda c: c >= 1_000_000),
        ("moins d'un million d'euros", lambda c: c <= 1_000_000),
    ):
        found = qpv.search(query, limit=10).hits
        assert len(found) >= 3, query
        assert all(fits(h.exemple.cout_total or h.exemple.cout_eur) for h in found), query


def test_a_word_followed_by_other_words_is_finished(qpv):
    """Only the word the query ends with may be a prefix being typed: « près », followed by
    « de chez moi », is not « présence » or « préservation »."""
    from qpvcli.search.ranking import parse_query

    assert parse_query("les assos près de chez moi") == (["assos", "pres"], False)
    assert parse_query("végéta") == (["vegeta"], True)
    assert parse_query("végéta ")[1] is parse_query("îlots de fraîcheur.")[1] is False
    assert ids(qpv, "trouver les assos près de chez moi", 1) == ["data-asso-associations"]


def test_words_snowball_confuses_have_their_own_stems(qpv):
    """Snowball gives « amiante » the stem of « ami », « voirie » that of « voir », « mères »
    that of « mer », « réfugiés » that of « refuge » (the records' « lieux refuge »); « lieux »
    and « jeux » it keeps apart from « lieu » and « jeu ». Overrides, as Lucene's."""
    from qpvcli.text import fold, stem

    for a, b in (
        *(("amiante", "ami"), ("voirie", "voir"), ("mères", "mer"), ("réfugiés", "refuge"), ("ventes", "vent")),
        *(("concerts", "concertation"), ("café", "CAF"), ("trame", "tram"), ("gêne", "gens")),
        *(("Seine", "sein"), ("communication", "commune"), ("aire", "air"), ("mars", "mare")),
        *(("note", "notamment"), ("villa", "ville"), ("départ", "département"), ("terrasse", "terre")),
        *(("français", "France"), ("traitement", "trait"), ("semis", "semi"), ("glace", "Glacis")),
        *(("mines", "mini"), ("punir", "punaises"), ("généreux", "générations"), ("noter", "notamment")),
    ):
        assert stem(fold(a)) != stem(fold(b)), (a, b)
    for a, b in (("lieux", "lieu"), ("jeux", "jeu"), ("amis", "ami"), ("enjeux", "enjeu")):
        assert stem(fold(a)) == stem(fold(b)), (a, b)
    assert not qpv.search("réfugiés", limit=5).hits
    from qpvcli.text import STEM_OVERRIDES, stem_all

    assert stem_all(list(STEM_OVERRIDES)) == list(STEM_OVERRIDES.values())  # both ways of stemming


def test_pronouns_and_verbs_of_state_or_perception_are_no_subject(qpv):
    """« elles » is a stop word as « elle » is; « restent », « voir », « savoir », « des trucs »
    frame what is asked: they are not subjects a record must hold."""
    from qpvcli.search import ranking

    qpv.search("x", limit=1)
    terms = ranking.understand(qpv._index, "les personnes âgées qui restent seules chez elles sans voir de trucs")
    assert "elles" not in {t.word for t in terms}
    assert all(t.generic for t in terms if t.word in ("restent", "voir", "trucs"))


def test_no_thesaurus_key_is_a_word_most_records_hold(qpv):
    """A key that analyses to one common word (« quelqu'un du quartier » once « quelqu » was a
    stop word: « quartier », in 32 records of 40) would give its senses to every search of that
    word: none may."""
    from qpvcli import thesaurus

    qpv.search("x", limit=1)
    index = qpv._index
    expansions = thesaurus.load().expansions
    common = []
    for key in expansions:
        found = index.raw(key[0]) if len(key) == 1 else None
        if found is not None and len(found[0]) > index.n_docs / 3:
            common.append(key[0])
    assert not common


def test_a_key_of_several_words_is_not_one_word_by_its_stop_words():
    """Stop words left « sur qui compter » as « compter », « système D » as « système », « à pied »
    as « pied » (« au pied des immeubles » was about walking), the theme word « pas cher » as
    « cher » (the Cher): every search of that word met the sense. A key its stop words reduce to one word must mean that word (a reflexive verb,
    « se soigner »; « pas cher », read as a cost before the thesaurus), and is listed here."""
    import tomllib
    from importlib import resources

    from qpvcli.thesaurus import _keys

    allowed = {"pas cher", "se reconvertir", "se soigner", "où se rafraîchir"}
    allowed |= {"être écouté", "être bénévole", "être endetté"}
    data = tomllib.loads(resources.files("qpvcli").joinpath("thesaurus.toml").read_text(encoding="utf-8"))
    keys = [e["terme"] for e in data["equivalents"]] + [e["sigle"] for e in data["sigles"]]
    keys += [alias for e in data["regions"] for alias in e["alias"]]

    def reduced(keys, allowed):
        return {
            key
            for key in keys
            if "-" not in key and len(key.split()) > 1 and all(len(k) == 1 for k in _keys(key)) and key not in allowed
        }

    assert not reduced(keys, allowed)
    # ...nor a theme's word (« pas cher » made every « Cher » a word of the theme « pilotage »);
    # « vers » is a stop word, « aller vers » is told apart in a query (ranking._SUBJECT_BEFORE).
    themes = tomllib.loads(resources.files("qpvcli").joinpath("thematiques.toml").read_text(encoding="utf-8"))
    assert not reduced([word for theme in themes["thematiques"] for word in theme["mots"]], {"aller vers"})


def test_a_french_word_or_a_thesaurus_word_is_not_the_beginning_of_another(qpv):
    """The last word may be a prefix being typed (« végéta »), not a word of its own: « vent »
    is not « vente », « concert » not « concertation »; nor a word the thesaurus knows
    (« clim » → climatisation, not « climat »)."""
    from qpvcli.search import ranking

    qpv.search("x", limit=1)
    assert not qpv.search("vent", limit=5).hits
    assert "montreuil-bagnolet-biodiversite" not in ids(qpv, "concert")  # its « concertation »
    for word in ("vent", "concert", "clim"):
        (term,) = ranking.understand(qpv._index, word)
        assert all(how != "préfixe" for _, how in term.variants.values()), word
    (term,) = ranking.understand(qpv._index, "végéta")
    assert any(how == "préfixe" for _, how in term.variants.values())


def test_ete_is_summer_or_a_participle_not_a_stop_word(qpv):
    """« été » was a stop word (« a été financé »): « confort d'été » then meant « confort », and
    « été » alone found nothing. It is a framing word: summer when it is all there is; after
    « avoir », the participle, no word at all (see test_the_participle_ete_is_no_summer)."""
    from qpvcli.search import ranking

    qpv.search("x", limit=1)
    terms = ranking.understand(qpv._index, "projets qui ont été financés par l'ADEME")
    assert [t.word for t in terms] == ["projets", "finances", "ademe"]
    assert next(t for t in ranking.understand(qpv._index, "jardins pour l'été") if t.word == "ete").generic
    assert ids(qpv, "confort d'été", 1) == ["paris-ilots-de-fraicheur"]
    assert "paris-ilots-de-fraicheur" not in ids(qpv, "confort acoustique", 40)  # not « confort d'été »


@pytest.mark.parametrize("content", [b"pas du gzip", __import__("gzip").compress(b"[1, 2, 3]")])
def test_a_damaged_french_word_list_is_no_word_list(tmp_path, monkeypatch, content):
    """pyspellchecker's list damaged in the installation: no list (typos corrected as before),
    never an error, and nothing left in the cache."""
    from qpvcli import lexicon

    damaged = tmp_path / "fr.json.gz"
    damaged.write_bytes(content)
    monkeypatch.setattr(lexicon, "_source", lambda: damaged)
    monkeypatch.setenv("QPV_CACHE_DIR", str(tmp_path / "cache"))
    lexicon._lexicon.cache_clear()
    try:
        assert not lexicon.is_word("plage")
        assert [p.name for p in (tmp_path / "cache").glob("*")] == []
    finally:
        lexicon._lexicon.cache_clear()


def test_explain_names_a_phrase_only_where_it_matched(qpv):
    """« jardins » stands for « agriculture urbaine » too: a record that says « urbain » but not
    « agriculture » was shown as found by that phrase (« jardins → urbain »), though the phrase
    gave it nothing."""
    hits = {h.exemple.id: h for h in qpv.search("jardins partagés", limit=40).hits}
    assert "jardins" not in hits["ademe-plus-fraiche-ma-ville"].matches


def test_a_compound_whose_other_part_is_a_word_is_one_word(qpv):
    """« outre-mer » is not « mer »: a piece of a compound the catalogue lacks that is a French
    word of its own makes the compound one unknown word (overseas QPV are absent, not every QPV
    record, nor the one by the sea); a prefix (« micro- », « pré- ») or a compound the thesaurus
    knows whole (« micro-forêt ») still meets what its other part says."""
    from qpvcli.search import ranking

    qpv.search("x", limit=1)
    terms = {t.word for t in ranking.understand(qpv._index, "quartiers prioritaires d'outre-mer")}
    assert "outremer" in terms and "mer" not in terms
    assert ranking.run(qpv._index, "tiers-lieu chauffe-eau").unknown == ["chauffeeau"]  # not « eau »
    assert ids(qpv, "pré-diagnostic", 1) and ids(qpv, "micro-forêt", 1)


def test_a_verb_joined_to_its_pronoun_frames_the_question(qpv):
    """« dites-moi », « pouvez-vous », « existe-t-il » ask; they are not a subject no record
    treats (« dites » alone was half the subject of the question below: nothing was found)."""
    from qpvcli.search import ranking

    qpv.search("x", limit=1)
    terms = {t.word: t for t in ranking.understand(qpv._index, "dites-moi quels projets végétalisent des cours")}
    assert terms["dites"].generic and not terms["cours"].generic
    assert "creil-cours-oasis" in ids(qpv, "dites-moi quels projets végétalisent des cours", 3)
    pouvez = {t.word: t for t in ranking.understand(qpv._index, "pouvez-vous trouver des jardins")}
    assert pouvez["pouvez"].generic


def test_a_number_written_out_is_a_quantity_not_a_subject(qpv):
    from qpvcli.search import ranking

    qpv.search("x", limit=1)
    terms = {t.word: t for t in ranking.understand(qpv._index, "quels projets ont plus de dix ans de recul ?")}
    assert terms["dix"].generic


def test_everyday_words_in_a_long_query_are_not_an_absent_subject(qpv):
    """« vrai » and « années », which no record writes, are the way people talk: in a query of
    several subject words they do not make it absent (two of four words were unknown: nothing).
    Alone, such a word is still the subject, reported absent."""
    query = "donner un vrai boulot en cdi à ceux qui n'en trouvent plus depuis des années"
    assert ids(qpv, query, 1) == ["laval-zero-chomeur"]
    from qpvcli.search import ranking

    assert ranking.run(qpv._index, "vrai").unknown == ["vrai"]
    assert not ids(qpv, "vrai", 5)


def test_a_sigle_is_not_met_by_a_longer_word_stemmed_to_its_letters(qpv):
    """« bêtes » stems to « bet », the sigle BET (bureau d'études techniques): typed as a word,
    it is not the sigle; typed as the sigle, it is."""
    from qpvcli.search import ranking

    qpv.search("x", limit=1)

    def senses(query):
        return {
            alt for t in ranking.understand(qpv._index, query) for alt, _, how in t.phrases if how.startswith("sigle")
        }

    assert ("bureau", "etud") not in senses("des petites bêtes dans les plantes")
    assert ("bureau", "etud") in senses("BET")


def test_a_quoted_name_is_found_by_its_initials(qpv, tmp_path):
    """People shorten the names of programmes: « Plus fraîche ma ville » is PFMV (every word),
    « Territoire zéro déchet, zéro gaspillage » TZDZG; a record that quotes a name is found by them, though it never
    writes them."""
    assert ids(qpv, "outil PFMV de l'ademe", 1) == ["ademe-plus-fraiche-ma-ville"]
    named = {
        "id": "named",
        "action": 10,
        "titre": "Une démarche « Territoire zéro déchet, zéro gaspillage » dans le quartier",
        "description": BODY,
    }
    other = {"id": "other", "action": 10, "titre": "Un atelier de réparation", "description": BODY}
    engine = small(tmp_path, named, other)
    assert ids(engine, "TZDZG") == ["named"] and ids(engine, "démarche TZDZG") == ["named"]


def test_initials_only_of_names_of_three_words_or_more():
    """An elided article (« d' ») or a number is not a word of the name; a name of two words
    would give two letters, any sigle."""
    from qpvcli.fields import initialisms

    assert initialisms("«Plus fraîche ma ville» : aide") == ["PFMV"]
    assert initialisms("« Territoire zéro chômeur de longue durée »") == ["TZCDLD", "TZCLD"]
    assert initialisms("une démarche « d'aller vers »") == []
    assert initialisms("le programme « Resilient BoTu 2028 »") == []
    assert initialisms("un tiers-lieu « La Grande Halle des Possibles » et “Quartier en transition”") == [
        "LGHDP",
        "GHP",
        "QET",
    ]


def test_a_hyphenated_thesaurus_key_with_a_stop_word_is_not_its_other_part():
    """« sous-sol » (garages) was also the key « sol » (« sous » is a stop word), « bien-être »
    the key « bien »: every search of « sol » or « bien » met garages or health. Spaced, a key
    of several words stays one (« aller au devant des habitants », typed without its hyphen)."""
    from qpvcli.thesaurus import _keys

    assert _keys("sous-sol") == {("sol", "soussol")}
    assert ("bien",) not in _keys("bien-être")
    assert ("seine", "saint", "den") in _keys("Seine-Saint-Denis")  # spaced too
    assert ("aller", "dev", "habit") in _keys("aller au-devant des habitants")  # several words left


def test_an_overridden_word_has_no_family_and_a_french_word_no_stem_cousin(qpv):
    """« restaurant » has its own stem, not that of « restauration » (of wetlands): nor does it
    meet it as its family. A French word is not a misspelling of a word whose stem it merely
    begins with: « règles » is not « régies » (stem « reg »)."""
    from qpvcli.search import ranking

    qpv.search("x", limit=1)
    restaurant = ranking.understand(qpv._index, "restaurant")[0]
    assert "restaur" not in restaurant.variants
    assert "climat" not in ranking.understand(qpv._index, "climatiser")[0].variants  # not « climat »
    assert not ranking.understand(qpv._index, "règles")[0].variants
    assert ranking.understand(qpv._index, "travaille")[0].variants  # its own forms still


def test_a_word_being_typed_is_not_also_a_misspelling(qpv):
    """« patri », being typed, is the beginning of « patrimoine »; it was also « part » with one
    typo, a second reading that brought records the word never meant."""
    from qpvcli.search import ranking
    from qpvcli.search.expansion import MISTYPED_ROUTES, PREFIX_ROUTE

    qpv.search("x", limit=1)
    routes = {how for _, how in ranking.understand(qpv._index, "patri")[0].variants.values()}
    assert PREFIX_ROUTE in routes and not routes & MISTYPED_ROUTES
    assert ranking.understand(qpv._index, "vegetalisaton")[0].variants  # no completion: a typo


def test_the_cher_is_a_departement_not_a_cost():
    """« dans le Cher », « Loir-et-Cher » are places (no record is located there), not « cher »
    (costly): they listed the costliest records, then the theme whose words said « pas cher »."""
    from qpvcli.search import cost

    assert cost.read("projets dans le Cher")[0] is None
    assert cost.read("Loir-et-Cher")[0] is None
    assert cost.read("exemples du Cher")[0] is None
    assert cost.read("trop cher")[0] is not None and cost.read("le plus cher")[0] is not None


def test_a_departement_named_like_a_cost_word_finds_nothing(qpv):
    assert not ids(qpv, "projets dans le Cher", 5)
    assert ids(qpv, "projets pas chers", 1)  # the cost still reads « pas cher »


def test_an_elision_is_not_the_end_of_a_place_name(qpv):
    """« où va l'argent » glued « va » and the « l » of « l'argent » into « Val » (Val-de-Marne,
    Val'orisons): a run of words looked up as a place does not end with an elided article."""
    from qpvcli.search import ranking

    qpv.search("x", limit=1)
    assert "val" not in {t.word for t in ranking.understand(qpv._index, "où va l'argent public ?")}


def test_a_thesaurus_phrase_counts_where_one_field_has_all_its_words(tmp_path):
    """« rues » stands for « espaces publics »: a record that says « espace » in its title and
    « tous publics » in its description does not say it (the index keeps each word's fields,
    not its positions: words far apart in one field still count)."""
    said = {"id": "said", "action": 5, "titre": "Des espaces publics rénovés", "description": BODY}
    apart = {
        "id": "apart",
        "action": 5,
        "titre": "Un espace de jeux",
        "description": BODY + "Des ateliers tous publics.",
    }
    engine = small(tmp_path, said, apart)
    assert ids(engine, "rues") == ["said"]


def test_a_technical_verb_no_record_has_is_the_subject(qpv):
    """« désamianter », « dépolluer » (rare in everyday French) are what is asked, not how: qpv
    names them as missing (they were dropped as framing verbs, the rest answered without a
    word); « préparer », « désigner » still frame a question."""
    from qpvcli.search import ranking

    qpv.search("x", limit=1)
    assert ranking.run(qpv._index, "comment désamianter les logements sociaux ?").unknown == ["desamianter"]
    assert ranking.run(qpv._index, "désamianter").hits == []
    assert ranking._a_verb("preparer") and ranking._a_verb("designer")
    assert not ranking._a_verb("depolluer")


def test_a_word_after_a_subject_pronoun_is_its_verb(qpv):
    """« je travaille chez Paris Habitat » says who asks: « travaille » (read as « travail »)
    is not a subject."""
    from qpvcli.search import ranking

    qpv.search("x", limit=1)
    terms = {t.word: t for t in ranking.understand(qpv._index, "je travaille chez un bailleur : des encombrants")}
    assert terms["travaille"].generic and not terms["encombrants"].generic


def test_without_a_big_budget_is_cheap():
    """« sans gros budget » read « gros budget » (costly); « aucun budget » was a missing word."""
    from qpvcli.search import cost

    cheap = cost.read("végétaliser sans gros budget")[0]
    assert cheap is not None and cheap.high is not None and cheap.low is None
    free = cost.read("quels projets ne demandent aucun budget ?")[0]
    assert free is not None and free.high == 0


def test_a_compound_of_one_word_twice_is_not_met_by_its_parts(qpv):
    """« porte-à-porte » is not any record that says « porté » (one word, both parts)."""
    assert ids(qpv, "mobiliser les habitants par le porte-à-porte", 1) == ["voisinmalin-messagers"]


def test_the_catalogues_own_field_frames_a_query_with_another_subject(qpv):
    """Every example is about priority neighbourhoods: « des quartiers prioritaires à Rennes »
    asks for Rennes, which no record names (nothing, not every record saying « quartiers »);
    « un parc pour le quartier » asks for a park. Alone, « quartiers prioritaires » is the
    subject and is searched."""
    for query, name in (("projets des quartiers prioritaires à Rennes", "Rennes"), ("QPV de Strasbourg", "Strasbourg")):
        result = qpv.search(query)
        assert result.hits == [] and result.unknown == [name], query
    assert ids(qpv, "un parc pour le quartier")[0] == "marseille-foresta-friche"
    assert ids(qpv, "quartiers prioritaires") and ids(qpv, "QPV")
    from qpvcli.search.index import Index
    from qpvcli.search.ranking import understand

    terms = understand(Index(qpv.store.conn, qpv.store.count), "jardins en QPV dans les quartiers")
    assert [t.word for t in terms if not t.generic] == ["jardins"]


def test_apostrophes_and_saints_typed_without_them_are_restored(qpv):
    """« lecole » is « l'école », « dune » « d'une », « st etienne » « saint etienne »; a word
    of its own (« taxe », « dose »), a little word (« dont ») or a word of the catalogue
    (« dalle ») is kept whole."""
    from qpvcli.search.index import Index
    from qpvcli.search.ranking import _apostrophes_restored

    index = Index(qpv.store.conn, qpv.store.count)
    restored = _apostrophes_restored(index, "lecole dune dalle a st etienne, taxe dose dont lilot quil Ste jeux")
    assert restored == "l'ecole d'une dalle a saint etienne, taxe dose dont l'ilot qu'il Sainte jeux"
    assert ids(qpv, "vegetalisation dune dalle a st etienne") == ["saint-etienne-dalle-vegetalisee"]
    assert ids(qpv, "cour de lecole")[:1] == ids(qpv, "cour de l'école")[:1] != []


def test_a_verb_in_the_plural_is_found_by_its_infinitive(tmp_path):
    """The stemmer leaves « impliquent », « gèrent » whole: where the catalogue lacks the
    word's own stem, the verb's (« impliquer », « gérer ») is looked up."""
    engine = small(
        tmp_path,
        {"id": "impl", "action": 3, "titre": "Impliquer les habitants", "description": BODY},
        {"id": "gest", "action": 3, "titre": "Gérer un jardin", "description": BODY},
        {"id": "autre", "action": 8, "titre": "Un arbre", "description": BODY},
    )
    assert ids(engine, "ils s'impliquent") == ids(engine, "impliquent") == ["impl"]
    assert ids(engine, "gèrent") == ["gest"]


@pytest.fixture
def with_subjects(tmp_path, monkeypatch):
    """The bundled thesaurus plus subjects of the field: « patinoire », « santé mentale »."""
    subjects = '\n[[sujets]]\nmots = ["patinoire", "santé mentale", "chauffe-bain"]\nsource = "test"\n'
    yield from _bundled_thesaurus_plus(tmp_path, monkeypatch, subjects)


def test_a_subject_of_the_field_that_no_record_treats_empties_the_query(tmp_path, with_subjects):
    """« une patinoire pour les familles du bailleur »: one unknown word in three, but the one
    that names what is asked; nothing, not every record saying « familles ». A word that is no
    subject of the field (« zorglub ») leaves the rest searched; a subject the catalogue has is
    searched as any word; a subject of several words is searched whole (« santé mentale » is not
    « santé »)."""
    records = [
        {"id": "familles", "action": 3, "titre": "Des familles au jardin", "description": BODY},
        {"id": "sante", "action": 6, "titre": "La santé des familles", "description": BODY},
        {"id": "autre", "action": 8, "titre": "Un arbre", "description": BODY},
    ]
    engine = small(tmp_path, *records)
    result = engine.search("une patinoire pour les familles du bailleur")
    assert result.hits == [] and result.unknown == ["patinoire"]
    assert {"familles", "sante"} <= set(ids(engine, "un zorglub pour les familles du bailleur"))
    result = engine.search("santé mentale des familles")
    assert result.hits == [] and result.unknown == ["santé mentale"]
    assert ids(engine, "santé des familles")[0] == "sante"
    result = engine.search("un chauffe-bain pour les familles du bailleur")  # hyphenated: one word
    assert result.hits == [] and result.unknown == ["chauffe-bain"]
    rink = {"id": "rink", "action": 5, "titre": "Une patinoire", "description": BODY + "La santé mentale."}
    (tmp_path / "with").mkdir()
    engine = small(tmp_path / "with", *records, rink)
    assert ids(engine, "une patinoire pour les familles")[0] == "rink"
    assert ids(engine, "santé mentale des familles")[0] == "rink"


def test_subjects_of_the_field_are_checked():
    from qpvcli.thesaurus import check

    assert check({"sujets": [{"mots": []}, {"mots": ["crèche", 3]}]}, "t.toml") == [
        "t.toml : [[sujets]] n° 1 : « mots » doit être une liste de textes non vides",
        "t.toml : [[sujets]] n° 2 : « mots » doit être une liste de textes non vides",
    ]


def test_a_noun_in_er_is_no_verb(qpv):
    """« poulailler », « loyer », « foyer » end like infinitives, but the French word list has no
    tense of them: nouns, the subject (« un poulailler pour le quartier » is not every record
    saying « quartier »); « préparer » has tenses (« préparez »): a verb that frames."""
    from qpvcli.search.ranking import _a_verb

    assert [w for w in ("poulailler", "loyer", "foyer", "preparer", "designer") if _a_verb(w)] == [
        "preparer",
        "designer",
    ]
    result = qpv.search("un poulailler pour le quartier")
    assert result.hits == [] and result.unknown == ["poulailler"]


def test_a_word_given_its_own_stem_is_no_family_of_a_shorter_one(tmp_path):
    """« département » was given its own stem (not « départ »): « départ » does not find it as
    its family; « départementale » still finds « département »."""
    engine = small(
        tmp_path,
        {"id": "dep", "action": 1, "titre": "Un atlas du département", "description": BODY},
        {"id": "autre", "action": 8, "titre": "Un arbre", "description": BODY},
    )
    assert ids(engine, "départ") == []
    assert ids(engine, "départementale") == ["dep"]


def test_a_sigle_of_the_field_met_only_by_what_it_is_about_is_absent(tmp_path, with_subjects):
    """A sigle's full name is what it is; its other senses, what it is about (« EHPAD » →
    « seniors »). A sigle that names a subject of the field, whose full name no record says,
    is an absent subject: « EHPAD » does not list the records about seniors. A sigle that is
    no such subject is still found by what it is about."""
    from qpvcli import thesaurus

    path = thesaurus.THESAURUS_FILE
    sigles = """
[[sigles]]
sigle = "PTQ"
sens = ["patinoire du quartier", "seniors"]
source = "test"

[[sigles]]
sigle = "SNQ"
sens = ["senior du quartier", "seniors"]
source = "test"

[[sujets]]
mots = ["PTQ"]
source = "test"
"""
    path.write_text(path.read_text(encoding="utf-8") + sigles, encoding="utf-8")
    thesaurus.load.cache_clear()
    engine = small(
        tmp_path,
        {"id": "seniors", "action": 2, "titre": "Les seniors", "description": BODY},
        {"id": "autre", "action": 8, "titre": "Un arbre", "description": BODY},
    )
    result = engine.search("PTQ")
    assert result.hits == [] and result.unknown == ["PTQ"]
    assert ids(engine, "SNQ") == ["seniors"]


def test_no_word_of_the_thesaurus_stems_to_a_sigle_of_it():
    """« repas » stemmed to « rep », « pluie » to « plui »: typed « REP+ », « PLUi », the sigle
    met the meals' and the rain's equivalents. A word that Snowball cuts to a sigle's letters
    gets its own stem (text.STEM_OVERRIDES)."""
    from qpvcli.text import analyse, fold, stem
    from qpvcli.thesaurus import THESAURUS_FILE

    data = tomllib.loads(THESAURUS_FILE.read_text(encoding="utf-8"))
    sigles = {stem(a[0]): e["sigle"] for e in data["sigles"] if len(a := analyse(e["sigle"])) == 1}
    keys = [e["terme"] for e in data["equivalents"]] + [w for e in data["synonymes"] for w in e["mots"]]
    clashes = [
        (word, sigles[s])
        for word in keys
        if len(a := analyse(word)) == 1 and (s := stem(a[0])) in sigles and fold(a[0]) != fold(sigles[s]).lower()
    ]
    assert clashes == []


def test_taking_refuge_is_not_the_refugees(qpv):
    """« réfugiés » has its own stem (not « refuge »); « se réfugier » is taking refuge: the
    cool places (« lieux refuges »), not an absent subject."""
    assert ids(qpv, "se réfugier au frais", 1) == ["paris-ilots-de-fraicheur"]


@pytest.mark.parametrize(
    ("word", "key"),
    [
        *(("profit", "profs"), ("galerie", "galère"), ("fournir", "fournaise"), ("génie", "gens")),
        *(("lois", "loisirs"), ("mari", "mare"), ("manga", "manger"), ("acier", "ACI")),
        *(("testament", "tester"), ("punis", "punaises")),
    ],
)
def test_a_word_is_no_form_of_a_key_it_shares_a_stem_with(word, key):
    """Snowball cuts « profit » and « profs », « galerie » and « galère » to one stem: typed, the
    word met the equivalents of the thesaurus key (« profit » found the teachers). Such a word
    gets a stem of its own (text.STEM_OVERRIDES), found by a hunt over the French word list."""
    from qpvcli.text import analyse, stem

    assert stem(analyse(word)[0]) != stem(analyse(key)[0])


def test_a_word_of_its_own_finds_nothing_of_the_key(qpv):
    """« galerie marchande » met « galère »'s equivalents (hardship), « profit » the teachers'."""
    assert qpv.search("galerie marchande").hits == []
    assert qpv.search("profit").hits == [] and qpv.search("profit").unknown == ["profit"]


def test_the_participle_ete_is_no_summer(tmp_path):
    """« a été réalisé » says nothing of summer: a query about summer must not find it, and
    « ce qui a été fait » asks nothing of it; « l'été » in a record is the season."""
    from qpvcli.text import analyse

    assert "ete" not in analyse("le projet a été réalisé, les habitants ont déjà été consultés")
    assert analyse("en été, il fait chaud") == ["ete", "fait", "chaud"]
    # the same through each way of cutting a text: a stray hyphen sends it to the regular expression
    assert analyse("il a été -- fait en été") == analyse("il a été fait en été") == ["fait", "ete"]
    engine = small(
        tmp_path,
        {"id": "participe", "action": 8, "titre": "Jardin", "description": BODY + "Un jardin a été planté."},
        {"id": "saison", "action": 8, "titre": "Jardin", "description": BODY + "Un jardin ouvert l'été."},
    )
    assert ids(engine, "jardin en été") == ["saison", "participe"]
    assert ids(engine, "été") == ["saison"]


def test_what_one_learns_is_the_subject(qpv):
    """« nager » is a verb, and a verb the catalogue lacks usually frames a question
    (« préparer », « désigner »); what one learns is its subject: no record teaches swimming,
    the children, the neighbourhood and the holidays only say to whom, where and when."""
    found = qpv.search("apprendre à nager aux enfants du quartier pendant les vacances")
    assert found.hits == [] and found.unknown == ["nager"]
    assert qpv.search("savoir nager").hits == []
    assert ids(qpv, "apprendre à faire du vélo", 1) == ["club-villes-cyclables-velo"]


def test_a_key_is_said_with_the_little_words_of_a_name(qpv):
    """« jardin d'enfants » (a kind of nursery, which no record has) is a notion searched whole:
    « jardiner avec les enfants » is gardening with children, not a nursery; « les caisses
    sont vides » still says « caisses vides », and a key written with another little word
    (« faire avec les habitants ») or two subjects joined by « et » (« jeunes et transition
    écologique ») is met whatever joins the words typed."""
    assert qpv.search("jardin d'enfants").hits == []
    assert ids(qpv, "jardiner avec les enfants", 1) == ["jardins-de-cocagne"]
    assert ids(qpv, "les caisses sont vides", 1) == ["cap-territoires-durables"]
    assert "banlieues-climat-jeunes" in ids(qpv, "impliquer les jeunes dans la transition écologique", 3)


def test_subjects_of_the_field_cover_building_hazards_and_public_services(qpv):
    """The subjects of the field, completed domain by domain (environmental health, building
    defects, public services...): « radon » is a subject no record treats, not a detail beside
    the cellars and the social housing that records do have."""
    found = qpv.search("mesurer le radon dans les caves des logements sociaux")
    assert found.hits == [] and "radon" in found.unknown
    assert qpv.search("recruter un policier municipal supplémentaire").hits == []


def test_a_subject_of_the_field_is_no_other_word_of_its_stem(qpv):
    """« opéra » and « opérateurs », « tennis » and « tenir » share Snowball's stem: the absent
    subject must not empty a query that says the other word."""
    assert qpv.search("un opéra dans le quartier").hits == []
    assert ids(qpv, "les outils proposés aux collectivités par les opérateurs de l'État", 3)
    assert qpv.search("cours de tennis").hits == []
    assert ids(qpv, "tenir compte de l'avis des habitants", 3)


def test_little_words_of_a_sentence_are_no_subject(qpv):
    """« si », « ni », « car », « puis » are in no record: they were unknown subject words
    (« aucun exemple ne parle de « si » ») and counted against the query's real subject."""
    for query in ("pourquoi font-ils si peu de vélo ?", "ni le vélo ni la marche", "car le vélo coûte peu"):
        found = qpv.search(query)
        assert found.unknown == [] and ids(qpv, query, 1) == ["club-villes-cyclables-velo"]


def test_a_subject_of_three_words_said_nowhere_is_absent(qpv):
    """« maison France services »: every word is in some record (« maison », « France »,
    « services »), the subject in none; a subject of two words found apart stays searched by
    its words (« formation professionnelle », « médiation culturelle » have answers)."""
    found = qpv.search("maison France services")
    assert found.hits == [] and found.unknown == ["maison France services"]
    assert ids(qpv, "formation professionnelle", 1) and ids(qpv, "médiation culturelle", 1)


def test_an_article_alone_does_not_join_the_words_of_a_name(qpv):
    """« Quartiers d'été » (a programme no record has) is a subject of the field; in
    « rafraîchir un quartier l'été » the article begins a complement of time: the query is
    about cooling a neighbourhood in summer and has answers."""
    found = qpv.search("rafraîchir un quartier l'été")
    assert found.unknown == [] and {"paris-ilots-de-fraicheur", "ademe-plus-fraiche-ma-ville"} == set(
        ids(qpv, "rafraîchir un quartier l'été", 2)
    )
    assert qpv.search("quartiers d'été").hits == []


def test_a_time_of_the_year_or_the_day_frames_a_query(qpv):
    """When, not what: no record says « hiver » or « printemps », and a query that asks for
    children in winter is still a query about children; alone, the season is absent."""
    for query in ("que faire pour les enfants en hiver", "animations pour les jeunes au printemps le samedi"):
        found = qpv.search(query)
        assert found.unknown == [] and found.hits, query
    assert qpv.search("hiver").hits == []


def test_what_the_asker_refuses_is_not_the_subject(qpv):
    """After « sans » or « ni » and a verb, the asker says what they do not want done: the
    trees of « sans planter d'arbres » must not bring the tree-planting record first, and an
    hotel no record has must not make the query absent."""
    query = "Comment rafraîchir un quartier l'été sans faire de travaux ni planter d'arbres ?"
    assert ids(qpv, query, 2) == ["paris-ilots-de-fraicheur", "ademe-plus-fraiche-ma-ville"]
    assert ids(qpv, "où se former à la rénovation urbaine sans payer le train ni l'hôtel ?", 1) == [
        "eru-formation-habitants"
    ]
    # Not a noun after « sans » (« sans produits chimiques » is what the asker wants).
    assert ids(qpv, "traiter les punaises sans produits chimiques", 1) == ["stains-punaises-de-lit"]


def test_nobody_is_not_a_person(qpv):
    """« personne ne vient » says nobody comes: « personne » is no subject there."""
    from qpvcli.search.ranking import understand

    terms = {t.word: t for t in understand(qpv._index, "personne ne vient réparer les bancs publics")}
    assert terms["personne"].generic and not terms["reparer"].generic
    assert not {t.word: t for t in understand(qpv._index, "une personne seule")}["personne"].generic


def test_a_sigle_with_one_sense_is_about_what_its_full_name_is_said_as(qpv):
    """« ICU » is « îlots de chaleur », which one record writes word for word; the thesaurus
    says « îlots de chaleur » is also « surchauffe » and « chaleur »: the sigle finds those
    records too, as its full name typed would. A sigle given broader senses of its own
    (« TVB »: « continuités écologiques ») keeps them alone."""
    found = ids(qpv, "lutte contre les ICU", 5)
    assert found[0] == "toulon-surchauffe" and {"lille-butte-acoustique", "ademe-plus-fraiche-ma-ville"} < set(found)
    assert ids(qpv, "TVB", 5) == ["montreuil-bagnolet-biodiversite"]


def test_a_short_query_in_a_place_without_records_has_no_answer(qpv):
    """« renouvellement urbain en Guadeloupe » asks for examples there, and no record is
    located in Guadeloupe: the renewal records elsewhere are no answer. A long question names
    where the asker works, and is still answered (« en Bretagne » below); a région with
    records is a place to search (« Hauts-de-France »)."""
    found = qpv.search("renouvellement urbain en Guadeloupe")
    assert found.hits == [] and found.unknown == ["Guadeloupe"]
    assert qpv.search("végétalisation en Bretagne").hits == []
    assert ids(qpv, "nous sommes un bailleur en Bretagne et nous voulons former nos locataires à la rénovation", 3)
    assert ids(qpv, "végétalisation en Hauts-de-France", 3)


def test_young_and_old_named_together_mix_the_generations(qpv):
    """« jeunes et anciens », « les enfants et les personnes âgées »: what the record says
    « mêlant générations »; each age alone is not (« anciens » is also « ancienne centrale »)."""
    assert ids(qpv, "une fête de rue qui mélange jeunes et anciens", 1) == ["ile-saint-denis-fetes"]
    assert ids(qpv, "des activités pour les enfants et les personnes âgées", 1) == ["ile-saint-denis-fetes"]


def test_residents_absent_from_meetings_call_for_outreach(qpv):
    """« personne ne vient aux réunions publiques », « les habitants ne viennent plus aux
    réunions »: the whole observation asks for going to them (the « aller vers » record), not
    for the consultations « réunions publiques » alone would find."""
    query = (
        "on démarre un projet de rénovation urbaine et personne ne vient aux réunions publiques :"
        " comment aller chercher les habitants ?"
    )
    assert ids(qpv, query, 1) == ["miramas-aller-vers"]
    found = ids(qpv, "les habitants ne viennent plus aux réunions", 4)
    assert found[0] in ("voisinmalin-messagers", "miramas-aller-vers") and "miramas-aller-vers" in found


def test_a_notion_no_record_says_empties_a_long_question(qpv):
    """« prêt à taux zéro » is a notion of the thesaurus that no record says: however many
    other words the question has (the asker's job, the HLM, the tenants), it is what is asked."""
    query = (
        "responsable habitat d'une ville moyenne : un prêt à taux zéro pour que les locataires HLM"
        " du quartier deviennent propriétaires de leur logement, ça existe ?"
    )
    found = qpv.search(query)
    assert found.hits == [] and "prêt à taux zéro" in found.unknown


def test_old_before_a_thing_is_no_elderly_person(qpv):
    """« une vieille usine », « de vieux tissus »: « vieux » says how old a thing is, not the
    elderly (« vieille » shared Snowball's stem with « vieillissement », and so its seniors);
    « les vieux du quartier », « vieilles personnes » are the elderly."""
    from qpvcli.search.ranking import understand

    terms = {t.word: t for t in understand(qpv._index, "garder le souvenir d'une vieille usine")}
    assert terms["vieille"].generic and not terms["vieille"].phrases
    assert ids(qpv, "les vieux du quartier sont isolés", 1) == ["apur-liens-sociaux"]
    assert ids(qpv, "vieilles personnes isolées", 1) == ["apur-liens-sociaux"]


def test_familiar_words_find_what_the_records_say(qpv):
    """Residents and field workers say « teuf », « boucan », « air pourri », « papis tout
    seuls »: the records say fêtes, bruit, qualité de l'air, seniors and isolement. (« papis »
    had the stem of « papas », the parents.)"""
    assert ids(qpv, "faire la teuf dans la rue", 1) == ["ile-saint-denis-fetes"]
    assert ids(qpv, "le boucan de la quatre-voies et l'air pourri", 1) == ["lille-butte-acoustique"]
    assert ids(qpv, "des papis tout seuls", 1) == ["apur-liens-sociaux"]
    assert ids(qpv, "cool spots", 1) == ["paris-ilots-de-fraicheur"]  # the jargon of the field, too


def test_a_partner_is_found_by_its_initials(qpv):
    """People shorten the bodies they work with: « SSDH » is the Bailleur Seine-Saint-Denis
    Habitat, « AESN » the Agence de l'eau Seine Normandie. Each partner gets one such alias,
    in its field."""
    from qpvcli.fields import name_aliases

    assert name_aliases("Bailleur Seine-Saint-Denis Habitat") == ("SSDH",)
    assert name_aliases("Grand Paris Sud Est Avenir") == ("GPSEA",)
    assert name_aliases("ADEME") == ()
    assert ids(qpv, "SSDH", 1) == ["stains-punaises-de-lit"]
    assert ids(qpv, "AESN", 1) == ["crepy-en-valois-eaux-pluviales"]
    assert ids(qpv, "YWC", 1) == ["marseille-foresta-friche"]  # Yes We Camp


def test_a_misspelt_singular_meets_a_word_written_only_in_the_plural(qpv):
    """The catalogue writes « jardins », never « jardin »: « jardain » is two edits from
    « jardins », one from its plural « jardains ». (A misspelt plural is not looked for in
    the singular: « habitans » less its « s » is one edit from « habitat ».)"""
    assert "jardins-de-cocagne" in ids(qpv, "jardain partagé", 2)
    assert "haute-savoie-habitat-redirection" not in ids(qpv, "parrticipation des habitans", 3)


def test_a_sigle_names_as_much_as_its_rarest_word(qpv):
    """« AMF » is the « Association des maires de France »: its information is no less than
    « maires », though every record names France (its commonest word): beside another word,
    the one record that has it as a partner is not cut as covering almost nothing."""
    assert "ademe-plus-fraiche-ma-ville" in ids(qpv, "partenariat avec l'AMF", 10)


def test_what_one_wants_to_know_is_no_question_word(qpv):
    """« savoir quelles associations existent »: what is to be known is the associations, not
    « quelles » (a question word, which one record happens to write)."""
    from qpvcli.search.ranking import understand

    query = "comment savoir quelles associations existent déjà sur mon territoire avant de lancer un projet ?"
    terms = {t.word: t for t in understand(qpv._index, query)}
    assert terms["quelles"].generic and not terms["associations"].generic
    assert ids(qpv, query, 1) == ["data-asso-associations"]


def test_infinitives_in_ir_and_re_frame_a_question(qpv):
    """A verb in -ir or -re that no record writes (« souffrir », « construire ») frames the
    question, as one in -er does: it is no absent subject that would empty the query. Nouns
    so ending are not verbs (« avenir », « centre »)."""
    from qpvcli.search.ranking import _a_verb

    assert all(map(_a_verb, ("souffrir", "construire", "ouvrir", "produire")))
    assert not any(map(_a_verb, ("avenir", "centre", "loisir", "patinoire", "reservoir")))
    query = "savoir quels coins du département vont souffrir le plus du réchauffement"
    assert ids(qpv, query, 1) == ["seine-saint-denis-vulnerabilites"]


def test_a_subject_of_two_words_the_thesaurus_alone_reaches_apart_is_absent(qpv):
    """« frigo solidaire », « boîtes à livres »: no record writes « frigo » or « livres »;
    the thesaurus reaches them (« chambre froide », « fiction ») in records that lack the
    other word, or have it only in a theme's words: the subject is said nowhere, nothing is
    answered. A subject so reached in one record's own text is answered (« toiture
    végétalisée »: the catalogue writes « toitures » only through its thesaurus)."""
    assert ids(qpv, "frigo solidaire", 3) == []
    assert ids(qpv, "boîtes à livres", 3) == []
    assert ids(qpv, "toiture végétalisée", 3)
    assert ids(qpv, "mixité sociale", 1) == ["ile-saint-denis-fetes"]


def test_a_ministrys_portfolios_are_no_partners_name(qpv):
    """Data Asso's partner is the « Ministère de l'éducation nationale, de la jeunesse et des
    sports »: « jeunesse » put it first, above the records about young people. The portfolios
    are searched as the record's other texts: the ministry is still found by its name."""
    assert ids(qpv, "jeunesse", 1) != ["data-asso-associations"]
    assert "data-asso-associations" in ids(qpv, "jeunesse", 5)
    assert ids(qpv, "ministère de l'éducation nationale", 1) == ["data-asso-associations"]
    assert ids(qpv, "ministère du travail", 3)


def test_deciding_where_the_money_goes_is_choosing_the_funding(qpv):
    """Rotterdam's residents « participent aux choix de financement » and oversee « l'allocation
    de fonds »: to decide is to choose, money is funds."""
    query = "comment laisser les habitants décider eux-mêmes de l'argent dépensé dans leur quartier ?"
    assert ids(qpv, query, 1) == ["rotterdam-financements-habitants"]


def test_a_one_word_departement_is_not_a_piece_of_another_place(qpv, tmp_path):
    """« Rhône » is the département 69 (Saint-Georges-de-Reneins), not a piece of
    « Bouches-du-Rhône » (Marseille, Miramas) or of « Auvergne-Rhône-Alpes » (Grenoble); « la
    Loire » is Saint-Étienne's, not Laval's « Pays de la Loire ». The compound names are still
    found whole, typed with or without their hyphens, and through their aliases."""
    assert ids(qpv, "Rhône", 10) == ["saint-georges-de-reneins-vegetalisation"]
    assert ids(qpv, "département de la Loire", 10) == ["saint-etienne-dalle-vegetalisee"]
    aura = {
        "grenoble-emergences",
        "haute-savoie-habitat-redirection",
        "saint-etienne-dalle-vegetalisee",
        "saint-georges-de-reneins-vegetalisation",
    }
    for query in ("Auvergne-Rhône-Alpes", "auvergne rhone alpes", "AURA", "Rhône-Alpes"):
        assert set(ids(qpv, query, 10)) == aura, query
    assert len(ids(qpv, "Bouches-du-Rhône", 10)) == len(ids(qpv, "bouches du rhone", 10)) == 3
    assert set(ids(qpv, "pays de la loire", 10)) == {"laval-convention-citoyenne", "laval-zero-chomeur"}
    engine = small(
        tmp_path,
        _located("nogent", "Nogent-sur-Marne", "94"),
        _located("reims", "Reims", "51"),
    )
    assert ids(engine, "Marne") == ["reims"]
    assert ids(engine, "Val-de-Marne") == ["nogent"]


def test_an_unknown_sigle_typed_in_capitals_is_the_subject_of_a_short_query(qpv):
    """« PNRQAD quartiers anciens dégradés »: no record has the programme, and the sigle typed
    in capitals names it; the other words (« anciens », « dégradés ») are no answer. A sigle
    the thesaurus knows is searched (« MEL »); in a long question an unknown sigle is where
    the asker works, not what they ask."""
    result = qpv.search("PNRQAD quartiers anciens dégradés")
    assert result.hits == [] and "PNRQAD" in result.unknown
    assert ids(qpv, "MEL", 2)
    assert ids(qpv, "chargée de mission au GIP : comment végétaliser les cours d'école ?", 3)
