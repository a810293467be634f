"""Ranking: which records answer a query, in which order, and where to stop.

Ranking follows the reference engines: first how many query words a record matches
(Meilisearch's first rule), then a BM25F score in which a title match counts more than a
partner, place or action match, which count more than the body; query words that follow each
other in a record count more (proximity, on the first results); results far below the best
are cut off as noise.
"""

import bisect
import heapq
import re
from array import array
from collections import Counter
from collections.abc import Callable, Iterable
from functools import cache
from itertools import chain, compress, filterfalse, pairwise, repeat
from operator import add, and_, itemgetter, lt, ne, not_, sub, truediv
from typing import NamedTuple

from ..text import (
    INVERTED,
    MAX_QUERY_CHARS,
    STOP_WORDS,
    analyse,
    cut,
    fold,
    joined,
    letters,
    normalise,
    prepare,
    token_terms,
    words,
)
from ..thesaurus import JOINING, LOOSE_SIGLE, NOTION, SIGLE
from . import age, cost
from .expansion import MISTYPED_ROUTES, PREFIX_ROUTE, expand, suggest
from .index import FIELD_NAMES, Index, any_with, positions_from, positions_without, top_positions

# What reads the searchable texts of some records, by field (api.Qpv, from the store).
Texts = Callable[[list[int]], dict[int, dict[str, str]]]

RELATIVE_CUTOFF = 0.05  # a record far below the best one by score is noise, whatever it covers
COVERAGE_CUTOFF = 0.5  # ...and so is one covering less than half the information the best covers
PHRASE_BONUS_TITLE, PHRASE_BONUS_BODY = 0.5, 0.35  # per pair of query words adjacent in a field
RERANK_DEPTH = 15
MAX_SCORED = 2000
MAX_APART = 20000  # records found by weaker variants that a fast path scores apart, at C speed
MAX_FAST_WORDS = 4  # a fast path counts a record's words as a sum of powers of two: 1 + 2 + 4 + 8  # records a fast path scores one by one before it gives way to the full ranking
THESAURUS_WEIGHT = 0.7  # a phrase the thesaurus gives for what was typed (sigle, équivalent...)
GENERIC_WEIGHT = 0.2  # question words and generic verbs: they match, but say little
MAX_KEY_WORDS = 5
SHORT_WITH_PLACE = 3  # subject words of a query whose absent département or région is a filter
SHORT_WITH_SIGLE = 4  # ...whose unknown sigle typed in capitals is the subject
EVERYDAY = 25_000  # times met in the French word list: « vrai », « années » (not « drogue », « voitures »)
EVERYDAY_AMONG = 3  # ...framing words when the query has at least this many subject words
RARELY_SAID = 100  # a verb met fewer times is a technical act (« dépolluer »), not a framing verb
# Fields whose text many records share (an action's labels, a theme's words): a word found only
# there says less of a record than a word of its own text.
SHARED_LABELS = ("action", "thematiques")
_OWN_FIELDS = sum(1 << i for i, name in enumerate(FIELD_NAMES) if name not in SHARED_LABELS)
_PLACES = 1 << FIELD_NAMES.index("lieux")
PHRASE_CHECKS = 32  # records read to see a thesaurus phrase said whole (see _phrase_found)
PHRASE_WINDOW = 1  # words allowed between two words of a thesaurus phrase (stop words aside)
COLLOCATION = 0.8  # two adjacent query words found in (nearly) the same records: one notion
COLLOCATION_SEEN = 5  # ...in at least this many: no need to read that they are said together

# The forms a verb in -er takes in a question (« menés », « mêlent », « visant »).
_ER_FORMS = ("er", "e", "es", "ee", "ees", "ent", "ons", "ez", "ant")
_ER_VERBS = (
    *("aid", "amelior", "cherch", "concern", "cre", "developp", "exist", "favoris", "lanc", "lutt"),
    *("men", "mel", "melang", "combin", "realis", "remplac", "retrouv", "supprim", "transform"),
    *("trouv", "utilis", "fonctionn", "vis", "propos", "manqu", "list", "montr", "indiqu", "affich"),
    *("rest", "sembl", "pens", "parl", "pass"),
)
# Words of questions and requests, which carry no subject (« comment lutter contre la chaleur
# dans un quartier ? »). Folded forms; they are stemmed like every query word.
GENERIC_WORDS = frozenset(
    [
        "car",  # a conjunction (« car sharing » is a phrase of the thesaurus)
        "comment",
        "quoi",
        "quel",
        "quelle",
        "quels",
        "quelles",
        "pourquoi",
        "combien",
        "quand",
        "faire",
        "fait",
        "fais",
        "aider",
        "aide",
        "aides",
        "lutter",
        "lutte",
        "contre",
        "mettre",
        "mise",
        "place",
        "projet",
        "projets",
        "exemple",
        "exemples",
        "action",
        "actions",
        "solution",
        "solutions",
        "idee",
        "idees",
        "trouver",
        # « aller », « venir » frame a question (« où aller au frais ? »); not in « aller
        # vers », the social workers' phrase (see _SUBJECT_BEFORE).
        *("aller", "allez", "allons", "va", "vais", "vas", "vont", "venir", "viens", "vient"),
        # « quels projets sont soutenus par… »: who supports is the subject, not the support
        *("soutenu", "soutenus", "soutenue", "soutenues", "soutient", "soutiennent", "soutenir"),
        "cherche",
        "soi",  # « autour de soi »: a pronoun the stop words lack
        # vouloir, pouvoir, devoir, souhaiter, savoir: what the asker wants or can, not what
        # they ask about (not « pouvoir », « devoir »: « pouvoir d'agir », « aide aux devoirs »)
        *("veut", "voulons", "voulez", "veulent", "voudrait", "voudrions", "voulait"),
        *("pouvez", "pourrais", "pourrions", "devons", "devez", "devrait", "savons"),
        *("souhaite", "souhaitons", "souhaitez", "souhaitent"),
        "chercher",
        "besoin",
        "veux",
        "voudrais",
        "vouloir",
        "peut",
        "peuvent",
        "faut",
        "ameliorer",
        "developper",
        "creer",
        "reduire",
        "favoriser",
        "agir",
        "permettre",
        "possible",
        "realiser",
        "mener",
        "lancer",
        "existe",
        "existant",
        "dispositif",
        "dispositifs",
        "demarche",
        "initiative",
        "initiatives",
        "outil",
        "outils",
        "moyen",
        "moyens",
        "autre",
        "autres",
        "bon",
        "bonne",
        "bonnes",
        "bons",
        "meilleur",
        "meilleures",
        "pratique",
        "pratiques",
        "existent",
        "exister",
        "peux",
        "pouvons",
        "pourrait",
        "doit",
        "doivent",
        "mieux",
        "concret",
        "concrete",
        "concrets",
        "concretement",
        # what one is, has or has heard of, and what a record is about: no subject either
        "sommes",
        "suis",
        "avons",
        "avez",
        "recu",
        "recue",
        "recus",
        "recues",
        "obtenu",
        "obtenue",
        "obtenus",
        "connaissez",
        "connais",
        "connait",
        "fonctionne",
        "fonctionnent",
        "parle",
        "parlent",
        "traite",
        "traitent",
        "concerne",
        "concernent",
        "concernant",
        "sujet",
        "theme",
        "themes",
        "type",
        "genre",
        "inspirer",
        "inspirant",
        "inspirants",
        # qualities that say how, not what (« vieux meubles », « petite commune »): a phrase
        # the thesaurus knows (« petite enfance ») keeps them as subject words
        "vieux",
        "vieil",
        "vieille",
        "vieilles",
        "petit",
        "petite",
        "petits",
        "petites",
        "grand",
        "grande",
        "grands",
        "grandes",
        "gros",
        "fort",
        "forte",
        "forts",
        "fortes",
        "important",
        "importante",
        "importants",
        "importantes",
        "faible",
        "faibles",
        # requests: « donne-moi », « donnez des exemples » (not « données », which is a subject)
        *("donne", "donnez", "donner"),
        # adverbs and framings: « qui ne viennent jamais », « faire en sorte que », « de manière à »
        *("jamais", "toujours", "souvent", "encore", "deja", "aussi", "vraiment", "surtout", "notamment"),
        *("egalement", "ensuite", "puis", "enfin", "alors", "sorte", "maniere", "facon"),
        # quantities: « trop de béton », « plusieurs quartiers », « pour tous »
        *("trop", "beaucoup", "peu", "assez", "tellement", "tous", "toutes", "tout", "toute", "chaque"),
        *("plusieurs", "certains", "certaines", "divers", "diverses", "differents", "differentes"),
        "grosse",
        "grosses",
        "nouveau",
        "nouvel",
        "nouvelle",
        "nouveaux",
        "nouvelles",
        "beau",
        "belle",
        "beaux",
        "belles",
        "simple",
        "simples",
        "facile",
        "faciles",
        # words of prepositional phrases (« face au », « grâce à », « au sein de », « en
        # faveur de », « en matière de », « à travers », « autour de », « vis-à-vis »)
        # prepositions of time, place and choice: « désamiantage avant démolition », « après
        # les travaux », « près de chez moi », « selon les saisons »
        *("avant", "apres", "pendant", "durant", "depuis", "selon", "parmi", "pres", "loin"),
        "face",
        "grace",
        "sein",
        "faveur",
        "matiere",
        "travers",
        "autour",
        "vis",
        "egard",
        # verbs of perception, knowledge, saying and becoming, and vague things: « sans voir
        # personne », « savoir quoi faire », « ce qu'ils disent », « des trucs »
        *("voir", "vois", "voit", "voient", "vu", "savoir", "sais", "sait", "savent", "connaitre"),
        *("connait", "connaissent", "dire", "dis", "dit", "disent", "prendre", "prend", "prennent"),
        *("devenir", "devient", "deviennent", "devenu", "dois", "doivent", "croire", "crois", "croit"),
        *("chose", "choses", "truc", "trucs", "machin", "quelque", "quelques"),
        # « a été financé » (not a stop word: « été » is also summer, « confort d'été »)
        "ete",
        # more forms of request verbs, and verbs of change that frame the subject (« comment
        # transformer un parking… », « sortir du surendettement », « choisir un métier »)
        "aident",
        "permet",
        "permettent",
        "favorise",
        "favorisent",
        "ameliore",
        "ameliorent",
        "developpe",
        "developpent",
        "reduisent",
        "luttent",
        "agissent",
        "menent",
        "font",
        "transformer",
        "sortir",
        "choisir",
        "retrouver",
        "rendre",
        "utiliser",
        "enlever",
        "supprimer",
        "remplacer",
    ]
    + [stem + ending for stem in _ER_VERBS for ending in _ER_FORMS]
)


PLACE_KINDS = frozenset(["departement", "departements", "region", "regions"])
# The catalogue's own field: every example is about priority neighbourhoods, so « en QPV »,
# « des quartiers prioritaires », « du quartier » frame a query that has another subject
# (« projets des quartiers prioritaires à Rennes » asks for Rennes), as question words do.
DOMAIN_WORDS = frozenset(["quartier", "quartiers", "qpv"])
DOMAIN_STEMS = frozenset(["qpv"])  # ...and the words the thesaurus reads as these (« quartiers prioritaires »)
PLACE_ROUTES = frozenset(["région"])  # how a thesaurus phrase names a place
COMPOUND = "mot composé"  # how a compound is met by its parts (« centre » and « ville »)


class QueryTerm(NamedTuple):
    word: str  # what was typed (folded words)
    variants: dict[str, tuple[float, str]]  # one stem -> (weight, how it was found)
    phrases: list[tuple[tuple[str, ...], float, str]]  # stems a record must all contain
    generic: bool  # a question word or generic verb: little weight, not a subject


class Hit(NamedTuple):
    doc: int
    score: float
    coverage: int  # how many of the query's subject words it matches
    # query word -> [(stem, how, field names)]
    matches: dict[str, list[tuple[str, str, tuple[str, ...]]]]

    @property
    def stems(self) -> set[str]:
        return {s for ms in self.matches.values() for s, _, _ in ms}


class Result(NamedTuple):
    hits: list[Hit]
    terms: list[QueryTerm]
    suggestions: list[str]
    total: int  # how many records pass the cut-off (hits may be fewer: a limit)
    unknown: list[str]  # subject words found in no record, even approximately


def parse_query(text: str) -> tuple[list[str], bool]:
    """Folded query words, and whether the last one is a prefix being typed: the query ends
    with it, not with a space, a punctuation mark or other words (« près de chez moi » ends
    with stop words: « près » is finished, not « présence » being typed)."""
    text = normalise(text)[:MAX_QUERY_CHARS]
    found = analyse(text)
    typed = cut(prepare(text)) if found and text[-1:].isalnum() else []
    is_prefix = bool(typed) and typed[-1].replace("-", "") == found[-1]
    return list(dict.fromkeys(found)), is_prefix


def understand(
    index: Index,
    query: str,
    *,
    other_subject: bool = False,
    texts: Texts | None = None,
) -> list[QueryTerm]:
    """The query as terms: thesaurus phrases (longest first: « pas cher », « Seine-Saint-Denis »,
    « ESS »), then single words with their variants; question words marked generic. A query of
    generic words alone searches them, unless it asks something else (`other_subject`: a cost).
    With `texts` (see run), a thesaurus phrase counts only where its words are said together."""
    query = _apostrophes_restored(index, query)
    absent_places, query = _absent_places(index, query)
    if any(c.isdigit() for c in query):
        query = _letters_then_number(index, query)
    raw = cut(prepare(normalise(query)[:MAX_QUERY_CHARS]))  # the words as typed, stop words and compounds kept
    compounded = _known_compounds(index, query, raw)
    if compounded != query:  # « saint denis » is looked up as « saint-denis », its parts as a compound's
        raw = cut(prepare(normalise(compounded)[:MAX_QUERY_CHARS]))
    words_, is_prefix = parse_query(compounded)
    stems_ = [index.stem_of(w) for w in words_]
    generic_here, subject_here, learnt, refused = _framing(raw)
    between = _between(raw, len(words_))
    apart, apart_names = _apart(between), _apart(between, names=True)
    old_things = {i for i in range(len(words_)) if _old_thing(words_, between, i)}
    terms: list[QueryTerm] = []
    i = 0
    while i < len(words_):
        for size in range(min(MAX_KEY_WORDS, len(words_) - i), 0, -1):
            key = tuple(stems_[i : i + size])
            if size > 1 and any(apart[i + 1 : i + size]) and not index.free_key(key):
                continue  # « jardiner avec les enfants » is no « jardin d'enfants »
            alternatives = index.expansions(key)
            if size == 1 and words_[i] in _cost_evidence():
                alternatives = []  # what « pas cher » says in a text, not « cher » (the Cher)
            if size == 1 and i in old_things:
                alternatives = []
            if size == 1 and len(words_[i]) > len(stems_[i]) + 1:
                # A sigle is typed as such (« BET », « EPCIs », « GPSEA »: « gpse »), not as a
                # longer word that stems to its letters (« bêtes »: « bet »).
                alternatives = [(alt, how) for alt, how in alternatives if how not in (SIGLE, LOOSE_SIGLE)]
            if alternatives:
                break
        else:
            size = 1
        notion = next((how.partition(":")[2] for _, how in alternatives if how.startswith(f"{NOTION}:")), None)
        if notion is not None:
            if not _notion_said(index, alternatives, texts):
                terms.append(QueryTerm(fold(notion), {}, [], False))  # one unknown word
                i += size
                continue
            # Said somewhere: its words are searched as any words, its other wordings as phrases.
            alternatives = [(alt, how) for alt, how in alternatives if how == NOTION]
        # Whether the words are said together is read in the records' texts only where it
        # decides if a word is known at all (« crowdfunding »), not beside a word the catalogue
        # has (« ADEME »): reading texts costs a few milliseconds on a large catalogue.
        known = all(index.word(w) is not None for w in words_[i : i + size])
        phrases = [
            (alt, THESAURUS_WEIGHT, how)
            for alt, how in alternatives
            if _phrase_found(index, alt, None if known else texts)
        ]
        # Each word of a phrase the thesaurus knows stays a term of its own (ranked, with
        # proximity, as any word), and may also be met by what the phrase stands for.
        for j in range(i, i + size):
            last = is_prefix and j == len(words_) - 1
            generic = (
                words_[j] in refused
                or j in old_things
                or (
                    not phrases
                    and (words_[j] in generic_here or (words_[j] in GENERIC_WORDS and words_[j] not in subject_here))
                )
            )
            variants = expand(index, words_[j], is_prefix=last)
            if phrases:  # a word the thesaurus knows (« récup », « clim ») is neither a misspelling
                # of another word nor the beginning of one
                variants = {s: v for s, v in variants.items() if v[1] not in MISTYPED_ROUTES and v[1] != PREFIX_ROUTE}
            term = QueryTerm(words_[j], variants, phrases, generic)
            found = term.variants or term.phrases
            if not found or not any(t.variants == term.variants and t.phrases == term.phrases for t in terms):
                terms.append(term)
        i += size
    terms = _absent_subjects(index, words_, stems_, terms, raw, apart_names)
    if texts is not None:
        terms = _subjects_said_nowhere(index, words_, stems_, terms, raw, apart_names, texts)
    if any(t.word in learnt and not (t.variants or t.phrases) for t in terms):
        # What the asker wants learnt, no record has (« apprendre à nager aux enfants du
        # quartier »): the rest of the query only says to whom, where, when.
        terms = [t if t.word in learnt else t._replace(generic=True) for t in terms]
    terms = _compounds_found(index, raw, terms) + [QueryTerm(place, {}, [], False) for place in absent_places]
    # A verb the catalogue does not have (« préparer », « désigner », « arrivent ») frames the question; it is
    # not an absent subject. Nor is a number no record writes, a year (« financés depuis 2020 ») or a
    # size (« ma commune de 15 000 habitants »): a date or a quantity, not a subject; nor a
    # time of the year, week or day (« que faire pour les enfants en hiver »): when, not what.
    glued = {"".join(word.split("-")) for word in raw if "-" in word}  # « outremer »: no verb
    terms = [
        t._replace(generic=True)
        if not (t.variants or t.phrases)
        and t.word not in glued
        and t.word not in subject_here
        and (_a_verb(t.word) or _a_number(t.word) or t.word in _WHEN)
        else t
        for t in terms
    ]
    # In a long query, an everyday word the catalogue lacks (« un vrai boulot », « depuis des
    # années », « à temps plein ») is the way people talk, not a subject no record treats.
    if sum(not t.generic for t in terms) >= EVERYDAY_AMONG:
        terms = [t._replace(generic=True) if not (t.variants or t.phrases) and _everyday(t.word) else t for t in terms]
    if any(how in PLACE_ROUTES for t in terms for _, _, how in t.phrases) or any(
        _a_place(index, t.word) for t in terms if t.word not in PLACE_KINDS
    ):
        # « département du Rhône », « région Grand Est »: the kind of place before its name is
        # not the subject (alone, « à l'échelle d'un département », it is).
        terms = [t._replace(generic=True) if t.word in PLACE_KINDS else t for t in terms]
    # The catalogue's own field frames a query that has another subject: it is left out (as a
    # generic word it would still be scored in nearly every record of a large catalogue).
    framing = [_of_the_domain(t) and t.word not in subject_here for t in terms]
    if any(not t.generic for t, frames in zip(terms, framing, strict=True) if not frames):
        terms = [t for t, frames in zip(terms, framing, strict=True) if not frames]
    if terms and all(t.generic for t in terms) and not other_subject:  # « comment faire »: they are the subject
        terms = [t._replace(generic=False) for t in terms]
    return terms


_ARTICLES = frozenset(("l", "la", "le", "les"))


def _between(raw: list[str], n_words: int) -> list[tuple[str, ...]]:
    """For each analysed query word (see parse_query), the little words typed between it and
    the word before."""
    found: list[tuple[str, ...]] = []
    little: list[str] = []
    for word in raw:
        terms = token_terms(word)
        if not terms:
            little.append(word)
            continue
        found.append(tuple(little))
        found += [()] * (len(terms) - 1)  # a compound's parts and glued whole
        little = []
    return found + [()] * (n_words - len(found))  # the same words, unless cut differently


def _apart(between: list[tuple[str, ...]], *, names: bool = False) -> list[bool]:
    """For each query word, whether a little word that does not join the words of a name
    stands between it and the word before (thesaurus.JOINING; `between`, see _between). With
    `names`, an article that no preposition introduces parts them too: it begins an object
    (« chercher les habitants ») or a complement of time (« rafraîchir un quartier l'été »),
    never the rest of one name (« quartiers d'été », « maison de la culture »)."""
    return [
        any(w not in JOINING for w in little) or (names and bool(little) and little[0] in _ARTICLES)
        for little in between
    ]


def _a_subject(index: Index, word: str) -> bool:
    """Whether a query word (or words) names a subject of the field (thesaurus « sujets »)."""
    return index.a_subject(tuple(index.stem_of(w) for w in analyse(word)))


def _absent_subjects(
    index: Index, words_: list[str], stems_: list[str], terms: list[QueryTerm], raw: list[str], apart: list[bool]
) -> list[QueryTerm]:
    """The terms with each subject of the field of several words (thesaurus « sujets »:
    « santé mentale », « violences conjugales ») one of whose words no record has, even
    approximately, made one unknown word: not « santé » found and « mentale » missing. A
    subject whose words are all found is searched by its words, as are words typed apart
    (`apart`: « un quartier l'été » is no « quartiers d'été »). A hyphenated word
    (« chauffe-eau ») is left to the compounds (see _compounds_found)."""
    unknown = {t.word for t in terms if not (t.variants or t.phrases)}
    borrowed = {t.word for t in terms if _borrowed(t)}
    if not unknown and not borrowed:
        return terms
    compounds = {piece for word in raw if "-" in word for piece in (*word.split("-"), word.replace("-", ""))}
    by_word = {t.word: t for t in terms}

    def met_nowhere(span: list[str]) -> bool:
        # A word of the span no record has; or one only the thesaurus reaches and no record
        # with all the span's words in its own text (« arts de la rue »: « espace public »).
        if not unknown.isdisjoint(span):
            return True
        if borrowed.isdisjoint(span) or any(w not in by_word for w in span):
            return False
        return not set.intersection(*(_term_scores(index, by_word[w])[2] for w in span))

    return _spans_made_one(
        words_,
        terms,
        2,
        lambda i, span: (
            compounds.isdisjoint(span)
            and not any(apart[i + 1 : i + len(span)])
            and index.a_subject(tuple(stems_[i : i + len(span)]))
            and met_nowhere(span)
        ),
    )


# How a word is met when the catalogue has it, in its own forms or misspelt.
_ITSELF = frozenset(("exact", "famille", PREFIX_ROUTE, *MISTYPED_ROUTES))


def _borrowed(term: QueryTerm) -> bool:
    """Whether a query word is met only through what the thesaurus says it means (« frigo »:
    « chambre froide »), the catalogue never writing it, even misspelt."""
    return bool(term.variants or term.phrases) and _ITSELF.isdisjoint(how for _, how in term.variants.values())


def _subjects_said_nowhere(
    index: Index,
    words_: list[str],
    stems_: list[str],
    terms: list[QueryTerm],
    raw: list[str],
    apart: list[bool],
    texts: Texts,
) -> list[QueryTerm]:
    """The terms with each subject of the field of three words or more (thesaurus « sujets »:
    « maison France services ») that no record says, its words together, made one unknown
    word: its words found apart (« maison », « France », « services ») are not the subject.
    Not a subject the thesaurus finds in other words, nor one whose words are typed apart
    (« maison pour les services »), nor one hyphenated word (see _compounds_found). Of two
    words, a subject found apart often has answers (« formation professionnelle »: records
    on training and on « insertion professionnelle »)."""
    compounds = [{*word.split("-"), word.replace("-", "")} for word in raw if "-" in word]

    def said_nowhere(i: int, span: list[str]) -> bool:
        key = tuple(stems_[i : i + len(span)])
        return (
            not any(apart[i + 1 : i + len(span)])
            and not any(c.issuperset(span) for c in compounds)
            and index.a_subject(key)
            and not index.expansions(key)
            and not _phrase_found(index, key, texts)
        )

    return _spans_made_one(words_, terms, 3, said_nowhere)


def _spans_made_one(
    words_: list[str], terms: list[QueryTerm], smallest: int, made_one: Callable[[int, list[str]], bool]
) -> list[QueryTerm]:
    """The terms with each run of query words (the longest first, `smallest` words at least)
    for which `made_one(start, words)` holds made one unknown word, named by its words."""
    i = 0
    while i < len(words_):
        for size in range(min(MAX_KEY_WORDS, len(words_) - i), smallest - 1, -1):
            span = words_[i : i + size]
            if made_one(i, span):
                first = next((n for n, t in enumerate(terms) if t.word in span), len(terms))
                rest = [t for t in terms[first:] if t.word not in span]
                terms = [*terms[:first], QueryTerm(" ".join(span), {}, [], False), *rest]
                i += size - 1
                break
        i += 1
    return terms


def _of_the_domain(term: QueryTerm) -> bool:
    """Whether a query term names the catalogue's own field (see DOMAIN_WORDS)."""
    return term.word in DOMAIN_WORDS or any(
        how in (SIGLE, LOOSE_SIGLE) and not DOMAIN_STEMS.isdisjoint(stems) for stems, _, how in term.phrases
    )


@cache
def _cost_evidence() -> frozenset[str]:
    """The words of the cost phrases whose thesaurus equivalents the cost reads (cost.EVIDENCE):
    met as words, they are not those phrases (« cher », once « pas » is gone)."""
    return frozenset(w for e in cost.EVIDENCE for w in analyse(e))


def _notion_said(
    index: Index,
    alternatives: list[tuple[tuple[str, ...], str]],
    texts: Texts | None,
) -> bool:
    """Whether some record says a notion of the thesaurus (« habitat participatif », « plan
    communal de sauvegarde ») whole, its words together and in order, or one of its other
    wordings. Said nowhere, the notion is one unknown word, named as the thesaurus writes it:
    not every record that has « habitat » (its words, alone, mean something else)."""
    return any(_phrase_found(index, alt, texts) for alt, _ in alternatives)


# Generic words that are a subject before a given word (a stop word, so no thesaurus phrase
# can hold it): « aller vers » (outreach), « aller-vers ».
_SUBJECT_BEFORE = {"aller": "vers", "allez": "vers", "allons": "vers"}
# Words that are generic after a given stop word, in a locution: « au lieu de » (not « un
# lieu », « tiers-lieu »).
_GENERIC_AFTER = {"lieu": "au"}
# The asker's own place, after a possessive (« dans ma ville », « notre commune »), is where
# they ask from, not what they ask about (not « mon territoire »: knowing one's territory is a
# subject, « les vulnérabilités de mon territoire »).
_POSSESSIVES = frozenset(("ma", "mon", "mes", "notre", "nos", "votre", "vos"))
_OWN_PLACES = frozenset(
    (
        *("ville", "villes", "commune", "communes", "departement", "region", "agglo", "agglomeration"),
        *("metropole", "collectivite", "village"),
    )
)
_FAIRE = frozenset(("faire", "fait", "fais", "font", "faisons", "faites"))  # « faire partie de »: no « partie »


_SUBJECT_PRONOUNS = frozenset(("je", "j", "tu", "nous", "vous", "on"))
_LEARNING = frozenset(("apprendre", "apprend", "apprennent", "appris", "apprentissage", "initier", "initiation"))


def _learnt(pieces: list[str]) -> set[str]:
    """What one learns, a verb as much as a noun (« apprendre à nager », « savoir lire »): the
    subject of the query, not a verb that frames it (see understand); not a question word
    (« savoir quelles associations existent », « savoir comment faire »)."""
    found = {w for learn, a, w in zip(pieces, pieces[1:], pieces[2:], strict=False) if learn in _LEARNING and a == "a"}
    found.update(w for know, w in pairwise(pieces) if know == "savoir")
    return found - GENERIC_WORDS - STOP_WORDS


_OLD = frozenset(("vieux", "vieil", "vieille", "vieilles"))
_PEOPLE = frozenset(
    (
        *("personnes", "personne", "gens", "habitants", "habitant", "voisins", "voisin", "dames", "dame"),
        *("messieurs", "monsieur", "couples", "parents", "retraites", "locataires", "hommes", "femmes"),
    )
)


def _old_thing(words_: list[str], between: list[tuple[str, ...]], i: int) -> bool:
    """Whether « vieux », « vieille » says how old a thing is (« une vieille usine », « de vieux
    tissus »): it qualifies the word right after it (no little word between: « les vieux du
    quartier » are people), and is neither a subject nor the elderly the thesaurus reads in
    « les vieux » or « vieilles personnes »."""
    return words_[i] in _OLD and i + 1 < len(words_) and not between[i + 1] and words_[i + 1] not in _PEOPLE


def _refused(pieces: list[str]) -> set[str]:
    """What the asker does not want done, after « sans » or « ni » and a verb: the verb and
    the word it governs (« rafraîchir un quartier sans faire de travaux ni planter d'arbres »,
    « me former sans payer le train ni l'hôtel »). A condition, not the subject; « sans
    produits chimiques », « sans qu'elle devienne une fournaise » are left as they are said."""
    refused: set[str] = set()

    def next_word(k: int) -> str | None:  # the next word after position k that is not a little word
        return next((w for w in pieces[k + 1 :] if w not in STOP_WORDS), None)

    negating = False
    for i, w in enumerate(pieces[:-1]):
        if w not in ("sans", "ni"):
            continue
        verb = pieces[i + 1]
        if verb in _FAIRE or (verb[-2:] in ("er", "ir", "re") and _a_verb(verb)):
            negating = True
            refused.update(filter(None, (verb, next_word(i + 1))))
        elif w == "ni" and negating and (governed := next_word(i)) is not None:
            refused.add(governed)  # « ni l'hôtel »
    return refused


def _framing(raw: list[str]) -> tuple[set[str], set[str], set[str], set[str]]:
    """The words of a query (folded, as typed) that are generic where they stand though they
    are not elsewhere, those that are not though they are elsewhere, among these what the
    asker wants learnt (_learnt), and what the asker refuses (_refused: generic, whatever the
    thesaurus knows of it)."""
    pieces = [piece for word in raw for piece in word.split("-")]
    pairs = list(pairwise(pieces))
    generic = {w for before, w in pairs if _GENERIC_AFTER.get(w) == before}
    generic.update(w for before, w in pairs if before in _POSSESSIVES and w in _OWN_PLACES)
    generic.update(w for before, w in pairs if before in _FAIRE and w == "partie")
    # « personne ne vient », « personne n'y va »: nobody, not a person.
    generic.update(w for w, after in pairs if w == "personne" and after in ("ne", "n"))
    # A word after a subject pronoun is its verb: « je travaille chez… », « nous cherchons ».
    generic.update(w for before, w in pairs if before in _SUBJECT_PRONOUNS and w not in STOP_WORDS)
    # A gerund, « en attendant », « en impliquant », says how, not what.
    generic.update(w for before, w in pairs if before == "en" and len(w) >= 6 and w.endswith("ant"))
    generic.difference_update(w for word in raw if "-" in word for w in word.split("-"))
    # A verb joined to the pronoun after it asks or bids: « dites-moi », « pouvez-vous »,
    # « existe-t-il », « peut-on »; not its subject, whatever the catalogue has of it.
    generic.update(head for word in raw if "-" in word for head, *_, last in [word.split("-")] if last in INVERTED)
    learnt = _learnt(pieces)
    subject = {w for w, after in pairs if _SUBJECT_BEFORE.get(w) == after} | learnt
    # « régie de quartier », « fête de quartier »: the catalogue's own field in a compound is
    # part of its subject (not « des quartiers », « du quartier », « en QPV »).
    subject.update(w for before, w in pairs if before == "de" and w in DOMAIN_WORDS)
    return generic, subject, learnt, _refused(pieces)


# Nouns ending like an infinitive in -er (the -ier ones are left out as a whole).
_NOT_INFINITIVES = frozenset(
    (
        *("hiver", "enfer", "cancer", "laser", "super", "poster"),
        *("cluster", "container", "manager", "leader", "master", "reporter"),
    )
)


# Numbers written out: a quantity (« plus de dix ans »), as digits are.
_NUMBER_WORDS = frozenset(
    (
        *("deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf", "dix", "onze", "douze"),
        *("treize", "quatorze", "quinze", "seize", "vingt", "vingts", "trente", "quarante"),
        *("cinquante", "soixante", "cent", "cents", "mille", "centaine", "centaines", "dizaine", "dizaines"),
    )
)


# The times of the year, the week and the day, folded.
_WHEN = frozenset(
    (
        *("ete", "hiver", "automne", "printemps", "saison", "saisons"),
        *("janvier", "fevrier", "mars", "avril", "mai", "juin", "juillet", "aout"),
        *("septembre", "octobre", "novembre", "decembre"),
        *("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche", "weekend"),
        *("matin", "matins", "midi", "apres-midi", "soir", "soirs", "soiree", "soirees", "nuit", "nuits"),
    )
)


def _a_number(word: str) -> bool:
    return word.isdigit() or word in _NUMBER_WORDS


def _rarely_said(word: str) -> bool:
    from ..lexicon import available, times_met

    return available() and times_met(word) < RARELY_SAID


def _everyday(word: str) -> bool:
    """Whether a word is met so often in everyday French (the word list's counts, from film
    subtitles) that it says little of a subject: « vrai », « années », « plein », « envie »."""
    from ..lexicon import times_met

    return times_met(word) >= EVERYDAY


def _a_verb(word: str) -> bool:
    """Whether a folded word looks like a French infinitive in -er (not « quartier », « métier »),
    -ir or -re (« souffrir », « construire »), a verb of the third person plural (« viennent »,
    « arrivent »; not « logement »), or a tense of a verb the French word list has
    (_conjugated); and a verb of everyday speech, that
    frames a question (« préparer », « désigner »), not a technical act rarely said
    (« désamianter », « dépolluer », « dératiser »: the subject, that no record treats)."""
    if len(word) < 5 or _rarely_said(word):
        return False
    if word.endswith("er"):
        return not word.endswith("ier") and word not in _NOT_INFINITIVES and _conjugates(word[:-2])
    if len(word) >= 6 and word.endswith("ent") and not word.endswith("ment"):
        return True
    # « souffrir » (« souffrait »), « agir » (« agissait »), « construire » (« construisait »);
    # not « avenir », « centre », « loisir ». Without the word list, none.
    if word.endswith(("ir", "re")) and _has_tense(word[:-2], ("ait", "issait", "sait", "ons", "issons")):
        return True
    return _conjugated(word)


# Endings of tenses, and the infinitives they may come from; not « -e », « -es » (« vague »,
# « fracture », « plastique » would be verbs: too many nouns end so), nor « -ant » (« enfant »,
# « restaurant »; « en attendant » is told by its « en »: _framing), nor the participles in
# « -ée(s) », adjectives as often, that then say the subject (« personnes handicapées »).
_CONJUGATIONS = (
    ("ait", ("er", "re", "ir")), ("aient", ("er", "re", "ir")),
    ("ons", ("er",)), ("ez", ("er",)),
)  # fmt: skip


def _conjugates(base: str) -> bool:
    """Whether the French word list has a tense of the verb in -er of this base: « préparer »
    (« préparez », « préparait ») is a verb; « poulailler », « loyer », « foyer » are nouns."""
    from ..lexicon import available

    return not available() or _has_tense(base, ("ez", "ons", "ait", "aient", "ant"))


def _has_tense(base: str, endings: tuple[str, ...]) -> bool:
    """Whether the French word list has the base with one of these endings (none when the list
    could not be read)."""
    from ..lexicon import is_word

    return any(is_word(base + ending) for ending in endings)


def _conjugated(word: str) -> bool:
    """Whether a French word (not a misspelling: see lexicon) is a tense of a verb the French
    word list has: « souhaitons », « organisait », « existez »."""
    from ..lexicon import is_word

    if not is_word(word):
        return False
    for ending, infinitives in _CONJUGATIONS:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            base = word[: -len(ending)]
            if any(is_word(base + i) for i in infinitives):
                return True
    return False


def _known_compounds(index: Index, query: str, raw: list[str]) -> str:
    """The query with its runs of words that the catalogue knows as the name of a place
    hyphenated: « seine saint denis », « ile de france », « grand est » are looked up as the
    compounds « Seine-Saint-Denis »… (their parts and the glued whole), a stop word inside
    included. Only places: « porte à porte » stays three words, as the records write it."""
    runs = {
        (i, size): "".join(raw[i : i + size])
        for i in range(len(raw))
        for size in range(min(MAX_KEY_WORDS, len(raw) - i), 1, -1)
        if not any("-" in w for w in raw[i : i + size])
        and not all(w in STOP_WORDS for w in raw[i : i + size])
        and len(raw[i + size - 1]) > 1  # an elision is the next word's (« va l'argent » is not « Val »)
    }
    if not runs:
        return query
    index.learn(runs.values())
    out, i = [], 0
    while i < len(raw):
        size = next((n for n in range(MAX_KEY_WORDS, 1, -1) if (i, n) in runs and _a_place(index, runs[i, n])), 1)
        out.append("-".join(raw[i : i + size]))
        i += size
    return " ".join(out) + (" " if query[-1:].isspace() else "")


def _a_place(index: Index, word: str) -> bool:
    """Whether some record has this folded word in its places (`lieux`)."""
    known = index.word(word)
    found = index.raw(known[0]) if known is not None else None
    return found is not None and any_with(found[2], _PLACES)


def _absent_places(index: Index, query: str) -> tuple[list[str], str]:
    """The names of départements and régions written with their hyphens or apostrophe
    (« Val-d'Oise », « Seine-et-Marne », « Hauts-de-France ») where no record is located, and
    the query without them: such a name is one unknown word, not its pieces (« Oise »,
    « Seine »: other départements); where a record is located, it is glued as the index holds
    it. Only for a query with a hyphen or an apostrophe: the table of départements is not read
    for the others."""
    if not joined(query):
        return [], query
    names = _place_names()
    text = normalise(query)
    spans = words(text)
    absent: list[str] = []
    cut_out: list[tuple[int, int]] = []
    i = 0
    while i < len(spans):
        for size in range(min(4, len(spans) - i), 0, -1):
            start, end = spans[i][1], spans[i + size - 1][2]
            found = names.get(letters(text[start:end]))
            if found is not None and joined(text[start:end]):
                if not _located(index, *found):
                    absent.append(fold(text[start:end]))
                    cut_out.append((start, end, " "))
                elif index.word(glued := letters(text[start:end])) is not None:
                    # Where records are, the name glued as they index it (fields._place_words):
                    # not its pieces, which may name another place (« Oise » in « Val-d'Oise »).
                    cut_out.append((start, end, f" {glued} "))
                i += size
                break
        else:
            i += 1
    for start, end, put in reversed(cut_out):
        text = text[:start] + put + text[end:]
    return absent, text if cut_out else query


_SAINTS = {"st": "saint", "ste": "sainte"}
# The little words an elided letter stands before (« dune » is « d'une », « jeux » no « j'eux »).
_AFTER_ELISION = {
    "d": ("un", "une", "ou", "en"),
    "l": ("un", "une", "on"),
    "qu": ("il", "ils", "elle", "elles", "on", "un", "une", "en"),
    "c": ("est", "etait"),
    "j": ("ai", "en", "y"),
    "s": ("il", "ils"),
}


@cache
def _elided() -> re.Pattern:
    return re.compile(r"\b(?:(st|ste)\b\.?(?=\s+\w)|(qu|[cdjls])([aeiouyhàâéèêîïôûœ]\w+))", re.IGNORECASE)


def _apostrophes_restored(index: Index, query: str) -> str:
    """The query as if typed with its apostrophes and its saints in full: « st etienne » is
    « saint etienne »; « lecole » is « l'école » where the catalogue lacks the whole word and
    has the rest (four letters at least), and the whole is not itself a French word; « dune »,
    « dun », « quil », « cest » are « d'une », « d'un », « qu'il », « c'est » (their rest is a
    little word that follows such a letter: « jeux » is no « j'eux »). A little word (« dont »,
    « sans ») or a word of the catalogue is kept whole."""
    from ..lexicon import is_word

    def restored(m: re.Match) -> str:
        if m.group(1):
            saint = _SAINTS[m.group(1).lower()]
            return saint.capitalize() if m.group(1)[0].isupper() else saint
        letter, rest = m.group(2).lower(), fold(m.group(3))
        little = rest in _AFTER_ELISION.get(letter, ())
        if not little and (letter not in "dl" or len(rest) <= 3):  # most words: no look-up
            return m.group()
        whole = fold(m.group())
        if whole in STOP_WORDS or index.word(whole) is not None:
            return m.group()
        if little or (not is_word(whole) and _a_word_here(index, rest)):
            return f"{m.group(2)}'{m.group(3)}"
        return m.group()

    return _elided().sub(restored, query)


def _a_word_here(index: Index, word: str) -> bool:
    """Whether the catalogue writes this folded word, or its plural (« ilot »: « îlots »)."""
    return index.word(word) is not None or index.word(word + "s") is not None


def _letters_then_number(index: Index, query: str) -> str:
    """« CD93 », « QPV2024 » that the catalogue does not have as such are two words: « CD 93 »."""

    def split(m: re.Match) -> str:
        return m.group() if index.word(fold(m.group())) is not None else f"{m.group(1)} {m.group(2)}"

    return re.sub(r"\b([^\W\d_]{2,})(\d{1,4})\b", split, query)


@cache
def _place_names() -> dict[str, tuple[str, str]]:
    """Each département's and région's name, in letters only -> (column of `territoires`, value)."""
    from ..territoires import DEPARTEMENTS

    names = {letters(name): ("departement", code) for code, (name, _) in DEPARTEMENTS.items()}
    names.update({letters(region): ("region", region) for _, region in DEPARTEMENTS.values()})
    return names


def _located(index: Index, column: str, value: str) -> bool:
    """Whether a record is located in a département or a région (see _place_names)."""
    return index.conn.execute(f"SELECT 1 FROM territoires WHERE {column} = ? LIMIT 1", (value,)).fetchone() is not None


def _a_place_without_records(index: Index, word: str) -> bool:
    """Whether a word no record writes names a département or a région where no record is
    located (« Guadeloupe »)."""
    found = _place_names().get(letters(word))
    return found is not None and not _located(index, *found)


def _compounds_found(index: Index, raw: list[str], terms: list[QueryTerm]) -> list[QueryTerm]:
    """A hyphenated word is looked up as its parts and as one glued word (« aller-vers »:
    « aller », « allervers »): those of them the catalogue has stand for it, the others are
    dropped, not reported unknown (« pré-diagnostic » is about « diagnostic »). When it has
    none (or only generic ones), the glued word alone is the unknown word. The name of a place
    that records are located in is one word, its parts dropped: « Val-de-Marne » is not also
    « val » and « marne », each a notion of its own (three places outweighing one subject),
    and « Saint-Denis » is not every record of Seine-Saint-Denis. Another compound the
    catalogue has glued is one notion too, met glued or by all its parts in a record
    (« centre-ville »: « centreville », or « centre » and « ville »), not three."""
    groups = [found for word in raw if len(found := token_terms(word)) > 1]
    if not groups:
        return terms
    # A generic piece does not carry the word: « Nouvelle-Aquitaine » is not about « nouvelle ».
    known = {t.word for t in terms if (t.variants or t.phrases) and not t.generic}
    phrased = {t.word for t in terms if t.phrases}  # « micro-forêt »: the thesaurus knows it whole
    dropped: set[str] = set()
    parts: dict[str, tuple[str, ...]] = {}  # a glued word -> the stems of its parts, all known
    for group in groups:
        *pieces, glued = group
        if glued in known:
            dropped.update(pieces)
            stems = tuple(index.stem_of(w) for w in pieces)
            # (not « porte-à-porte »: one « porté » would hold both its parts)
            if len(set(stems)) > 1 and all(w in known for w in pieces) and not _a_place(index, glued):
                parts[glued] = stems
        elif any(w in known for w in group) and (
            not phrased.isdisjoint(group) or not any(map(_a_word_of_its_own, set(pieces) - known))
        ):
            dropped.update(w for w in group if w not in known)
        else:
            dropped.update(pieces)
    return [
        t._replace(phrases=[*t.phrases, (parts[t.word], 1.0, COMPOUND)]) if t.word in parts else t
        for t in terms
        if t.word not in dropped
    ]


# Pieces of a compound that shade its other part rather than change it (« micro-forêt » is a
# forest): as « pré- », « co- », too short to be words of their own.
_PREFIXES = frozenset(
    (
        *("anti", "auto", "demi", "hyper", "inter", "maxi", "mega", "micro"),
        *("mini", "mono", "multi", "post", "semi", "super", "ultra"),
    )
)


def _a_word_of_its_own(piece: str) -> bool:
    """Whether a piece of a compound that the catalogue lacks is a French word (« outre » in
    « outre-mer », « gratte » in « gratte-ciel »): the compound then means something else than
    its other part, and is one unknown word; not a mere prefix (« pré- », « micro- »)."""
    from ..lexicon import is_word

    return piece not in _PREFIXES and piece not in STOP_WORDS and is_word(piece)


def _capitals(query: str) -> frozenset[str]:
    """The words typed in capitals (« PNRQAD », « OPAH-RU »), folded: sigles."""
    if not any(c.isupper() for c in query):
        return frozenset()
    return frozenset(fold(m.group()) for m in _SIGLE_TYPED().finditer(query))


@cache
def _SIGLE_TYPED() -> re.Pattern:
    return re.compile(r"(?<![\w-])[A-Z][A-Z0-9]{1,9}(?:-[A-Z0-9]{1,6})*(?![\w-])")


def missing(index: Index, subject: list[QueryTerm], capitals: frozenset[str] = frozenset()) -> tuple[list[str], bool]:
    """The subject words no record contains, even approximately; and whether the subject is
    absent: one of them names a subject of the field (thesaurus « sujets »: « ouvrir une crèche
    pour les familles » has no answer in « familles »), or half the words or more are unknown
    (« station de ski » must not list every « station »), a word found only among the words of
    a theme counting for half of one when the query has others (« revitalisation des commerces
    de proximité »: no record speaks of shops, the word is only in a theme's vocabulary)."""
    unknown = [q.word for q in subject if not q.variants and not any(index.has(s) for p in q.phrases for s in p[0])]
    # A subject of the field no record treats; a sigle of one met only by what it is about
    # (« EHPAD » by « seniors »: no record speaks of an EHPAD).
    loose = [
        q.word for q in subject if not q.variants and q.phrases and {how for *_, how in q.phrases} == {LOOSE_SIGLE}
    ]
    # So is a notion of the thesaurus no record says (« prêt à taux zéro »): one unknown term of
    # several words (see understand), however many other words the question has.
    # A sigle no record has and the thesaurus does not know, typed in capitals in a short
    # query, names a programme or a body (« PNRQAD quartiers anciens dégradés », « label
    # TEPOS »): what is asked, not a word to leave out.
    short = len(subject) <= SHORT_WITH_SIGLE
    named = [word for word in unknown + loose if " " in word or _a_subject(index, word)]
    named += [word for word in unknown if short and word in capitals and word not in named]
    if named:
        return unknown + [w for w in loose if w in named], True
    weak = [
        q.word
        for q in subject
        if q.variants and not q.phrases and all(how == "thème" for _, how in q.variants.values())
    ]
    # A notion of the thesaurus said nowhere (« cours de français ») counts as many words as it has.
    size = {q.word: len(analyse(q.word)) if " " in q.word else 1 for q in subject}
    said = sum(size.values())
    missed = sum(map(size.__getitem__, unknown)) + (sum(map(size.__getitem__, weak)) / 2 if said > 1 else 0)
    # A short query that names a place where no record is located asks for examples there
    # (« renouvellement urbain en Guadeloupe »); a long question names where the asker is.
    if said <= SHORT_WITH_PLACE and any(_a_place_without_records(index, word) for word in unknown):
        return unknown, True
    if missed * 2 >= max(1, said):
        return unknown + weak if len(subject) > 1 else unknown, True
    return unknown, False


def _phrase_found(
    index: Index,
    stems: tuple[str, ...],
    texts: Texts | None = None,
) -> bool:
    """Whether some record has every stem of a thesaurus phrase: a phrase no record holds whole
    (« tranquillité publique » where records only say « espace public ») finds nothing, and a
    word with only such phrases is unknown. With `texts`, the words must also be said together
    (see _said_together) in one of the first PHRASE_CHECKS records that
    hold them all, in order: « financement participatif » is not in a record where residents
    « participent aux choix de financement »."""
    if len(stems) == 1:
        return index.has(stems[0])
    found = [index.raw(s) for s in stems]
    if any(f is None for f in found):
        return False
    docs = sorted((f[0] for f in found), key=len)  # type: ignore[index]
    shared = sorted(set(docs[0]).intersection(*docs[1:]))
    if texts is None or not shared:
        return bool(shared)
    wanted = set(stems)
    for start in range(0, min(len(shared), PHRASE_CHECKS), 8):
        batch = texts(shared[start : start + 8])
        analysed = [analyse(text) for fields in batch.values() for text in fields.values()]
        index.learn(w for tokens in analysed for w in tokens)
        for tokens in analysed:
            positions: dict[str, list[int]] = {}
            for i, w in enumerate(tokens):
                s = index.stem_of(w)
                if s in wanted:
                    positions.setdefault(s, []).append(i)
            if len(positions) == len(wanted) and _said_together([positions[s] for s in stems]):
                return True
    return False


def _said_together(positions: list[list[int]]) -> bool:
    """Whether the words are said in order, each at most PHRASE_WINDOW words after the one
    before (`positions`: each word's positions, in the phrase's order)."""
    for start in positions[0]:
        at = start
        for following in positions[1:]:
            at = next((q for q in following if at < q <= at + 1 + PHRASE_WINDOW), -1)
            if at < 0:
                break
        else:
            return True
    return False


def _median(values: list[float]) -> float:
    """statistics.median, without importing statistics at every search (~3 ms)."""
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def _mask_fields(mask: int) -> tuple[str, ...]:
    return tuple(name for i, name in enumerate(FIELD_NAMES) if mask >> i & 1)


def _term_scores(index: Index, q: QueryTerm) -> tuple[dict[int, float], dict[int, float], set[int]]:
    """Record -> best contribution of any variant of one query term, record -> the weight of
    that variant (1.0 for the word itself), and the records that have it in their own text (not
    only in the labels of their action or themes, shared with other records).

    A variant never counts more than the word itself would: its idf is capped at the exact
    word's (a rare synonym or typo would otherwise outrank a common exact word). The hot loop of
    a search: an exact variant becomes a dict at C speed (`dict(zip(...))`), the others are
    merged into it in passes at C speed too; only thesaurus phrases take a Python step per
    record they share.
    """
    best: dict[int, float] = {}
    weights: dict[int, float] = {}
    own: set[int] = set()
    cap = _exact_idf(index, q)
    for s, (penalty, _how) in sorted(q.variants.items(), key=lambda kv: -kv[1][0]):
        found = index.postings(s)
        if found is None:
            continue
        docs, impacts, masks = found
        own.update(compress(docs, map(_OWN_FIELDS.__and__, masks)))  # at C speed
        if penalty == 1.0 and not best:
            best = dict(zip(docs, impacts, strict=True))
            weights = dict.fromkeys(best, 1.0)
            continue
        weight = penalty
        if cap is not None and penalty < 1.0:
            weight *= min(1.0, cap / (index.idf(s) or cap))
        values = dict(zip(docs, map(weight.__mul__, impacts), strict=True))
        if not best:
            best, weights = values, dict.fromkeys(values, penalty)
            continue
        # Variants come by decreasing weight: a record already met keeps its route's weight
        # (what it covers of the term) and takes this variant's value only if it is higher; a
        # new record comes after the others, in record order. Passes at C speed, no loop here.
        met = list(map(best.__contains__, values))  # not `values.keys() - best.keys()`: a pass over best
        common = list(compress(values, met))
        if common:
            olds = map(best.__getitem__, common)
            better = list(compress(common, map(lt, olds, map(values.__getitem__, common))))
            best.update(zip(better, map(values.__getitem__, better), strict=True))
        if len(common) < len(values):
            added = list(compress(values, map(not_, met)))
            best.update(zip(added, map(values.__getitem__, added), strict=True))
            weights.update(dict.fromkeys(added, penalty))
    for stems, weight, _how in q.phrases:
        found_all = [index.raw(s) for s in stems]
        if any(f is None for f in found_all):
            continue
        # The records that have every stem in one field, then each stem's values for those
        # only, as `Index.postings` gives them.
        shared = _phrase_records(index, stems, found_all)  # type: ignore[arg-type]
        maps = []
        owned = set(shared)  # those that have every stem in their own text
        for s, (docs, raw, masks) in zip(stems, found_all, strict=True):  # type: ignore[misc]
            positions = _positions(docs, shared)
            found = list(map(docs.__getitem__, positions))
            values = array("f", map(index.idf(s).__mul__, map(raw.__getitem__, positions)))
            maps.append(dict(zip(found, values, strict=True)))
            labels_only = map(not_, map(_OWN_FIELDS.__and__, map(masks.__getitem__, positions)))
            owned.difference_update(compress(found, labels_only))
        own.update(owned)
        # Each record's mean over the stems, times the weight; kept where it beats the record's
        # best so far. In passes at C speed (a compound's parts, « centre » and « ville », may be
        # shared by tens of thousands of records), in the set's order, as a loop would.
        order = list(shared)
        sums = map(sum, zip(*(list(map(m.__getitem__, order)) for m in maps), strict=True))
        values = list(map(truediv, map(weight.__mul__, sums), repeat(len(maps))))
        wins = list(map(lt, map(best.get, order, repeat(0.0)), values))
        better = list(compress(order, wins))
        best.update(zip(better, compress(values, wins), strict=True))
        weights.update(zip(better, map(max, map(weights.get, better, repeat(0.0)), repeat(weight)), strict=True))
    if q.generic:
        best = dict(zip(best, map(GENERIC_WEIGHT.__mul__, best.values()), strict=True))
    return best, weights, own


def _exact_docs(index: Index, q: QueryTerm) -> array | None:
    """The records that contain the word itself (already read for its scores)."""
    stem = _exact_stem(q)
    found = None if stem is None else index.raw(stem)
    return None if found is None else found[0]


def _exact_stem(q: QueryTerm) -> str | None:
    """The stem of the word itself, if some record has it."""
    return next((s for s, (_, how) in q.variants.items() if how == "exact"), None)


def _exact_idf(index: Index, q: QueryTerm) -> float | None:
    """The idf of the word itself: what no variant may exceed (see _term_scores)."""
    stem = _exact_stem(q)
    return None if stem is None else index.idf(stem)


def _one_notion(
    index: Index,
    a: array | None,
    b: array | None,
    words: tuple[QueryTerm, QueryTerm] | None,
    texts: Texts | None,
) -> bool:
    """Whether two adjacent query words are one notion, whose information counts once
    (« longue durée », « Plaine Commune »): found in nearly the same records (Jaccard index at
    least COLLOCATION) and, when these are few (under COLLOCATION_SEEN), said together in them
    (_phrase_found, with `texts`). Two rare words that one record holds apart (« le bruit de
    l'autoroute » where a record says « mur anti-bruit » and « bordure d'autoroute ») are two
    notions: that record covers both. Many records sharing two words are evidence enough, and
    reading their texts would cost a large catalogue some milliseconds. Records of very
    different numbers are told apart without building a set."""
    if a is None or b is None or min(len(a), len(b)) < COLLOCATION * max(len(a), len(b)):
        return False
    has = bytearray(max(a[-1], b[-1]) + 1)  # a byte per record (a loop of stores): cheaper than a set
    for d in a:
        has[d] = 1
    shared = sum(map(has.__getitem__, b))
    if shared < COLLOCATION * (len(a) + len(b) - shared):
        return False
    if texts is None or words is None or shared >= COLLOCATION_SEEN:
        return True
    stems = (_exact_stem(words[0]), _exact_stem(words[1]))
    return _phrase_found(index, stems, texts)  # type: ignore[arg-type]


def _term_information(index: Index, q: QueryTerm) -> float:
    """How much a query term says: the idf of the word itself, else of its best variant; of a
    phrase, its commonest word's (« qualité de l'air » for « asthme » says no more than
    « air »), but a sigle's full name is a name, as rare as its rarest word (« Association des
    maires de France », what « AMF » says, is no commoner than « maires » because every record
    names France)."""
    exact = _exact_idf(index, q)
    if exact is not None:
        return exact
    values = [index.idf(s) for s in q.variants] + [
        (max if how == SIGLE else min)(map(index.idf, stems)) for stems, _, how in q.phrases if stems
    ]
    return max(values, default=0.0)


def _matches(index: Index, qterms: list[QueryTerm], doc: int) -> dict[str, list[tuple[str, str, tuple[str, ...]]]]:
    """What each query word found in one record (see `_explain`), for a Hit."""
    out = {}
    for q in qterms:
        found = _explain(index, q, doc)
        if found:
            out[q.word] = [found]
    return out


def _explain(index: Index, q: QueryTerm, doc: int) -> tuple[str, str, tuple[str, ...]] | None:
    """Which variant of a query word gave a record its score, and in which fields: a thesaurus
    phrase only if the record has all its words (as _term_scores counts it), not one of them."""
    found = None
    candidates = [(s, weight, how) for s, (weight, how) in q.variants.items()]
    candidates += [(s, weight, how) for stems, weight, how in q.phrases if _has_all(index, stems, doc) for s in stems]
    for s, weight, how in candidates:
        postings = index.raw(s)
        if postings is None:
            continue
        docs, _raw, masks = postings
        j = bisect.bisect_left(docs, doc)
        if j < len(docs) and docs[j] == doc:
            value = index.impact(s, j) * weight
            if found is None or value > found[0]:
                found = (value, s, how, _mask_fields(masks[j]))
    return found[1:] if found else None


def _has_all(index: Index, stems: tuple[str, ...], doc: int) -> bool:
    """Whether a record has every stem of a phrase in one field, as the ranking counts it."""
    found = [index.raw(s) for s in stems]
    return all(f is not None for f in found) and doc in _phrase_records(index, stems, found)  # type: ignore[arg-type]


def run(
    index: Index,
    query: str,
    *,
    accept: Callable[[int], bool] | None = None,
    texts: Texts | None = None,
    limit: int | None = None,
) -> Result:
    """Rank records for a query; at most `limit` hits (all when None), `total` counts them all.

    `accept` filters record numbers; `texts` (the searchable texts of some records, by field)
    enables the proximity bonus for query words that follow each other in a record.

    A subject word that no record contains, even approximately, is reported in `unknown`; when
    half the subject words or more are unknown, nothing is returned rather than records that
    match only the rest (« station de ski » must not list every « station »)."""
    capitals = _capitals(query)
    aged, query = age.read(query)
    years: dict[int, int] = {}
    intent, query = cost.read(query)
    qterms = understand(index, query, other_subject=intent is not None or aged is not None, texts=texts)
    subject = [q for q in qterms if not q.generic]
    unknown, absent = missing(index, subject, capitals)
    if aged is not None:  # « depuis plus de dix ans »: only the records that started by then
        years = age.started(index.conn, aged)
        if not subject and intent is None:
            return _by_age(aged, years, qterms, accept, limit)
        accept = years.__contains__ if accept is None else _both(years.__contains__, accept)
    if intent is not None and not subject:  # « pas cher », « projets coûteux »: by cost
        return _by_cost(index, intent, qterms, accept, limit)
    if not qterms or absent:
        return Result([], qterms, _suggestions(index, qterms), 0, unknown)
    qterms = [q for q in qterms if q.word not in unknown]
    subject = [q for q in qterms if not q.generic]
    if limit is not None and accept is None and intent is None and len(subject) == len(qterms):
        if len(qterms) == 1:
            found = _one_word(index, qterms, limit, unknown)
        else:
            found = _many_words(index, qterms, limit, unknown, texts)
        if found is not None:
            return found

    term_maps = []
    information = []  # (idf, record -> variant weight) of each subject notion
    owns = []  # records that have each subject notion in their own text
    previous, before = None, None
    for q in qterms:
        scores_q, weights_q, own_q = _term_scores(index, q)
        term_maps.append(scores_q)
        if not q.generic:
            docs = _exact_docs(index, q)
            if not _one_notion(index, previous, docs, before and (before, q), texts):  # « longue durée »
                information.append((_term_information(index, q), weights_q))
                owns.append(own_q)
            previous, before = docs, q
    n = len(information)
    term_maps.sort(key=len, reverse=True)
    scores = _sum_maps(term_maps)
    # The order: how many subject notions a record matches, counted twice when found in its own
    # text, once when only in the labels of its action or themes (shared by many records). With
    # one notion and no cost, it only orders the first results: counted for those alone.
    coverage: Counter[int] | _OneNotion
    if n > 1 or intent is not None:
        coverage = Counter(chain.from_iterable(w.keys() for _, w in information))
    else:
        coverage = _OneNotion(information[0][1])
    if len(subject) < len(qterms):  # a record matching only generic words is not an answer
        scores = _keep(scores, map(coverage.__contains__, scores))
    asked, typed_fits, cost_fits = None, set(), set()
    if intent is not None:  # the cost asked counts as one more word matched (a soft preference)
        asked = _CostAsked.read(index, intent)
        typed_fits = set(asked.typed)
        cost_fits = (typed_fits | asked.said.keys()).intersection(scores)
        coverage.update(cost_fits)
        n += 1
        # ...and one more share of the information, as much as the query's middle word: a
        # record that meets the cost and one word is not cut off as covering too little.
        information.append((_median([idf for idf, _ in information]), dict.fromkeys(cost_fits, 1.0)))
    if n > 1:
        order = coverage.copy()
        order.update(chain.from_iterable(owns))
        if cost_fits:
            order.update(cost_fits)
        # Records matching fewer words come after those matching the most, if they cover enough:
        # one word may be missing from two or three, two from four or five...
        k_max = max(coverage.values(), default=0)
        required = max(1, k_max - max(1, n // 2))
        # Every record of `coverage` is scored: when they are as many, all have one notion.
        if required > 1 or len(coverage) < len(scores):
            scores = _keep(scores, map(required.__le__, map(coverage.__getitem__, scores)))
    else:
        order = _OneNotionOrder(information[0][1], owns[0])
    if accept is not None:
        scores = _keep(scores, map(accept, scores))
    if not scores:
        return Result([], qterms, [], 0, unknown)

    # The share of the query's information a record covers: each subject term counts by its
    # idf, times the weight of the variant found (1 for the word itself). From three terms on,
    # no term counts more than the median one: in a long question, one rare detail (« entre
    # voisins ») must not outweigh the rest and cut every record that lacks it.
    if len(information) >= 3:
        cap = _median([idf for idf, _ in information])
        information = [(min(idf, cap), w) for idf, w in information]
    total_information = sum(idf for idf, _ in information) or 1.0
    if len(information) == 1:  # one subject word: what a record covers is its route's weight
        covered = information[0][1]
    else:
        covered = dict.fromkeys(scores, 0.0)
        for idf, weights_q in information:
            share = idf / total_information
            found = list(filter(covered.__contains__, weights_q))
            shares = map(share.__mul__, map(weights_q.__getitem__, found))
            covered.update(zip(found, map(add, map(covered.__getitem__, found), shares), strict=True))

    depth = RERANK_DEPTH if limit is None else max(limit, RERANK_DEPTH)
    if n > 1:
        # (coverage, score, record) tuples compare in C: no Python key function per record.
        ranking = zip(map(order.__getitem__, scores), scores.values(), scores, strict=True)
        head = [d for _, _, d in heapq.nlargest(depth, ranking)]
    else:  # every record covers the one subject word: by score alone
        head = [d for d, _ in heapq.nlargest(depth, scores.items(), key=itemgetter(1))]
    if texts is not None and len(qterms) > 1:
        scores = dict(scores)
        _proximity_bonus(head[:RERANK_DEPTH], scores, qterms, texts, index)
        head.sort(key=lambda d: (order[d], scores[d]), reverse=True)
    top = max(scores[d] for d in head)
    min_covered = COVERAGE_CUTOFF * max(map(covered.get, scores, repeat(0.0)))
    min_score = RELATIVE_CUTOFF * top

    def kept(d: int) -> bool:
        return covered.get(d, 0.0) >= min_covered and scores[d] >= min_score

    # One count for the total and the list: the same scores (proximity included), the same rule.
    enough = map(min_covered.__le__, map(covered.get, scores, repeat(0.0)))
    total = sum(map(and_, map(min_score.__le__, scores.values()), enough))
    if limit is None:
        in_head = set(head)
        ordered = sorted(scores, key=lambda d: (order[d], scores[d]), reverse=True)
        rest = [d for d in ordered if d not in in_head]
        ranked = [d for d in head + rest if kept(d)]
    else:
        ranked = [d for d in head if kept(d)][:limit]

    hits = []
    for d in ranked:
        matches = _matches(index, qterms, d)
        if asked is not None and d in cost_fits:
            matches[asked.intent.said] = asked.match(index, d, typed_fits)
        if aged is not None:
            matches[aged.said] = aged.match(years[d])
        hits.append(Hit(d, scores[d], coverage[d], matches))
    return Result(hits, qterms, [], total, unknown)


class _Route(NamedTuple):
    """One variant of a query word: its postings as stored, idf, weight and penalty."""

    docs: array
    raw: array
    masks: array
    idf: float
    weight: float | None  # None: the word itself, its impacts counted as they are
    penalty: float  # what a record found by it covers of the word
    stem: str

    def value(self, j: int) -> float:
        """The `j`-th record's value by this route, rounded as `Index.postings` rounds."""
        return self.value_of(self.raw[j])

    def value_of(self, impact: float) -> float:
        """The value of a record of this route whose stored impact is `impact`."""
        v = array("f", (self.idf * impact,))[0]
        return v if self.weight is None else v * self.weight

    def lowest(self, index: Index) -> float:
        """The lowest value of a record of this route."""
        return self.value_of(index.lowest(self.stem))

    def position(self, d: int) -> int | None:
        return _position(self.docs, d)

    def labels_only(self) -> list[int]:
        """The records that have this variant only in the labels they share with other records
        (their action's, their themes'), not in their own text."""
        return list(map(self.docs.__getitem__, positions_without(self.masks, _OWN_FIELDS)))

    def values(self, positions: Iterable[int]) -> Iterable[float]:
        """The values of the records at these positions (passes at C speed)."""
        found = array("f", map(self.idf.__mul__, map(self.raw.__getitem__, positions)))
        return found if self.weight is None else map(self.weight.__mul__, found)

    def reaching(self, score: float) -> list[int]:
        """The records of this route whose value is at least `score`: found on the bytes of the
        stored impacts at C speed (`positions_from`), then by their values."""
        raw_score = score / (self.idf * (self.weight or 1.0))
        positions = positions_from(self.raw, raw_score * (1 - 1e-6))
        return list(compress(map(self.docs.__getitem__, positions), map(score.__le__, self.values(positions))))

    def candidates(self, depth: int, first: bool) -> list[int]:
        """Records of this route that may be among the `depth` first results: those above the
        `depth`-th best value, and those equal to it (for the first route, only the `depth`
        lowest numbers among these: the full ranking meets them first). Found on the bytes of
        the stored impacts, at C speed (`top_positions`), then by their values."""
        positions = top_positions(self.raw, depth)
        docs = list(map(self.docs.__getitem__, positions))
        values = list(self.values(positions))
        if len(values) <= depth:
            return docs
        last = heapq.nlargest(depth, values)[-1]
        above = list(compress(docs, map(last.__lt__, values)))
        tied = list(compress(docs, map(last.__eq__, values)))
        return above + (tied[:depth] if first else tied)


def _routes(index: Index, q: QueryTerm) -> list[_Route]:
    """The variants of a query word that some record has, strongest first, as `_term_scores`
    weighs them: a variant never counts more than the word itself."""
    cap = _exact_idf(index, q)
    routes: list[_Route] = []
    for s, (penalty, _how) in sorted(q.variants.items(), key=lambda kv: -kv[1][0]):
        found = index.raw(s)
        if found is None:
            continue
        weight: float | None = None
        if not (penalty == 1.0 and not routes):
            weight = penalty
            if cap is not None and penalty < 1.0:
                weight *= min(1.0, cap / (index.idf(s) or cap))
        routes.append(_Route(found[0], found[1], found[2], index.idf(s), weight, penalty, s))
    return routes


def _one_word(index: Index, qterms: list[QueryTerm], limit: int, unknown: list[str]) -> Result | None:
    """The ranking of a query of one word, with a limit and no filter nor cost, reading only the
    best records of each variant: the same result as the full ranking, or None when a bound it
    relies on does not hold (the full ranking then runs).

    A record is ranked by the best value of the variants that have it (ties in the order the
    full ranking meets them: by variant, then record); it covers the word by the weight of the
    strongest variant that has it. A record outside the best few of every variant cannot reach
    the first results (each variant's few best are all candidates). The total counts the
    records of the variants strong enough for the coverage cut-off, once each: it is exact when
    each of these variants' lowest value passes the score cut-off (else None)."""
    q = qterms[0]
    if q.phrases or q.generic:
        return None
    routes = _routes(index, q)
    if not routes:
        return None
    depth = max(limit, RERANK_DEPTH)
    candidates: set[int] = set()
    for i, r in enumerate(routes):
        candidates.update(r.candidates(depth, i == 0))
        if len(candidates) > MAX_SCORED:
            return None
    best = {d: _best_route(routes, d) for d in candidates}
    head = sorted(best, key=lambda d: (-best[d][0], best[d][1], d))[:depth]
    min_score = RELATIVE_CUTOFF * best[head[0]][0]
    min_covered = COVERAGE_CUTOFF * routes[0].penalty
    # The records counted: those of the variants that cover enough of the word, whose value
    # passes the score cut-off. A variant whose lowest value passes it counts all its records;
    # the records found only by the others pass if their value by some route passes.
    counted = [r for r in routes if r.penalty >= min_covered]
    passing = [r for r in counted if r.lowest(index) >= min_score]
    failing = [r for r in counted if all(r is not p for p in passing)]
    alone = set().union(*(r.docs for r in failing))
    for r in passing:
        if len(alone) * 20 < len(r.docs):
            alone = {d for d in alone if r.position(d) is None}
        else:
            alone.difference_update(r.docs)
    total = _union_size([r.docs for r in passing])
    if len(alone) * 16 < sum(len(r.docs) for r in routes):  # few: their best values
        total += sum(map(min_score.__le__, _Word(routes, []).values(alone)[0].values()))
    else:  # many: those whose value by some route passes
        reached = set().union(*(r.reaching(min_score) for r in routes))
        total += len(alone & reached)

    def kept(d: int) -> bool:
        return routes[best[d][1]].penalty >= min_covered and best[d][0] >= min_score

    hits = []
    for d in [d for d in head if kept(d)][:limit]:
        found = _explain(index, q, d)
        hits.append(Hit(d, best[d][0], 1, {q.word: [found]} if found else {}))
    return Result(hits, qterms, [], total, unknown)


# What a record found by a weaker variant or a phrase of some word (not by the word itself) is
# given apart: (coverage, order, covered, score), plain tuples built at C speed.
_Rest = tuple[int, int, float, float]
COVERAGE, ORDER, COVERED, SCORE = range(4)


class _Phrase(NamedTuple):
    """What a thesaurus phrase of a query word stands for: records that have all its stems,
    valued at the phrase's weight times the mean of their impacts."""

    stems: list[_Route]
    weight: float
    docs: array  # the records that have every stem, ascending
    met: set[int]  # ...the same, in the order `_term_scores` meets them

    def values(self, wanted: set[int]) -> dict[int, float]:
        """The phrase's value for those of `wanted` that have it, as `_term_scores` gives it."""
        wanted = wanted.intersection(self.docs)
        total: list[float] = []
        docs: list[int] = []
        for r in self.stems:
            positions = _positions(r.docs, wanted)
            docs = list(map(r.docs.__getitem__, positions))
            found = list(r.values(positions))
            total = found if not total else list(map(add, total, found))
        size = len(self.stems)
        return dict(zip(docs, map(truediv, map(self.weight.__mul__, total), repeat(size)), strict=True))

    def own(self) -> set[int]:
        """The records that have every stem in their own text."""
        return set(self.docs).difference(*(r.labels_only() for r in self.stems))


class _Word(NamedTuple):
    routes: list[_Route]  # the word itself first
    phrases: list[_Phrase]

    def flipped(self, codes: bytes, bit: int) -> set[int]:
        """The records for which having the word in their own text (by any variant or phrase)
        is not having the word itself (`bit` of `codes`): those that have it only in the labels
        they share, and those that have only a variant or phrase of it, in their own text.
        Few, found at C speed: the others are told by `codes` alone."""
        others = set().union(*(set(r.docs).difference(r.labels_only()) for r in self.routes[1:]))
        for p in self.phrases:
            others |= p.own()
        flipped = set(self.routes[0].labels_only()).difference(others)
        found = list(others)
        flipped.update(compress(found, map(not_, map(bit.__and__, map(codes.__getitem__, found)))))
        return flipped

    def values(self, wanted: set[int]) -> tuple[dict[int, float], dict[int, float]]:
        """For those of `wanted` that have the word: its best value, and what they cover of it
        (the weight of the strongest variant), met in the order of `_term_scores`."""
        best: dict[int, float] = {}
        weights: dict[int, float] = {}
        for r in self.routes:
            positions = _positions(r.docs, wanted)
            found = dict(zip(map(r.docs.__getitem__, positions), r.values(positions), strict=True))
            better, added = _merge(best, found)
            weights.update(dict.fromkeys(added, r.penalty))  # a record met before keeps its weight
        for p in self.phrases:
            better, added = _merge(best, p.values(wanted))
            weights.update(zip(better, map(max, map(weights.__getitem__, better), repeat(p.weight)), strict=True))
            weights.update(dict.fromkeys(added, p.weight))
        return best, weights


def _word(index: Index, q: QueryTerm) -> _Word | None:
    """A query word's variants and phrases, or None when no record has the word itself."""
    routes = _routes(index, q)
    if not routes or routes[0].weight is not None:
        return None
    return _Word(routes, _phrases(index, q))


def _phrases(index: Index, q: QueryTerm) -> list[_Phrase]:
    """A query word's thesaurus phrases whose stems some record has, as `_term_scores` meets them."""
    phrases = []
    for stems, weight, _how in q.phrases:
        found = [index.raw(s) for s in stems]
        if any(f is None for f in found):
            continue
        parts = [_Route(f[0], f[1], f[2], index.idf(s), None, weight, s) for s, f in zip(stems, found, strict=True)]  # type: ignore[index]
        # The set `_term_scores` reads: records met by the phrase alone come in its order (that
        # of a set of integers, not always ascending).
        shared = _phrase_records(index, stems, found)  # type: ignore[arg-type]
        phrases.append(_Phrase(parts, weight, array("i", sorted(shared)), shared))
    return phrases


def _many_words(
    index: Index,
    qterms: list[QueryTerm],
    limit: int,
    unknown: list[str],
    texts: Texts | None,
) -> Result | None:
    """The ranking of a query of two to four words (each its own notion), with a limit and no
    filter nor cost: the same result as the full ranking, or None when an assumption below does
    not hold (the full ranking then runs).

    Most records are found by the words themselves: what they cover and how many words they
    match depend only on which words they have, one byte per record (`_codes`: the sum of a
    distinct power of two per word). The records found only by a weaker variant or a phrase of
    a word (MAX_APART at most) are scored apart. The total is counted by group of words; it is
    exact when the lowest score possible in each group kept passes the score cut-off. The first
    results are taken among the records that match the most words, then ranked by their
    scores, read only for those that can reach the first results (`_best_scored`)."""
    n = len(qterms)
    if n > MAX_FAST_WORDS or any(q.generic for q in qterms):
        return None
    words: list[_Word] = []
    previous, before = None, None
    merged = []
    for q in qterms:
        docs = _exact_docs(index, q)
        merged.append(_one_notion(index, previous, docs, before and (before, q), texts))
        previous, before = docs, q
    if all(merged[1:]):  # « îlots de fraîcheur »: one notion
        return _one_notion_words(index, qterms, limit, unknown, texts)
    if any(merged):
        return None
    for q in qterms:
        word = _word(index, q)
        if word is None:  # found only by variants
            return None
        words.append(word)
    information = [_term_information(index, q) for q in qterms]
    if n >= 3:
        cap = _median(information)
        information = [min(idf, cap) for idf in information]
    total_information = sum(information) or 1.0
    shares = [idf / total_information for idf in information]
    sizes = [_union_size([r.docs for r in w.routes] + [p.docs for p in w.phrases]) for w in words]
    summed = sorted(range(n), key=lambda i: sizes[i], reverse=True)  # the order scores are added

    # The records found by a weaker variant or a phrase of a word but not by the word.
    alone: set[int] = set()
    for w in words:
        others = set().union(*(r.docs for r in w.routes[1:]), *(p.docs for p in w.phrases))
        if len(others) * 20 < len(w.routes[0].docs):
            others = {d for d in others if w.routes[0].position(d) is None}
        else:
            others.difference_update(w.routes[0].docs)
        alone |= others
        if len(alone) > MAX_APART:
            return None

    # Which words' own postings have each record: one byte per record, a sum of powers of two.
    exact = [w.routes[0].docs for w in words]
    by_size = sorted(range(n), key=lambda i: len(exact[i]), reverse=True)
    bits = [0] * n
    for rank, i in enumerate(by_size):
        bits[i] = 1 << rank
    codes = _codes(exact, bits, index.n_docs)
    groups = Counter({c: k for c in range(1, 1 << n) if (k := codes.count(c))})
    for d in alone:
        if codes[d]:
            groups[codes[d]] -= 1
    popcount = {c: c.bit_count() for c in groups}
    # Which words each record has in its own text: mostly the words it has (`codes`), but for
    # the few records of `flips` (a word only in shared labels, or only a variant of it).
    flips = [w.flipped(codes, bits[i]) for i, w in enumerate(words)]
    own_apart = []  # among the records apart, those that have each word in their own text
    alone_docs = list(alone)
    for i, flipped in enumerate(flips):
        has = map(bool, map(bits[i].__and__, map(codes.__getitem__, alone_docs)))
        own_apart.append(set(compress(alone_docs, map(ne, has, map(flipped.__contains__, alone_docs)))))
    # A record's order is twice the words it has, less those it has only in shared labels,
    # plus those it has only by a variant or phrase in its own text (counted at C speed).
    less: Counter[int] = Counter()
    more: Counter[int] = Counter()
    for i, flipped in enumerate(flips):
        found = list(flipped)
        has = list(map(bits[i].__and__, map(codes.__getitem__, found)))
        less.update(compress(found, has))
        more.update(compress(found, map(not_, has)))
    twice = {c: 2 * k for c, k in popcount.items()}
    values = [w.values(alone) for w in words]
    rest = _score_rest(values, own_apart, shares, summed, alone)

    def members(c: int) -> list[int]:
        return [i for i in range(n) if c & bits[i]]

    def group_covered(c: int) -> float:
        covered = 0.0
        for i in members(c):
            covered += shares[i] * 1.0
        return covered

    k_max = max([popcount[c] for c, k in groups.items() if k > 0] + [r[COVERAGE] for r in rest.values()])
    required = max(1, k_max - max(1, n // 2))
    kept_groups = [c for c, k in groups.items() if k > 0 and len(members(c)) >= required]
    kept_rest = {d: r for d, r in rest.items() if r[COVERAGE] >= required}
    min_covered = COVERAGE_CUTOFF * max(
        [group_covered(c) for c in kept_groups] + [r[COVERED] for r in kept_rest.values()]
    )

    # The first results: among the records that match the most words, enough of them that no
    # record matching fewer words can come before the `depth`-th.
    depth = max(limit, RERANK_DEPTH)
    least = k_max
    while True:
        wanted = {c for c in kept_groups if len(members(c)) >= least}
        found = list(filterfalse(rest.__contains__, _with_codes(codes, wanted)))
        orders = list(map(twice.__getitem__, map(codes.__getitem__, found)))
        if less or more:
            orders = list(map(add, orders, map(more.get, found, repeat(0))))
            orders = list(map(sub, orders, map(less.get, found, repeat(0))))
        found += [d for d, r in kept_rest.items() if r[COVERAGE] >= least]
        orders += [r[ORDER] for d, r in kept_rest.items() if r[COVERAGE] >= least]
        if least <= required:
            break
        if len(found) >= depth and _kth_largest(orders, depth) > 2 * (least - 1):
            break
        least -= 1

    def scored(docs: set[int]) -> dict[int, float]:
        """The scores of some records (those apart read before)."""
        more = docs.difference(rest)
        maps = [v for v, _ in values]
        if more:
            maps = [{**a, **b} for a, (b, _) in zip(maps, (w.values(more) for w in words), strict=True)]
        found = list(docs)
        return dict(zip(found, _sums(maps, summed, found), strict=True))

    if len(found) > depth:
        last = _kth_largest(orders, depth)
        keep = list(map(last.__le__, orders))
        found, orders = list(compress(found, keep)), list(compress(orders, keep))
    ranked = found
    if len(found) > depth:
        # Those of a higher order are all among the first; of the others, only the best scores.
        ahead = list(compress(found, map(last.__lt__, orders)))
        level = list(compress(found, map(last.__eq__, orders)))
        best = _best_scored(index, words, level, depth - len(ahead), scored)
        if best is not None:
            ranked = ahead + best
    order = dict(zip(found, orders, strict=True))
    scores = scored(set(ranked))
    ranking = zip(map(order.__getitem__, ranked), map(scores.__getitem__, ranked), ranked, strict=True)
    head = [d for _, _, d in heapq.nlargest(depth, ranking)]
    if texts is not None:
        _proximity_bonus(head[:RERANK_DEPTH], scores, qterms, texts, index)
        head.sort(key=lambda d: (order[d], scores[d]), reverse=True)
    min_score = RELATIVE_CUTOFF * max(scores[d] for d in head)

    # The total: each group of words kept counts all its records if its lowest score passes.
    exact_low = [w.routes[0].lowest(index) for w in words]
    total = 0
    for c in kept_groups:
        if group_covered(c) >= min_covered:
            lowest = 0.0
            for i in summed:
                if c & bits[i]:
                    lowest += exact_low[i]
            if lowest >= min_score:
                total += groups[c]
                continue
            # Some records of the group may fall below the score cut-off: scored one by one.
            if popcount[c] == 1:
                total += _count_one_word(words[members(c)[0]], codes, c, rest, scores, min_score)
                continue
            found = list(filterfalse(rest.__contains__, _with_codes(codes, {c})))
            if len(found) > MAX_APART:
                return None
            low = _scores_of(words, summed, found, {})
            total += sum(1 for d in found if scores.get(d, low[d]) >= min_score)
    for d, r in kept_rest.items():
        total += r[COVERED] >= min_covered and scores.get(d, r[SCORE]) >= min_score

    def covered_of(d: int) -> float:
        return rest[d][COVERED] if d in rest else group_covered(codes[d])

    def coverage_of(d: int) -> int:
        return rest[d][COVERAGE] if d in rest else len(members(codes[d]))

    hits = []
    for d in [d for d in head if covered_of(d) >= min_covered and scores[d] >= min_score][:limit]:
        hits.append(Hit(d, scores[d], coverage_of(d), _matches(index, qterms, d)))
    return Result(hits, qterms, [], total, unknown)


def _one_notion_words(
    index: Index,
    qterms: list[QueryTerm],
    limit: int,
    unknown: list[str],
    texts: Texts | None,
) -> Result | None:
    """The ranking of words found in nearly the same records, one notion (« îlots de
    fraîcheur »), with a limit and no filter nor cost: the same result as the full ranking, or
    None when an assumption below does not hold.

    Records are ranked by the sum of the words' values, each the best of its variants and
    thesaurus phrases (ties in the order the full ranking meets them: by word, variant, then
    phrase, then record). The records of the phrases (few) are all scored, and a first few
    others, which give a score the first results reach; a record of no phrase can reach it only
    if its value for one word is at least that score minus the highest values of the others'
    variants: only those are scored. A record covers the notion by the first word's variant or
    phrase; the total counts those records as `_one_word` does, and those of its phrases one by
    one."""
    words = [_Word(_routes(index, q), _phrases(index, q)) for q in qterms]
    if not all(w.routes for w in words):
        return None
    first_word = words[0]
    if any(p.weight > first_word.routes[0].penalty for p in first_word.phrases):
        return None  # what the best record covers would not be the first variant's weight
    sizes = [_union_size([r.docs for r in w.routes] + [p.docs for p in w.phrases]) for w in words]
    summed = sorted(range(len(words)), key=lambda i: sizes[i], reverse=True)  # the order scores are added
    depth = max(limit, RERANK_DEPTH)

    # The records scored so far: their scores, and what they cover of the first word.
    scores: dict[int, float] = {}
    weights: dict[int, float] = {}

    def scored(docs: set[int]) -> None:
        new = docs.difference(scores)
        if not new:
            return
        values = [w.values(new) for w in words]
        found = list(new)
        score = [0.0] * len(found)  # adding 0 where a record lacks a word changes no sum
        for i in summed:
            score = list(map(add, score, map(values[i][0].get, found, repeat(0.0))))
        scores.update(zip(found, score, strict=True))
        weights.update(values[0][1])

    # The records of the phrases, few, are all scored; the others have values by variants only.
    phrased: set[int] = set().union(*(p.docs for w in words for p in w.phrases))
    if len(phrased) > MAX_APART:
        return None
    seed = set(phrased)
    for w in words:
        for r in w.routes:
            seed.update(r.candidates(depth, True))
    scored(seed)
    if len(scores) < depth:
        return None
    reached = heapq.nlargest(depth, scores.values())[-1]
    highest = [max(r.value_of(index.highest(r.stem)) for r in w.routes) for w in words]
    reaching = _reaching(words, highest, reached, set(phrased))
    if reaching is None:
        return None
    candidates = reaching[2]
    if len(candidates) > MAX_APART:
        return None
    scored(candidates)
    # record -> (map, variant or phrase, rank) where the full ranking meets it first: a
    # variant's records in record order, then those of each phrase alone in the order of its set
    met: dict[int, tuple[int, int, int]] = {}
    for k, i in enumerate(summed):
        routes, phrases = words[i].routes, words[i].phrases
        for j, r in enumerate(routes):
            found = list(filterfalse(met.__contains__, map(r.docs.__getitem__, _positions(r.docs, candidates))))
            n = len(found)
            met.update(zip(found, zip(repeat(k, n), repeat(j, n), found, strict=True), strict=True))
        for j, p in enumerate(phrases, len(routes)):
            found = list(filterfalse(met.__contains__, filter(candidates.__contains__, p.met)))
            n = len(found)
            met.update(zip(found, zip(repeat(k, n), repeat(j, n), range(n), strict=True), strict=True))
    head = sorted(candidates, key=lambda d: (-scores[d], met[d]))[:depth]
    if texts is not None:
        _proximity_bonus(head[:RERANK_DEPTH], scores, qterms, texts, index)

        def own(d: int) -> bool:
            """Whether the record has the first word in its own text, by a variant or all the
            stems of a phrase."""
            for r in first_word.routes:
                j = r.position(d)
                if j is not None and r.masks[j] & _OWN_FIELDS:
                    return True
            return any(
                _position(p.docs, d) is not None and all(r.masks[r.position(d)] & _OWN_FIELDS for r in p.stems)  # type: ignore[index]
                for p in first_word.phrases
            )

        def order(d: int) -> int:
            return (d in weights) + own(d)

        head.sort(key=lambda d: (order(d), scores[d]), reverse=True)
    min_score = RELATIVE_CUTOFF * max(scores[d] for d in head)
    min_covered = COVERAGE_CUTOFF * first_word.routes[0].penalty

    # The total: records of the first word's variants strong enough, whose score passes; those
    # of its phrases (found by no variant that passes) by their weights and scores.
    counted = [r for r in first_word.routes if r.penalty >= min_covered]
    passing = [r for r in counted if r.lowest(index) >= min_score]
    alone = set().union(
        *(r.docs for r in counted if all(r is not p for p in passing)),
        *(p.docs for p in first_word.phrases if p.weight >= min_covered),
    )
    if len(alone) > MAX_APART:
        return None
    for r in passing:
        alone.difference_update(r.docs)
    total = _union_size([r.docs for r in passing])
    scored(alone)  # (those among the first results have their proximity bonus)
    total += sum(1 for d in alone if weights.get(d, 0.0) >= min_covered and scores[d] >= min_score)

    hits = []
    for d in [d for d in head if weights.get(d, 0.0) >= min_covered and scores[d] >= min_score][:limit]:
        hits.append(Hit(d, scores[d], int(d in weights), _matches(index, qterms, d)))
    return Result(hits, qterms, [], total, unknown)


def _reaching(
    words: list["_Word"], highest: list[float], reached: float, start: set[int]
) -> tuple[int, float, set[int]] | None:
    """A record reaches the score `reached` only if its value for some word is at least that
    score less the highest values of the other words: the word where this prunes most, that
    least value, and `start` with the records of the word's variants that have it; None when
    no word prunes."""
    margin = 1e-6 * (reached + sum(highest))
    needs = [reached - (sum(highest) - h) - margin for h in highest]
    best_word = max(range(len(words)), key=lambda i: needs[i] / highest[i])
    need = needs[best_word]
    if need <= 0:
        return None
    candidates = start
    for r in words[best_word].routes:
        # A value at least `need` comes from a stored impact at least this (with a margin).
        raw_need = need / (r.idf * (r.weight or 1.0)) * (1 - 1e-6)
        candidates.update(map(r.docs.__getitem__, positions_from(r.raw, raw_need)))
    return best_word, need, candidates


def _kth_largest(orders: list[int], k: int) -> int:
    """The `k`-th largest of some small numbers (`heapq.nlargest(k, orders)[-1]`), counted at
    C speed: a record's order is at most twice the number of words."""
    counts = Counter(orders)
    for value in sorted(counts, reverse=True):
        k -= counts[value]
        if k <= 0:
            return value
    raise ValueError("fewer than k values")


def _codes(exact: list[array], bits: list[int], n_docs: int) -> bytes:
    """Per record, the sum of the bits of the words whose own postings have it: one byte mask
    per word (a loop of stores), added as integers (no carry: at most four words)."""
    total = 0
    for docs, bit in zip(exact, bits, strict=True):
        mask = bytearray(n_docs)
        for d in docs:
            mask[d] = 1
        total += int.from_bytes(mask, "little") * bit
    return total.to_bytes(n_docs, "little")


def _with_codes(codes: bytes, wanted: set[int]) -> list[int]:
    """The records whose code is one of `wanted`, ascending (passes at C speed)."""
    table = bytes(c in wanted for c in range(256))
    return list(compress(range(len(codes)), codes.translate(table)))


def _best_scored(
    index: Index, words: list["_Word"], level: list[int], m: int, scored: Callable[[set[int]], dict[int, float]]
) -> list[int] | None:
    """Records of `level` (of one order) among which are the `m` best by score, or None.

    A few records with a high value for the word that weighs most, scored, give a score the
    `m` best reach; a record can reach it only if its value for some word is at least that
    score minus the highest values of the others: only those of the word where this prunes
    most are kept (by each of its variants and phrases)."""
    if m <= 0:
        return []
    in_level = set(level)
    highest = []
    for w in words:
        bounds = [r.value_of(index.highest(r.stem)) for r in w.routes]
        bounds += [p.weight * sum(r.value_of(index.highest(r.stem)) for r in p.stems) / len(p.stems) for p in w.phrases]
        highest.append(max(bounds))
    first = words[max(range(len(words)), key=highest.__getitem__)].routes[0]
    hi, lo = index.highest(first.stem), index.lowest(first.stem)
    for share in (0.01, 0.03, 0.1, 0.3):
        t = hi - (hi - lo) * share
        seed = [d for d in map(first.docs.__getitem__, positions_from(first.raw, t)) if d in in_level]
        if len(seed) >= m:
            break
    else:
        return None
    seed_scores = scored(set(seed))
    reached = heapq.nlargest(m, seed_scores.values())[-1]
    reaching = _reaching(words, highest, reached, set(seed))
    if reaching is None:
        return None
    best_word, need, candidates = reaching
    for p in words[best_word].phrases:
        # A phrase's value is its weight times the mean of its stems' values: at least `need`
        # only if one stem's value is at least what the others' highest leave to reach.
        bounds = [r.value_of(index.highest(r.stem)) for r in p.stems]
        total_need = need * len(p.stems) / p.weight
        margin = 1e-6 * (total_need + sum(bounds))
        stem_needs = [total_need - (sum(bounds) - h) - margin for h in bounds]
        k = max(range(len(bounds)), key=lambda k: stem_needs[k] / bounds[k])
        if stem_needs[k] <= 0:
            candidates.update(p.docs)
            continue
        r = p.stems[k]
        raw_need = stem_needs[k] / r.idf * (1 - 1e-6)
        candidates.update(map(r.docs.__getitem__, positions_from(r.raw, raw_need)))
    candidates &= in_level
    return None if len(candidates) > MAX_SCORED else list(candidates)


def _count_one_word(
    word: _Word, codes: bytes, c: int, rest: dict[int, _Rest], scores: dict[int, float], min_score: float
) -> int:
    """How many records that have only this word (of the query's words: `codes` `c`) score at
    least `min_score`: their score is the word's best value. Those whose value for the word
    itself passes are counted in passes at C speed; the others only if a variant or a phrase
    lifts them, or the proximity bonus (`scores`: the first results)."""
    exact = word.routes[0]
    values = array("f", map(exact.idf.__mul__, exact.raw))
    alone = list(map(c.__eq__, map(codes.__getitem__, exact.docs)))
    high = list(map(min_score.__le__, values))
    count = sum(map(and_, alone, high)) - sum(1 for d in rest if codes[d] == c and _passes(exact, d, min_score))
    low = set(compress(exact.docs, map(and_, alone, map(not_, high)))).difference(rest)
    others = set().union(*(r.docs for r in word.routes[1:]), *(p.docs for p in word.phrases))
    lifted = word.values(low & others)[0] if low & others else {}
    return count + sum(1 for d in low if max(lifted.get(d, 0.0), scores.get(d, 0.0)) >= min_score)


def _passes(route: _Route, d: int, min_score: float) -> bool:
    j = route.position(d)
    return j is not None and route.value(j) >= min_score


def _score_rest(
    values: list[tuple[dict[int, float], dict[int, float]]],
    own: list[set[int]],
    shares: list[float],
    summed: list[int],
    docs: set[int],
) -> dict[int, _Rest]:
    """Coverage, order, covered share and score of some records, from each word's values and
    weights for them (`_Word.values`), in passes at C speed (adding 0 where a record lacks a
    word changes no sum)."""
    if not docs:
        return {}
    found = list(docs)
    coverage = order = [0] * len(found)
    covered = [0.0] * len(found)
    for i, (_, weights) in enumerate(values):
        matched = list(map(weights.__contains__, found))
        coverage = list(map(add, coverage, matched))
        order = list(map(add, order, map(add, matched, map(own[i].__contains__, found))))
        covered = list(map(add, covered, map(shares[i].__mul__, map(weights.get, found, repeat(0.0)))))
    score = _sums([v for v, _ in values], summed, found)
    return dict(zip(found, zip(coverage, order, covered, score, strict=True), strict=True))


def _sums(values: list[dict[int, float]], summed: list[int], docs: list[int]) -> list[float]:
    """The scores of these records: each word's value added in the order of the full ranking
    (adding 0 where a record lacks a word changes no sum)."""
    score = [0.0] * len(docs)
    for i in summed:
        score = list(map(add, score, map(values[i].get, docs, repeat(0.0))))
    return score


def _merge(best: dict[int, float], found: dict[int, float]) -> tuple[list[int], list[int]]:
    """Keep in `best` the higher of each record's two values, a new record after the others
    in the order of `found` (passes at C speed): the records improved, and those added."""
    met = list(map(best.__contains__, found))
    common = list(compress(found, met))
    better = list(compress(common, map(lt, map(best.__getitem__, common), map(found.__getitem__, common))))
    best.update(zip(better, map(found.__getitem__, better), strict=True))
    added = list(compress(found, map(not_, met)))
    best.update(zip(added, map(found.__getitem__, added), strict=True))
    return better, added


def _scores_of(words: list[_Word], summed: list[int], docs: list[int], rest: dict[int, _Rest]) -> dict[int, float]:
    """The scores of some records, each word's values read in passes at C speed over its
    postings, added in the order of the full ranking."""
    wanted = set(docs).difference(rest)
    values = [w.values(wanted)[0] for w in words]
    found = list(wanted)
    score = [0.0] * len(found)  # adding 0 where a record lacks a word changes no sum
    for i in summed:
        score = list(map(add, score, map(values[i].get, found, repeat(0.0))))
    scores = dict(zip(found, score, strict=True))
    for d in docs:
        if d in rest:
            scores[d] = rest[d][SCORE]
    return scores


def _best_route(routes: list[_Route], d: int) -> tuple[float, int]:
    """A record's best value among the routes that have it, and the first route that has it."""
    value, first = None, 0
    for i, r in enumerate(routes):
        j = r.position(d)
        if j is not None:
            v = r.value(j)
            if value is None:
                value, first = v, i
            elif v > value:
                value = v
    assert value is not None
    return value, first


def _union_size(arrays: list[array]) -> int:
    """How many distinct records these sorted arrays hold together."""
    if not arrays:
        return 0
    arrays = sorted(arrays, key=len, reverse=True)
    others = set().union(*arrays[1:])
    if len(others) * 20 < len(arrays[0]):  # few: looked up in the largest by bisection
        big = arrays[0]
        return len(big) + sum(1 for d in others if _position(big, d) is None)
    return len(arrays[0]) + len(others.difference(arrays[0]))


def _phrase_records(index: Index, stems: tuple[str, ...], found: list[tuple[array, array, array]]) -> set[int]:
    """The records that have every stem of a phrase in one field (`found`: each stem's raw
    postings), computed once per open index: the fast paths and the full ranking read the same
    set, in the same order. Not to be changed by the caller."""
    if stems not in index.phrase_records:
        first = found[0][0] if len(found) > 1 else dict.fromkeys(found[0][0])
        shared = set(first).intersection(*(f[0] for f in found[1:]))
        index.phrase_records[stems] = _in_one_field(shared, [(f[0], f[2]) for f in found])
    return index.phrase_records[stems]


def _in_one_field(shared: set[int], postings: list[tuple[array, array]]) -> set[int]:
    """Those of `shared` (records that have every stem of a phrase) where some field has them
    all: « espaces publics » is not a record that says « espace » in its title and « tous
    publics » elsewhere. (Within a field, words far apart still count: the index has no
    positions.) `postings`: each stem's records and field masks."""
    if len(postings) < 2 or not shared:
        return shared
    common: list[int] = []
    for docs, masks in postings:
        found = list(map(masks.__getitem__, _positions(docs, shared)))
        common = found if not common else list(map(and_, common, found))
    return shared.difference(compress(sorted(shared), map(not_, common)))


def _positions(docs: array, wanted: set[int]) -> list[int]:
    """The positions of the records of `wanted` in `docs` (ascending): by bisection for a few,
    else in a pass at C speed."""
    if len(wanted) * 16 < len(docs):
        ordered = sorted(wanted)
        found = map(bisect.bisect_left, repeat(docs), ordered)
        return [j for j, d in zip(found, ordered, strict=True) if j < len(docs) and docs[j] == d]
    return list(compress(range(len(docs)), map(wanted.__contains__, docs)))


def _position(docs: array, d: int) -> int | None:
    j = bisect.bisect_left(docs, d)
    return j if j < len(docs) and docs[j] == d else None


def _sum_maps(maps: list[dict[int, float]]) -> dict[int, float]:
    """Record -> the sum of its values in each map, added in the maps' order (a record met
    first in a later map comes after the others): the largest map copied, each other one added
    in passes at C speed."""
    scores = dict(maps[0])
    for m in maps[1:]:
        met = list(map(scores.__contains__, m))
        common = list(compress(m, met))
        if common:
            sums = map(add, map(scores.__getitem__, common), map(m.__getitem__, common))
            scores.update(zip(common, sums, strict=True))
        if len(common) < len(m):
            added = list(compress(m, map(not_, met)))
            scores.update(zip(added, map(m.__getitem__, added), strict=True))
    return scores


def _keep(scores: dict[int, float], flags: Iterable[object]) -> dict[int, float]:
    """The records of `scores` whose flag is true, in the same order (at C speed)."""
    return dict(compress(scores.items(), flags))


class _OneNotion:
    """Coverage of a query of one subject notion and no cost: a record covers it or not (1 or
    0). Read for the records ranked first, never counted for every record."""

    def __init__(self, weights: dict[int, float]):
        self.weights = weights

    def __contains__(self, d: int) -> bool:
        return d in self.weights

    def __getitem__(self, d: int) -> int:
        return int(d in self.weights)


class _OneNotionOrder(_OneNotion):
    """...and its order: once more when the record has it in its own text."""

    def __init__(self, weights: dict[int, float], own: set[int]):
        super().__init__(weights)
        self.own = own

    def __getitem__(self, d: int) -> int:
        return (d in self.weights) + (d in self.own)


class _CostAsked(NamedTuple):
    """What a cost intent finds: records by typed cost (in cost order), and the thesaurus term
    whose equivalents say it in a text (« libre accès », « budgets frugaux ») with its scores."""

    intent: cost.CostIntent
    typed: list[int]
    term: QueryTerm | None
    said: dict[int, float]

    @classmethod
    def read(cls, index: Index, intent: cost.CostIntent) -> "_CostAsked":
        term, said = None, {}
        if intent.evidence is not None:
            key = tuple(index.stem_of(w) for w in analyse(intent.evidence))
            phrases = [(alt, THESAURUS_WEIGHT, how) for alt, how in index.expansions(key)]
            if phrases:
                term = QueryTerm(intent.said, {}, phrases, False)
                said = _term_scores(index, term)[0]
        return cls(intent, cost.fitting(index.conn, intent), term, said)

    def match(self, index: Index, doc: int, typed: set[int]) -> list[tuple[str, str, tuple[str, ...]]]:
        """How a record meets the cost asked, for --explique."""
        found = None if doc in typed or self.term is None else _explain(index, self.term, doc)
        return [found or (self.intent.describe(), "coût", ("cout_eur",))]


def _by_cost(
    index: Index,
    intent: cost.CostIntent,
    qterms: list[QueryTerm],
    accept: Callable[[int], bool] | None,
    limit: int | None,
) -> Result:
    """A query of cost words alone: the records whose typed cost meets it, by cost (cheapest
    first, or costliest for « coûteux »), then those whose text says it (« libre accès »)."""
    asked = _CostAsked.read(index, intent)
    typed = set(asked.typed)
    by_text = sorted(asked.said.items(), key=lambda kv: (-kv[1], kv[0]))
    ordered = asked.typed + [d for d, _ in by_text if d not in typed]
    if accept is not None:
        ordered = [d for d in ordered if accept(d)]
    hits = [Hit(d, 1.0, 1, {intent.said: asked.match(index, d, typed)}) for d in ordered[:limit]]
    return Result(hits, qterms, [], len(ordered), [])


def _by_age(
    aged: age.AgeIntent,
    years: dict[int, int],
    qterms: list[QueryTerm],
    accept: Callable[[int], bool] | None,
    limit: int | None,
) -> Result:
    """A query of age words alone (« quels projets ont plus de dix ans de recul ? »): the
    records that started by then, the oldest first."""
    ordered = [d for d in years if accept is None or accept(d)]
    hits = [Hit(d, 1.0, 1, {aged.said: aged.match(years[d])}) for d in ordered[:limit]]
    return Result(hits, qterms, [], len(ordered), [])


def _both(first: Callable[[int], bool], second: Callable[[int], bool]) -> Callable[[int], bool]:
    return lambda d: first(d) and second(d)


def _proximity_bonus(
    docs: list[int],
    scores: dict[int, float],
    qterms: list[QueryTerm],
    texts: Texts,
    index: Index,
) -> None:
    """Query words that follow each other in a record (« lien social », « îlots de fraîcheur »)
    count more, in the title most. Each text is analysed once; the stems of its words are read
    from the vocabulary in one query (`Index.learn`), not one query per word."""
    by_doc = texts(docs)
    # Fields shared by every record of the action or theme say nothing of this one.
    analysed = {
        d: {name: analyse(text) for name, text in fields.items() if name not in SHARED_LABELS}
        for d, fields in by_doc.items()
    }
    index.learn(w for fields in analysed.values() for words in fields.values() for w in words)
    stem_of = index.stem_of
    for d in docs:
        bonus = 0.0
        fields = analysed.get(d, {})
        for name in FIELD_NAMES:
            if name in SHARED_LABELS:
                continue
            field_stems = [stem_of(t) for t in fields.get(name, ())]
            pairs = set(pairwise(field_stems))
            found = sum(1 for a, b in pairwise(qterms) if any((x, y) in pairs for x in a.variants for y in b.variants))
            if found:
                bonus = max(bonus, found * (PHRASE_BONUS_TITLE if name == "titre" else PHRASE_BONUS_BODY))
        if bonus:
            scores[d] *= 1 + bonus


def _suggestions(index: Index, qterms: list[QueryTerm]) -> list[str]:
    """Close words of the catalogue for the query words that found nothing (« punèses » →
    « punaises »); none for a word that was found."""
    out: list[str] = []
    for q in qterms:
        if not q.variants and not q.phrases and not q.generic:  # « reçu »: no subject to correct
            out.extend(suggest(index, q.word))
    return list(dict.fromkeys(out))[:5]
