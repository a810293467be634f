"""The one French text-analysis pipeline, shared by indexing, querying and highlighting.

normalise (Unicode, invisible characters, apostrophes) -> case fold -> tokenise (elisions,
inclusive writing, hyphenated compounds) -> accent fold -> stop words -> stem.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from functools import cache, lru_cache
from typing import Any


def _compiled(pattern: str) -> Callable[[], re.Pattern[str]]:
    """A regular expression compiled on first use: compiling costs 0.1-0.4 ms each, and a run
    that folds only ASCII words (an option value, `qpv list`) needs none of these; nor does a
    short text (a query, one character), looked at as a set of characters (`_holds`)."""
    return cache(lambda: re.compile(pattern))


# Up to this length, a text is looked at as a set of characters rather than searched by a
# compiled character class: the same answer, without compiling the class (a query is at most
# MAX_QUERY_CHARS long). Longer texts (records, at build time) are searched, faster for them.
_SHORT = 512


def _expand(ranges: str) -> frozenset[str]:
    """The characters of a regular expression's character class body made of characters and
    ranges (« a-z »), with no escape."""
    out: set[str] = set()
    i = 0
    while i < len(ranges):
        if ranges[i + 1 : i + 2] == "-" and i + 2 < len(ranges):
            out.update(map(chr, range(ord(ranges[i]), ord(ranges[i + 2]) + 1)))
            i += 3
        else:
            out.add(ranges[i])
            i += 1
    return frozenset(out)


def _holds(text: str, chars: frozenset[str], pattern: Callable[[], re.Pattern[str]]) -> bool:
    """Whether `text` holds one of `chars`, the characters that `pattern` (their class) matches."""
    if len(text) <= _SHORT:
        return not chars.isdisjoint(text)
    return pattern().search(text) is not None


# Zero-width characters, soft hyphen, word joiner, BOM: pasted from PDFs and web pages.
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff\u180e"), None)
_APOSTROPHES = dict.fromkeys(map(ord, "\u2019\u2018\u02bc\u00b4\u0060\u2032\uff07"), "'")
_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2212"), "-")
_TRANSLATE = {**_INVISIBLE, **_APOSTROPHES, **_DASHES, 0xA0: " ", 0x202F: " "}
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss", "ø": "o", "ł": "l", "đ": "d"})
# str.translate looks every character up in its table, slow on long texts: only texts that
# contain one of the characters (a C-speed search finds them) are translated.
_TO_TRANSLATE = _compiled("[" + "".join(map(chr, _TRANSLATE)) + "]")
_TO_UNLIGATE = _compiled("[" + "".join(map(chr, _LIGATURES)) + "]")
_TRANSLATED_CHARS = frozenset(map(chr, _TRANSLATE))
_LIGATURE_CHARS = frozenset(map(chr, _LIGATURES))

# A word: letters and digits. Apostrophes split words (French elisions: l', d', qu'...);
# hyphens join parts of a compound, which is also indexed glued together.
_WORD = _compiled(r"[^\W_]+(?:-[^\W_]+)*")

# Elided articles and pronouns, once split at the apostrophe (Elasticsearch's French list).
_ELISIONS = frozenset(["l", "m", "t", "qu", "n", "s", "j", "d", "c", "jusqu", "lorsqu", "puisqu", "quoiqu"])
# Combining marks left by NFKD decomposition (accents, cedillas...), removed in one pass.
_COMBINING_RANGES = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
_COMBINING = _compiled(f"[{_COMBINING_RANGES}]")


@cache
def _uncombining() -> dict[int, None]:
    """`_COMBINING` as a translation table that deletes its characters (for short texts)."""
    return dict.fromkeys(map(ord, _expand(_COMBINING_RANGES)))


_STOP_WORDS_TEXT = (
    "a au aux avec ce ces cet cette dans de des du elle elles en et eux il ils je la le les leur leurs lui "
    "ma mais me meme memes mes moi mon ne nos notre nous on ou par pas pour qu que qui sa se ses son "
    "sur ta te tes toi ton tu un une vos votre vous y d l c j m n s t est sont etre avoir ont "
    "ainsi comme dont donc lors tres plus moins sans sous entre vers chez afin ci cela celle celles "
    "celui ceux ca ceci voici voila quelqu aujourd hui 00 000 parce environ si ni puis"
)
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split()) | _ELISIONS
# Pronouns that end a hyphenated verb (« y a-t-il », « existe-t-il », « peut-on », « est-ce »):
# the parts are words, their glued whole (« atil ») is not.
INVERTED = frozenset(["je", "tu", "il", "ils", "elle", "elles", "on", "nous", "vous", "ce", "moi", "toi"])

MAX_QUERY_CHARS = 500
# Bounds at analysis time, whatever a catalogue holds: a run of combining marks longer than
# any language needs is cut (Unicode's stream-safe format allows 30; French needs 1 or 2), and
# a token longer than any word is cut, so that normalising, stemming and typo tolerance stay
# linear and cheap on hostile text (a title made of 100,000 accents, a 1 MB "word").
MAX_COMBINING_RUN = 4
MAX_TOKEN_CHARS = 64
_MARKS = "\u0300-\u036f\u0483-\u0489\u0591-\u05bd\u0610-\u061a\u064b-\u065f\u0e31-\u0e3a\u0e47-\u0e4e\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\u3099\u309a\ufe20-\ufe2f"
_MARK_FLOOD = _compiled(f"([{_MARKS}]{{{MAX_COMBINING_RUN}}})[{_MARKS}]+")
_MARK_CHARS = cache(lambda: _expand(_MARKS))


@cache
def _unicodedata() -> Any:
    """The unicodedata module, imported by the first text that is not ASCII (~0.15 ms): `qpv
    list` or `show` in a pipe need none."""
    import unicodedata

    return unicodedata


def normalise(text: str) -> str:
    """Compose accents (NFC), drop invisible characters, unify apostrophes and dashes; a flood
    of combining marks is cut to MAX_COMBINING_RUN."""
    if text.isascii():  # no mark, nothing to compose; the backquote is the one ASCII apostrophe
        return text.replace("`", "'")
    text = bound_marks(text)
    text = _unicodedata().normalize("NFC", text)
    return text.translate(_TRANSLATE) if _holds(text, _TRANSLATED_CHARS, _TO_TRANSLATE) else text


def bound_marks(text: str) -> str:
    """Runs of more than MAX_COMBINING_RUN combining marks cut to that many."""
    if text.isascii():
        return text
    if len(text) <= _SHORT and _MARK_CHARS().isdisjoint(text):  # no mark, no flood of marks
        return text
    flood = _MARK_FLOOD()
    return flood.sub(r"\1", text) if flood.search(text) else text


@lru_cache(maxsize=200_000)
def fold(word: str) -> str:
    """Lower-case and strip accents: « Îlots » -> « ilots »."""
    return fold_text(word)


def joined(name: str) -> bool:
    """Whether a text has a hyphen or an apostrophe (how names of places join their words)."""
    return "-" in name or "'" in name or "\u2019" in name


def letters(name: str) -> str:
    """A name's letters alone, folded: « Val-d'Oise » -> « valdoise » (how a name of places is
    glued, whatever joins its words)."""
    return "".join(c for c in fold(name) if c.isalpha())


def fold_text(text: str) -> str:
    """`fold` for a whole text at once (C-speed string operations, no per-character loop;
    character by character, as `prepare`, when that gives the same)."""
    if text.isascii():
        return text.lower()
    out = _char_by_char(text, _fold_whole, _FOLDED_CHARS)
    return _fold_whole(text) if out is None else out.lower()


def _fold_whole(text: str) -> str:
    return _fold_bounded(bound_marks(text))


def _fold_bounded(text: str) -> str:
    """`fold_text` of a text whose runs of combining marks are already bounded."""
    if text.isascii():  # no accent, ligature or mark: lower case is all there is to do
        return text.lower()
    text = text.casefold()
    if _holds(text, _LIGATURE_CHARS, _TO_UNLIGATE):
        text = text.translate(_LIGATURES)
    decomposed = _unicodedata().normalize("NFKD", text)
    if len(decomposed) <= _SHORT:
        return decomposed.translate(_uncombining())
    return _COMBINING().sub("", decomposed)


def typo_budget(term: str) -> int:
    """How many typos a word may carry and still be recognised (Meilisearch's defaults): none
    under 5 letters, 1 from 5, 2 from 9; numbers exact."""
    if term.isdigit() or len(term) < 5:
        return 0
    return 1 if len(term) < 9 else 2


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The choice spelt most like `word` (difflib's ratio ≥ 0.6), for « vouliez-vous dire » :
    a mistyped option, field name or value."""
    from difflib import get_close_matches

    found = get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return found[0] if found else None


_stemmer = None


def _french() -> object:
    global _stemmer
    if _stemmer is None:
        import Stemmer  # PyStemmer: Snowball's French stemmer in C (~1 ms import)

        _stemmer = Stemmer.Stemmer("french")
    return _stemmer


def _unplural(word: str) -> str:
    return word[:-1] if len(word) > 4 and word[-1] in "sx" and word[-2] not in "su" else word


@lru_cache(maxsize=200_000)
def stem(folded: str) -> str:
    """Stem an already folded word so that singular/plural and close forms meet.

    Snowball's French stemmer gives different stems with and without accents, so it only ever
    sees folded words; it keeps some plurals (« velos »), hence the plural strip before it.
    """
    if folded in STEM_OVERRIDES:
        return STEM_OVERRIDES[folded]
    if len(folded) <= 3 or folded.isdigit():
        return folded
    return _kept(folded, _french().stemWord(_unplural(folded)))  # type: ignore[attr-defined]


# Words Snowball confuses with others, given their own stem (as Lucene's StemmerOverrideFilter
# does): « amiante » is not « ami », « voirie » not « voir », « mères » not « mer », « ventes »
# not « vent », « réfugiés » not « refuge », « restaurant » not « restauration » (of wetlands),
# « isolation » (thermal) not « isolement » (social), « aidants » not « aide », « concerts » not
# « concertation », « café » not the CAF, « trame » not « tram »…; « amis » meets
# « ami » (a plural of four letters is otherwise kept whole); plurals in -eux that Snowball keeps
# whole meet their singular (« lieux » / « lieu »: not a rule, « coûteux » is no plural).
STEM_OVERRIDES = {
    **{plural: plural[:-1] for plural in ("jeux", "lieux", "enjeux", "milieux", "feux", "voeux", "cheveux")},
    "tierslieux": "tierslieu",  # « tiers-lieux » glued, as « tiers-lieu »
    **dict.fromkeys(("alternance", "alternances"), "alternanc"),  # not « alternatives »
    **dict.fromkeys(("ami", "amis", "amie", "amies"), "ami"),
    **dict.fromkeys(("amiante", "amiantes"), "amiant"),
    **dict.fromkeys(("voirie", "voiries"), "voiri"),
    **dict.fromkeys(("mere", "meres"), "mere"),
    **dict.fromkeys(("vente", "ventes"), "vente"),
    **dict.fromkeys(("refugie", "refugies", "refugiee", "refugiees"), "refugi"),
    "refugier": "refug",  # « se réfugier » is taking refuge (« lieux refuges »), not the refugees
    **dict.fromkeys(("restaurant", "restaurants"), "restaurant"),
    **dict.fromkeys(("isolation", "isolations"), "isolation"),
    **dict.fromkeys(("aidant", "aidants", "aidante", "aidantes"), "aidant"),
    **dict.fromkeys(("concert", "concerts"), "concerts"),  # not « concertation »
    **dict.fromkeys(("cafe", "cafes"), "cafe"),  # not the CAF
    **dict.fromkeys(("trame", "trames"), "trame"),  # not the tram
    **dict.fromkeys(("bougie", "bougies"), "bougie"),  # not « bouger »
    **dict.fromkeys(("activiste", "activistes", "activisme"), "activist"),  # not « actif »
    **dict.fromkeys(("reference", "references"), "referenc"),  # not « référent »
    **dict.fromkeys(("generaliste", "generalistes"), "generalist"),  # not « général »
    **dict.fromkeys(("manifeste", "manifestes"), "manifeste"),  # not « manifestation »
    **dict.fromkeys(("gene", "genes"), "gene"),  # « gêne », not « gens »
    **dict.fromkeys(("collecte", "collectes", "collecter"), "collecte"),  # not « collectif »
    **dict.fromkeys(("paye", "payes", "payee", "payees"), "pai"),  # « payer », not « pays »
    # found by a hunt over the catalogue's vocabulary and everyday words: each would find
    # records that say another word
    "seine": "seine",  # not « au sein de »
    **dict.fromkeys(
        ("communication", "communications", "communiquer", "communique", "communiquent"), "communic"
    ),  # not « commune »
    **dict.fromkeys(("environnement", "environnements"), "environnement"),  # not « environ »
    **dict.fromkeys(("departement", "departements"), "departement"),  # not « départ »
    **dict.fromkeys(("aire", "aires"), "aire"),  # not « air »
    **dict.fromkeys(("chaleureux", "chaleureuse", "chaleureuses"), "chaleureu"),  # not « chaleur »
    **dict.fromkeys(("collection", "collections"), "collection"),  # not « collectif »
    **dict.fromkeys(("organique", "organiques"), "organiqu"),  # not « organisme »
    **dict.fromkeys(("petition", "petitions"), "petition"),  # not « petit »
    **dict.fromkeys(("publication", "publications"), "publication"),  # not « publique »
    **dict.fromkeys(("moisi", "moisie", "moisis", "moisies"), "moisi"),  # not « mois »
    **dict.fromkeys(("note", "notes", "noter", "notee", "notees"), "note"),  # not « notamment »
    **dict.fromkeys(("courir", "courant", "courants", "course", "courses"), "cour_"),  # not « cour »
    **dict.fromkeys(("fermer", "fermeture", "fermetures"), "fermer"),  # not the « ferme »
    **dict.fromkeys(("stationnement", "stationnements"), "stationnement"),  # not a « station »
    **dict.fromkeys(("terrasse", "terrasses"), "terrasse"),  # not « terre »
    # words Snowball cuts to a sigle of the thesaurus: typed, the sigle met their equivalents
    "repas": "repas",  # not REP (« REP+ » found « cuisine », « aliment »)
    **dict.fromkeys(("pluie", "pluies"), "pluie"),  # not PLUi
    **dict.fromkeys(("bete", "betes"), "bete"),  # not BET
    "boxe": "boxe",  # the sport, not a lock-up « box » (« boxes » stays the plural of « box »)
    **dict.fromkeys(("villa", "villas"), "villa"),  # not « ville »
    "mars": "mars",  # not a « mare »
    **dict.fromkeys(("preservatif", "preservatifs"), "preservatif"),  # not « préservation »
    **dict.fromkeys(("varie", "varient", "varier", "variee", "variees"), "vari"),  # not the Var
    **dict.fromkeys(("base", "bases"), "base"),  # not « bas »
    **dict.fromkeys(("oriental", "orientale", "orientales", "orientaux"), "orientale"),  # not « orientation »
    **dict.fromkeys(("francais", "francaise", "francaises"), "francais"),  # not « France »
    **dict.fromkeys(("traitement", "traitements"), "traitement"),  # not a « trait »
    **dict.fromkeys(("semer", "semis", "semence", "semences"), "semis"),  # not « semi- »
    **dict.fromkeys(("mine", "mines"), "mine"),  # not « mini- »
    **dict.fromkeys(
        ("punir", "punition", "punitions", "puni", "punie", "punies", "punis", "punit", "punira", "punissent"),
        "punir",
    ),  # not « punaises »
    **dict.fromkeys(("glace", "glaces"), "glace"),  # not the Glacis
    **dict.fromkeys(("genereux", "genereuse", "genereuses"), "genereu"),  # not « générations »
    **dict.fromkeys(
        (
            "climatiser",
            "climatisation",
            "climatise",
            "climatisee",
            "climatises",
            "climatisees",
            "climatiseur",
            "climatiseurs",
        ),
        "climatis",
    ),  # not « climat »
    # Words Snowball cuts to the stem of a one-word key of the thesaurus that they are no form
    # of: typed, they met that key's equivalents (« profit » those of « profs », « fournir »
    # those of « fournaise », « galerie » those of « galère »). Found by a hunt over the French
    # word list: the words that share a key's stem with an ending no inflection of the key has.
    **dict.fromkeys(("acier", "aciers"), "acier"),  # not the ACI
    **dict.fromkeys(("beta", "betas"), "beta"),  # not BET
    **dict.fromkeys(("bette", "bettes"), "bette"),
    "betement": "bete",
    **dict.fromkeys(("boxer", "boxers"), "boxe"),
    **dict.fromkeys(("cheri", "cherie", "cheries", "cheris", "cherir", "cherit"), "cheri"),  # not « cher »
    **dict.fromkeys(
        ("fourni", "fournie", "fournies", "fournis", "fournit", "fournir", "fournira", "fournissent", "fournissant"),
        "fourni",
    ),  # not « fournaise »
    **dict.fromkeys(("galerie", "galeries"), "galerie"),  # not « galère »
    **dict.fromkeys(("genie", "genies"), "genie"),  # not « gens »
    **dict.fromkeys(("gener", "genant", "genante", "genantes", "genants", "genait", "genez"), "gene"),
    **dict.fromkeys(("genera", "generait", "generaient", "generez", "generont"), "gener"),  # « générer »
    "lois": "loi",  # not « loisirs »
    **dict.fromkeys(("mari", "maris", "marie", "maries"), "mari"),  # not a « mare »
    **dict.fromkeys(("meler", "melant", "melait", "melez", "melera"), "meler"),  # not the MEL
    **dict.fromkeys(("momie", "momies"), "momie"),  # not « mômes »
    **dict.fromkeys(("manga", "mangas"), "manga"),  # not « manger »
    **dict.fromkeys(("navette", "navettes"), "navette"),  # not a « navet »
    "paradis": "paradis",  # not a « parade »
    **dict.fromkeys(("profit", "profits"), "profit"),  # not « profs »
    **dict.fromkeys(("repasse", "repasser", "repasses", "repassent"), "repass"),  # not the REP
    **dict.fromkeys(("repit", "repits"), "repit"),
    **dict.fromkeys(("repera", "reperait", "reperez"), "reper"),
    **dict.fromkeys(("relie", "relies", "relient"), "reli"),  # « relier », not « relais »
    **dict.fromkeys(("retira", "retirait", "retirent", "retirez"), "retir"),  # not the RETEX
    **dict.fromkeys(("sema", "semait", "semant", "semera", "semez"), "semis"),  # not a SEM
    **dict.fromkeys(("testament", "testaments"), "testament"),  # not « tester »
    **dict.fromkeys(("papi", "papis", "papy", "papys"), "papi"),  # grandfathers, not « papas »
    **dict.fromkeys(
        ("vieillissement", "vieillissements", "vieillir", "vieillit", "vieillissent", "vieillissant", "vieillissante"),
        "vieilliss",
    ),  # not « vieille », « vieil » (a « vieille usine » is no ageing)
    **dict.fromkeys(("format", "formats"), "formats"),  # not « formation »
    # ...and of a subject of the field (an absent subject empties the query): « opérateurs »
    # was no « opéra », « tenir » no « tennis »
    **dict.fromkeys(("opera", "operas"), "opera"),  # not « opération »
    "tennis": "tennis",  # not « tenir »
    **dict.fromkeys(("lotissement", "lotissements"), "lotissement"),  # not « lots »
}


def _kept(word: str, stemmed: str) -> str:
    """Snowball's stem, but a stem of two letters or fewer keeps the word's singular: « rues »
    would be « ru », the stem of the acronym « RU » (renouvellement urbain), and not that of
    « rue » (short words are kept whole)."""
    if len(stemmed) > 2:
        return stemmed
    return word[:-1] if word[-1] in "sx" and len(word) > 3 else word


def stem_all(folded: list[str]) -> list[str]:
    """`stem` of many words at once (the new words of an index segment): Snowball is called
    once for all of them; same stems (tested)."""
    stemmed = _french().stemWords([_unplural(w) for w in folded])  # type: ignore[attr-defined]
    return [
        STEM_OVERRIDES.get(w) or (w if len(w) <= 3 or w.isdigit() else _kept(w, s))
        for w, s in zip(folded, stemmed, strict=True)
    ]


def as_typed(text: str, folded: list[str]) -> list[str]:
    """Folded words of `text` as the user wrote them (« telepherique » -> « téléphérique »), for
    messages; a word not found as such stays folded."""
    if not folded:  # nothing to find (most searches): no need to cut the text into words
        return []
    typed = {}
    text = normalise(text)
    for w, _, _ in words(text):
        for part in (w, *w.split("-")):
            typed.setdefault(fold(part), part)
        typed.setdefault(fold(w).replace("-", ""), w)  # a compound, glued: « truc-machin »
    return [typed.get(f) or _span_as_typed(text, f) for f in folded]


def _span_as_typed(text: str, folded: str) -> str:
    """A folded run of words (« val-d'oise », « commerces proximite ») as written in `text`
    (« Val-d'Oise », « commerces de proximité », little words between included), when folding
    kept the text's length; else folded."""
    whole = fold(text)
    if len(whole) != len(text):
        return folded
    at = whole.find(folded)
    if at >= 0:
        return text[at : at + len(folded)]
    apart = r"\W+(?:\w+\W+){0,2}?".join(map(re.escape, folded.split()))
    found = re.search(rf"\b{apart}\b", whole)
    return text[found.start() : found.end()] if found else folded


def words(text: str) -> list[tuple[str, int, int]]:
    """Surface words with their position in `text` (after `normalise`), compounds kept whole."""
    return [(m.group(), m.start(), m.end()) for m in _WORD().finditer(text)]


def terms(word: str) -> list[str]:
    """The folded index terms of one surface word (its parts, and a glued compound)."""
    folded = fold(word)
    if "-" not in folded:
        return [] if folded in _ELISIONS else [folded]
    parts = [p for p in folded.split("-") if p]
    return [*parts, "".join(parts)]


def prepare(text: str) -> str:
    """A text normalised and folded, ready to be cut into raw words (`cut`): the character-level
    half of the analysis (what an index build does to every text of the catalogue).

    Most texts need no Unicode normalisation: their characters are prepared one by one
    (`_char_by_char`); the others go through the whole pipeline (`_prepare_whole`)."""
    if text.isascii():  # no mark, nothing to compose; the backquote is the one ASCII apostrophe
        return text.replace("`", "'").lower()
    out = _char_by_char(text, _prepare_whole, _PREPARED_CHARS)
    return _prepare_whole(text) if out is None else out.replace("`", "'").lower()


def _prepare_whole(text: str) -> str:
    return _fold_bounded(normalise(text))


_NON_ASCII = _compiled(r"[^\x00-\x7f]")
# What `_prepare_whole` and `_fold_whole` make of a character wherever it stands (`_alone`).
_PREPARED_CHARS: dict[str, str | None] = {}
_FOLDED_CHARS: dict[str, str | None] = {}


def _char_by_char(text: str, whole: Callable[[str], str], known: dict[str, str | None]) -> str | None:
    """`whole(text)`, but for lowering its ASCII and its backquotes, done by replacing each
    distinct non-ASCII character of the text by what `whole` makes of it alone (`str.replace`,
    at C speed; a few distinct characters in most French texts), or None when one of them may
    be changed by its neighbours. Same result as `whole` (tested)."""
    out = text
    for c in set(_NON_ASCII().findall(text)):
        if c in known:
            found = known[c]
        else:
            found = known[c] = _alone(c, whole)
        if found is None:
            return None
        if found != c:
            out = out.replace(c, found)
    return out


def _alone(c: str, whole: Callable[[str], str]) -> str | None:
    """What `whole` makes of a non-ASCII character wherever it stands, or None when its
    context may change it. Safe: the characters below U+0300 (Latin letters and their
    accents, Latin-1 signs) and from U+2000 to U+20CF (punctuation, spaces, currency signs):
    none is or starts with a combining mark, none composes with the character before it
    (NFC), so normalising and folding a text of them is doing it to each character; provided,
    too, that what it gives is not changed again by the steps that follow (lower case, other
    replacements)."""
    code = ord(c)
    if not (code < 0x300 or 0x2000 <= code < 0x20D0):
        return None
    import unicodedata

    # What NFC and NFKD see of it must start with a character that reorders with nothing.
    seen = [unicodedata.normalize("NFD", c)]
    seen += [unicodedata.normalize("NFKD", x.casefold().translate(_LIGATURES)) for x in (c, normalise(c))]
    if any(unicodedata.combining(s[:1] or " ") for s in seen):
        return None
    found = whole(c)
    if found.lower() != found or "`" in found:
        return None
    if not all(x.isascii() or x == c or whole(x) == x for x in found):
        return None
    return found


def cut(prepared: str) -> list[str]:
    """The raw words of a `prepare`d text, in order: what `token_terms` analyses.

    An ASCII text (most are, once prepared) is cut at C speed: every character that is not a
    letter, a digit or a hyphen becomes a space and the text is split; a hyphen that does not
    join two words sends the text to the regular expression, as does a non-ASCII letter."""
    if not prepared.isascii():
        for c in set(_NON_ASCII().findall(prepared)):
            if c.isalnum():
                return _WORD().findall(prepared)
            prepared = prepared.replace(c, " ")
    spaced = prepared.translate(_CUT_TABLE)
    if "-" in spaced and ("--" in spaced or " -" in spaced or "- " in spaced or spaced[0] == "-" or spaced[-1] == "-"):
        return _participle_dropped(" ".join(_WORD().findall(prepared))).split()
    return _participle_dropped(spaced).split()


# ASCII letters, digits and the hyphen are kept by `cut`, every other ASCII character is a space.
_CUT_TABLE = str.maketrans({chr(c): " " for c in range(128) if not (chr(c).isalnum() or chr(c) == "-")})

# `cut_all` joins texts by MARK between spaces: a raw word of its own, that no text contains
# (checked), that `prepare` keeps and that is not a space to `str.split`.
MARK = "\x01"
_ASCII_BYTES = bytes(range(128))
_CUT_MARKED_TABLE = {c: r for c, r in _CUT_TABLE.items() if c != ord(MARK)}
# A hyphen that does not join two word characters: what `_WORD` leaves out of its words
# (starting with the hyphen itself, the search skips to each hyphen at C speed).
_STRAY_HYPHEN = _compiled(r"-(?:(?<![^\W_]-)|(?![^\W_]))")


def cut_all(texts: list[str]) -> list[str] | None:
    """The raw words of many texts in one list, each text's `cut(prepare(text))` followed by
    MARK but the last's: `cut_prepared(prepare_all(texts))`. None when that could differ
    from text by text: the caller then cuts text by text. Same words (tested)."""
    prepared = prepare_all(texts)
    return None if prepared is None else cut_prepared(prepared)


def prepare_all(texts: list[str]) -> str | None:
    """Many texts prepared at once, joined by MARK between spaces, ready for `cut_prepared`:
    a few passes at C speed over their joined text instead of a few calls per text (in a
    parallel build, the first process prepares, the second cuts). None when that could differ
    from text by text (a text containing MARK, a character that `prepare` must see in
    context, a non-ASCII letter left after preparing, which `cut` gives to its regular
    expression).

    Joining is preparing and cutting text by text because each step is, character by
    character: lowering, the replacement of each non-ASCII character by what it is alone
    (`_char_by_char`, taken only when every text would take it), the translation to spaces;
    and splitting on the spaces once the hyphens that join no two word characters are spaces
    too gives the `_WORD` matches of an ASCII text."""
    joined = f" {MARK} ".join(texts)
    if joined.count(MARK) != len(texts) - 1:
        return None
    left: set[str] = set()  # the non-ASCII characters of the prepared text
    if not joined.isascii():
        # The distinct non-ASCII characters: the text's UTF-8 without its ASCII bytes (a few
        # percent of a French text), decoded (faster than a regular expression on it all).
        seen = joined.encode("utf-8", "surrogatepass").translate(None, _ASCII_BYTES)
        for c in set(seen.decode("utf-8", "surrogatepass")):
            found = (
                _PREPARED_CHARS[c] if c in _PREPARED_CHARS else _PREPARED_CHARS.setdefault(c, _alone(c, _prepare_whole))
            )
            if found is None:
                return None
            if found != c:
                joined = joined.replace(c, found)
            left.update(x for x in found if not x.isascii())
    prepared = joined.replace("`", "'").lower()
    for c in left:  # as `cut`: a letter goes to the regular expression, any other is a space
        if c.isalnum():
            return None
        prepared = prepared.replace(c, " ")
    return prepared


def cut_prepared(prepared: str) -> list[str]:
    """The raw words of texts joined by `prepare_all` (an ASCII text), each text's followed by
    MARK but the last's."""
    spaced = prepared.translate(_CUT_MARKED_TABLE)
    if "-" in spaced:
        spaced = _STRAY_HYPHEN().sub(" ", spaced)
    return _participle_dropped(spaced).split()


# « été » after a form of « avoir » (« a été réalisé », « ont déjà été consultés ») is the past
# participle of « être », a stop word; elsewhere (« l'été », « en été », « cet été ») it is the
# season, a word: a query about summer heat must not find every record that says « a été ».
_PARTICIPLE = "ete"
_BETWEEN_SPACES = f" {_PARTICIPLE} "
_AUXILIARIES = frozenset(
    (
        *("a", "ai", "as", "avons", "avez", "ont", "avait", "avais", "avions", "aviez", "avaient", "ayant", "eu"),
        *("aura", "aurai", "auras", "aurons", "aurez", "auront", "aurait", "aurais", "aurions", "auriez", "auraient"),
    )
)
# ...with at most one of these adverbs between them (« a aussi été »)
_BETWEEN = frozenset(
    (
        *("deja", "aussi", "notamment", "egalement", "bien", "souvent", "toujours", "jamais", "pas", "beaucoup"),
        *("tout", "enfin", "ensuite", "alors", "donc", "recemment", "longtemps", "parfois", "largement", "tres"),
        *("rapidement", "plus", "vite"),
    )
)


def _participle_dropped(spaced: str) -> str:
    """`spaced` (words between spaces) without the participle « été » (see _PARTICIPLE): each
    « ete » between spaces found at C speed (`str.find`), the words before it read there (a
    catalogue's text has few; the participle always follows a word)."""
    kept: list[str] = []
    start = 0
    found = [*_found_all(spaced, _BETWEEN_SPACES)]
    if spaced.endswith(_BETWEEN_SPACES[:-1]):  # the last word
        found.append(len(spaced) - len(_BETWEEN_SPACES) + 1)
    for at in found:
        before = spaced[max(0, at - 64) : at].split()[-2:]
        if before and (
            before[-1] in _AUXILIARIES or (len(before) == 2 and before[-1] in _BETWEEN and before[0] in _AUXILIARIES)
        ):
            kept.append(spaced[start:at])
            start = at + len(_BETWEEN_SPACES) - 1
    return "".join(kept) + spaced[start:] if kept else spaced


def _found_all(text: str, sub: str) -> Iterator[int]:
    """Where `sub` starts in `text`, each time (`str.find`, at C speed)."""
    at = text.find(sub)
    while at >= 0:
        yield at
        at = text.find(sub, at + len(sub) - 1)


@lru_cache(maxsize=200_000)
def token_terms(found: str) -> tuple[str, ...]:
    """The index terms of one raw word (see `cut`): none for a stop word or a single
    letter; a compound gives its parts and the glued whole (« seine-saint-denis »: « seine »,
    « saint », « denis », « seinesaintdenis »)."""
    # no word is that long: bounded, not dropped
    word = found if len(found) <= MAX_TOKEN_CHARS else found[:MAX_TOKEN_CHARS].strip("-")
    if "-" in word:
        parts = [p for p in word.split("-") if p]
        kept = tuple(p for p in parts if len(p) > 1 and p not in STOP_WORDS)
        if parts[-1] in INVERTED or not kept:
            # « a-t-il », « peut-on », « dis-moi »: a verb and its pronoun; « eux-mêmes »,
            # « c'est-à-dire »: stop words only, no word.
            return kept
        return (*kept, "".join(parts))
    return (word,) if len(word) > 1 and word not in STOP_WORDS else ()


def analyse(text: str) -> list[str]:
    """Folded, stop-word-free terms of a text, in order (not stemmed): the one analysis used
    for records, queries and filters. Compounds give their parts and the glued whole."""
    out: list[str] = []
    for found in cut(prepare(text)):
        out += token_terms(found)
    return out


def stems(text: str) -> list[str]:
    return [stem(t) for t in analyse(text)]


_PHONETIC_RULES = (
    (r"eaux?|aux?", "o"),
    (r"ph", "f"),
    (r"qu|q|ck|cc(?=[aou])", "k"),
    (r"ch", "#"),
    (r"c(?=[eiy])", "s"),
    (r"c", "k"),
    (r"gu(?=[eiy])", "g"),
    (r"g(?=[eiy])", "j"),
    (r"y", "i"),
    (r"w", "v"),
    (r"z", "s"),
    (r"ai|ei", "e"),
    (r"h", ""),
    (r"(.)\1+", r"\1"),
    # Silent endings (last: see spelt_by_ear), but never into the first four sounds: « punaises » and « punèses » keep
    # « pune » (stripping all of « eses » left « pun », too short to be a key).
    (r"(?<=....)(?:e|s|t|d|x)+$", ""),
)


@lru_cache(maxsize=1)
def _phonetic_rules() -> tuple[tuple[re.Pattern[str], str], ...]:
    """Compiled once, when first needed (not at every start)."""
    return tuple((re.compile(pattern, re.MULTILINE), repl) for pattern, repl in _PHONETIC_RULES)


def phonetics(folded: list[str]) -> list[str]:
    """`phonetic` of many words at once (a store's vocabulary): each rule applied once to the
    words joined by line ends, which no rule crosses (`.` does not match one, `$` is the end of
    a line); same keys (tested)."""
    text = "\n".join(folded)
    for pattern, repl in _phonetic_rules():
        text = pattern.sub(repl, text)
    return text.split("\n") if folded else []


@lru_cache(maxsize=100_000)
def phonetic(folded: str) -> str:
    """A rough French sound key, so that « dunkerke » meets « dunkerque » and « cartografie »
    meets « cartographie »: the last resort for words that typo tolerance cannot reach."""
    key = folded
    for pattern, repl in _phonetic_rules():
        key = pattern.sub(repl, key)
    return key


def spelt_by_ear(folded: str) -> str:
    """The word with its spellings of one sound made one (« qu », « que », « k »; « ph »,
    « f »...), its silent ending kept: two words this makes close were written by ear
    (« acoustik », « acoustique »); two that only their keys join were not (« tempête »,
    « temps »)."""
    key = folded
    for pattern, repl in _phonetic_rules()[:-1]:
        key = pattern.sub(repl, key)
    return key
