"""Query expansion: the stems one query word looks up, with how much each counts.

Routes, by decreasing weight: the exact stem; stems of the same family; the last word as a
prefix being typed; curated synonyms; typos within Meilisearch's budgets; the sound key.
Suggestions (« Vouliez-vous dire … ? ») come from the catalogue's own vocabulary.
"""

from __future__ import annotations

from ..lexicon import COMMON, is_word, times_met
from ..text import STEM_OVERRIDES, phonetic, spelt_by_ear, stem, typo_budget
from .index import THEME, Index

# How much a match found by each route counts, against an exact match (1.0).
PENALTY_FAMILY = 0.8  # another stem of the same word family: recycl / recyclag
PENALTY_PREFIX = 0.7  # the last query word as a prefix (being typed)
PENALTY_SYNONYM = 0.6
PENALTY_TYPO = (1.0, 0.75, 0.55)  # by number of typos
PENALTY_PHONETIC = 0.55  # same sound key (« dunkerke » / « dunkerque »)
THEME_WEIGHT = 0.5  # the word names one of the record's themes (thematiques.toml)
MIN_FAMILY_PREFIX = 6
PHONETIC_ROUTE = "son proche"
PREFIX_ROUTE = "préfixe"
MISTYPED_ROUTES = frozenset(["1 faute", "2 fautes", PHONETIC_ROUTE])  # how a misspelt word's variants are found
MAX_PREFIX_EXPANSIONS = 30


# What may follow a shorter stem for two stems to be one family: French derivational endings
# (recycl/recyclag, végétal/végétalis, jardin/jardini), not any letters (mobil/mobili:
# « mobilité » and « mobilier » share a beginning, not a meaning).
FAMILY_ENDINGS = (
    "ag", "at", "ation", "ateur", "atric", "is", "isat", "ist", "ism", "ement", "ment", "eur", "eus",
    "ion", "iqu", "al", "el", "er", "ier", "ant", "anc", "enc", "ur", "abl", "if", "iv", "alit", "ionnel",
)  # fmt: skip
_FAMILY_ENDINGS = frozenset(FAMILY_ENDINGS)
_STEMS_APART = frozenset(STEM_OVERRIDES.values())


def same_family(short: str, long: str) -> bool:
    """Whether `long` is `short` followed by a derivational ending."""
    return len(short) >= MIN_FAMILY_PREFIX and long.startswith(short) and long[len(short) :] in _FAMILY_ENDINGS


def family(index: Index, s: str) -> list[str]:
    """Indexed stems of the same family: one is the other with a derivational ending, or both
    are one root with two (intercultur-al / intercultur-el: « interculturalité »,
    « interculturel »). A stem given to a word apart (text.STEM_OVERRIDES: « département » is
    not « départ », « environnement » not « environ ») is not the family of a shorter stem
    (« environnementale » still meets « environnement »)."""
    out = [x for x in index.stems_extending(s) if same_family(s, x)] if len(s) >= MIN_FAMILY_PREFIX else []
    for k in range(MIN_FAMILY_PREFIX, len(s)):
        if s[k:] in _FAMILY_ENDINGS:
            root = s[:k]
            if index.has(root):
                out.append(root)
            out += [x for x in index.stems_extending(root) if x != s and x[k:] in _FAMILY_ENDINGS]
    return [x for x in dict.fromkeys(out) if len(x) <= len(s) or x not in _STEMS_APART]


def typos(index: Index, term: str) -> list[tuple[str, int]]:
    """Vocabulary words within the typo budget; a wrong first letter counts double."""
    from rapidfuzz import process
    from rapidfuzz.distance import OSA

    budget = typo_budget(term)
    if not budget:
        return []
    out = []
    same = index.words_of_length(len(term) - budget, len(term) + budget, first=term[0])
    for w, dist, _ in process.extract(term, same, scorer=OSA.distance, score_cutoff=budget, limit=None):
        if dist:
            out.append((w, dist))
    if budget >= 2:
        # Another first letter counts one edit: the rest must be one edit away, at the start.
        assert budget == 2, "words_one_edit_from_start finds the words one edit away"
        others = index.words_one_edit_from_start(term)
        for w, dist, _ in process.extract(term, others, scorer=OSA.distance, score_cutoff=budget - 1, limit=None):
            out.append((w, dist + 1))
    return out


def _stem_of_verb(index: Index, term: str) -> str:
    """The stem of a word the catalogue does not write, read as its verb when the stemmer
    leaves a plural present whole (« rémunèrent », « impliquent », « gèrent » are not cut: the
    stem of « rémunérer », « impliquer », « gérer » is looked up where the word's own is not
    in the catalogue and the infinitive is a French word; « finissent » is « finir »;
    « moment » is no verb)."""
    own = stem(term)
    if index.has(own) or not term.endswith("ent") or len(term) < 6:
        return own
    for infinitive in (term[:-5] + "ir", term[:-3] + "er") if term.endswith("issent") else (term[:-3] + "er",):
        if is_word(infinitive) and index.has(verb := stem(infinitive)):
            return verb
    return own


def expand(index: Index, term: str, *, is_prefix: bool) -> dict[str, tuple[float, str]]:
    """Stems to look up for one query term: stem -> (weight, how it was found)."""
    variants: dict[str, tuple[float, str]] = {}

    def add(s: str, weight: float, how: str) -> None:
        if weight > variants.get(s, (0.0, ""))[0] and index.has(s):
            variants[s] = (weight, how)

    known = index.word(term)
    exact = known[0] if known is not None else _stem_of_verb(index, term)
    add(exact, 1.0, "exact")
    add(THEME + exact, THEME_WEIGHT, "thème")
    # A word given its own stem (« restaurant », not « restauration ») has no family either.
    for s in family(index, exact) if term not in STEM_OVERRIDES else ():
        add(s, PENALTY_FAMILY, "famille")
    for s in index.synonyms(exact):
        add(s, PENALTY_SYNONYM, "synonyme")
        for f in family(index, s):
            add(f, PENALTY_SYNONYM * PENALTY_FAMILY, "synonyme")
    met = 0 if known is not None else times_met(term)  # in the French word list (see lexicon)
    # The last word as a prefix being typed, from four letters: a shorter unknown word would be
    # completed into unrelated words (« ski » → « skills »); nor is a French word of its own
    # the beginning of another (« vent » is not « vente », « port » « portent »).
    completed = False
    if is_prefix and len(term) >= 4 and known is None and met < COMMON:
        for _w, s, _df in index.completions(term, MAX_PREFIX_EXPANSIONS):
            add(s, PENALTY_PREFIX, PREFIX_ROUTE)
            completed = True
    # A word being typed that the catalogue's words begin with is not also a misspelling of
    # another (« patri »: « patrimoine », not « part »).
    if exact not in variants and known is None and not completed:
        # A French word of its own is not a misspelling of another: within the typo budget it
        # only meets its own forms, a word it begins with or that begins with its stem
        # (« travaille » → « travail », « éloignées » → « éloigné »), not « plage » → « place »,
        # « émissions » → « missions », nor « règle » → « régie » (whose stem « reg » it begins
        # with); nor is it looked up by its sound.
        french = met > 0 or index.a_subject((exact,))  # nor is a subject of the field (« radon »)
        # The catalogue may write a word only in the plural (« jardins », never « jardin »): a
        # misspelt singular that meets no word is looked for among the plurals (« jardain »).
        # Not the other way: « habitans » less its « s » is one edit from « habitat ».
        found = typos(index, term)
        if not found and not french and not term.endswith(("s", "x")):
            found = typos(index, term + "s")
        for w, dist in found:
            how = f"{dist} faute{'s' if dist > 1 else ''}"
            s = index.stem_of(w)
            if french and not (term.startswith(w) or w.startswith(exact)):
                continue
            add(s, PENALTY_TYPO[min(dist, 2)], how)
            for f in family(index, s):
                add(f, PENALTY_TYPO[min(dist, 2)] * PENALTY_FAMILY, how)
        key = phonetic(term)
        if not french and len(term) >= 5 and len(key) >= 4 and not term.isdigit():
            from rapidfuzz.distance import OSA

            # Spelt by ear, not another word that sounds alike: « dunkerke » is « dunkerque »,
            # « acoustik » is « acoustique » (each the same once its sounds are spelt one way),
            # « tempête » is not « temps » (three edits still).
            reach = max(2, len(term) // 4)
            heard = spelt_by_ear(term)
            for w in index.words_sounding(key):
                if OSA.distance(heard, spelt_by_ear(w), score_cutoff=reach) <= reach:
                    add(index.stem_of(w), PENALTY_PHONETIC, PHONETIC_ROUTE)
    return variants


def suggest(index: Index, term: str, limit: int = 3) -> list[str]:
    """Close vocabulary words for « Vouliez-vous dire … ? »: looser than typo tolerance,
    but a different first letter must be much closer to be offered; none for a French word."""
    from rapidfuzz import fuzz, process

    if len(term) < 4 or is_word(term):  # a word of its own is not a misspelling (see lexicon)
        return []
    # fuzz.ratio >= 78 cannot hold between words whose lengths differ by more than a third.
    pool = index.words_of_length(len(term) * 2 // 3, len(term) * 3 // 2 + 1)
    found = [
        (w, score)
        for w, score, _ in process.extract(term, pool, scorer=fuzz.ratio, score_cutoff=78, limit=limit * 5)
        if w[0] == term[0] or score >= 88
    ]
    found.sort(key=lambda f: (-f[1], -(index.word(f[0]) or ("", 0))[1], f[0]))
    return [w for w, _ in found[:limit]]
