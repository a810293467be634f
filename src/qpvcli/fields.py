"""The one description of an example's fields: what every other module reads.

Validation (types, required fields, what is expected, in French), the terminal view, every
exporter (labels, CSV/XLSX columns), the store (typed columns) and the search index (which
search field a text feeds) all read `FIELDS`. A test checks docs/data-model.md and
docs/export.schema.json against it. Adding a field is one line here.
"""

import re
from collections.abc import Callable
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:  # model.py builds Exemple from this table: no import of it at run time here
    from .model import Action, Axe, Catalogue, Exemple

# The kinds of values a field holds, with their check and what a user is told to write.
KINDS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "texte": (lambda v: isinstance(v, str) and v.strip() != "", "un texte non vide"),
    "entier": (lambda v: isinstance(v, int) and not isinstance(v, bool), "un nombre entier"),
    "booleen": (lambda v: isinstance(v, bool), "true ou false"),
    "textes": (
        lambda v: isinstance(v, list) and all(isinstance(x, str) and x.strip() for x in v),
        "une liste de textes",
    ),
    "niveaux": (
        lambda v: isinstance(v, str) or (isinstance(v, list) and all(isinstance(x, str) for x in v)),
        "un niveau ou une liste de niveaux",
    ),
    "tables": (
        lambda v: isinstance(v, list) and all(isinstance(x, dict) for x in v),
        "une liste de tables { ... }",
    ),
}

# Search fields, with their BM25F weight: a title match counts more than a partner, place or
# action match, which count more than the body. Order fixes each field's bit in the index.
SEARCH_FIELDS: tuple[tuple[str, float], ...] = (
    ("titre", 4.0),
    ("partenaires", 2.5),
    ("lieux", 2.0),
    ("action", 0.8),
    ("description", 1.5),
    ("methode", 1.0),
    ("resultats", 1.0),
    ("autres", 0.5),
    # The words of the record's themes (qpv's classification): a query that names a theme finds
    # its records, below those that contain the word itself.
    ("thematiques", 0.3),
)


class Field(NamedTuple):
    name: str  # key in a catalogue file, in JSON and TOML exports, and the CSV column
    label: str  # French label: terminal view, Markdown, Word, Excel headers
    kind: str  # a key of KINDS
    required: bool = False
    search: str | None = None  # the search field its text feeds (None: not searched)
    shown: bool = True  # part of the record's full view (show, Markdown, Word)


FIELDS: tuple[Field, ...] = (
    Field("id", "Identifiant", "texte", required=True),
    Field("action", "Action", "entier", required=True),
    Field("titre", "Titre", "texte", required=True, search="titre"),
    Field("description", "Description", "texte", required=True, search="description"),
    Field("titre_original", "Titre dans la fiche", "texte", search="titre"),
    Field("partenaires", "Partenaires", "textes", search="partenaires"),
    Field("partenaires_texte", "Partenaires (texte du rapport)", "texte", search="partenaires"),
    Field("echelle", "Échelle", "texte", search="lieux"),
    Field("niveau", "Niveau", "niveaux"),
    Field("territoires", "Territoires", "tables", search="lieux"),
    Field("thematiques", "Thématiques", "textes", search=None),
    Field("methode", "Méthode", "texte", search="methode"),
    Field("resultats", "Résultats", "texte", search="resultats"),
    Field("cout", "Coût", "texte", search="autres"),
    Field("cout_eur", "Coût (euros)", "entier"),
    Field("cout_portee", "Portée du coût", "texte", shown=False),
    Field("duree", "Durée", "texte", search="autres"),
    Field("annee_debut", "Année de début", "entier", shown=False),
    Field("annee_fin", "Année de fin", "entier", shown=False),
    Field("en_cours", "En cours", "booleen", shown=False),
    Field("pilotage", "Pilotage", "texte", search="partenaires"),
    Field("prise_en_main", "Prise en main", "texte", search="autres"),
    Field("ressources", "Ressources", "tables", search="autres"),
    Field("contacts", "Contacts", "tables", search="autres"),
    Field("credit_photo", "Crédit photo", "texte"),
    Field("corrections", "Corrections", "tables"),
)
BY_NAME = {f.name: f for f in FIELDS}
REQUIRED = tuple(f.name for f in FIELDS if f.required)
# The Python value of each kind once loaded: lists become tuples (records are immutable).
EMPTY = {"texte": None, "entier": None, "booleen": None, "textes": (), "niveaux": (), "tables": ()}


class SubField(NamedTuple):
    name: str
    required: bool = False


# The tables inside a record's lists: their keys, and which are required.
SUB_TABLES: dict[str, tuple[SubField, ...]] = {
    "territoires": (SubField("nom", True), SubField("departement"), SubField("region"), SubField("pays")),
    "ressources": (SubField("url"), SubField("libelle"), SubField("fichier")),
    "contacts": (SubField("nom"), SubField("fonction"), SubField("email")),
    "corrections": (
        SubField("champ", True),
        SubField("avant", True),
        SubField("apres", True),
        SubField("raison", True),
    ),
}


# ---------------------------------------------------------------------------- display


def _thin(n: int) -> str:
    """12 000, with the narrow no-break space French typography uses between thousands."""
    return f"{n:,}".replace(",", "\u202f")


def territoire_text(t: Any) -> str:
    extra = [x for x in (t.departement, t.region, t.pays) if x]
    return f"{t.nom} ({', '.join(extra)})" if extra else t.nom


def correction_text(c: Any) -> str:
    return f"{c.champ} : « {c.avant} » → « {c.apres} » ({c.raison})"


def periode(e: "Exemple") -> str:
    if e.annee_debut and e.annee_fin:
        return f"{e.annee_debut}–{e.annee_fin}"
    if e.annee_debut:
        return f"depuis {e.annee_debut}" + (" (en cours)" if e.en_cours else "")
    if e.annee_fin:
        return f"jusqu'en {e.annee_fin}"
    return "en cours" if e.en_cours else ""


def _amount(e: "Exemple") -> str:
    """« 297 000 € », followed by what it covers when it is not the total (`cout_portee`)."""
    from .model import COUT_PORTEES

    amount = f"{_thin(e.cout_eur)} €" if e.cout_eur is not None else ""
    if e.cout_portee and e.cout_portee != "total":
        amount = f"{amount}, {COUT_PORTEES[e.cout_portee]}" if amount else COUT_PORTEES[e.cout_portee]
    return amount


def theme_labels(e: "Exemple", catalogue: "Catalogue | None" = None, sep: str = " ; ") -> str:
    """The record's themes by their labels (ids of an unknown theme kept as they are); the
    labels come with the catalogue when it was read from the store (no TOML to parse)."""
    if not e.thematiques:
        return ""
    labels = catalogue.themes if catalogue is not None else None
    if labels is None:
        from .thematiques import load

        labels = {t.id: t.libelle for t in load().values()}
    return sep.join(labels.get(t, t) for t in e.thematiques)


def niveau_labels(e: "Exemple", sep: str = " ; ") -> str:
    """The record's levels as a reader writes them (« intercommunalité »), not as ids."""
    from .model import NIVEAU_LIBELLES

    return sep.join(NIVEAU_LIBELLES.get(n, n) for n in e.niveau)


def cout_text(e: "Exemple") -> str:
    """The cost as written, then the amount and its band: « 18 000 € par an (18 000 €, < 40 k€) »;
    an amount that is not the total says so: « (297 000 €, par unité, 200 k€ – 1 M€) »."""
    if e.cout_eur is None:
        return e.cout or ""
    amount = _amount(e)
    return f"{e.cout} ({amount}, {e.cout_tranche})" if e.cout else f"{amount} ({e.cout_tranche})"


def text_value(e: "Exemple", field: Field, sep: str = " ; ") -> str:
    """A field's value as plain text ("" when absent), lists joined by `sep`."""
    value = getattr(e, field.name)
    if value is None or value in ((), ""):
        return ""
    if field.name == "territoires":
        return sep.join(territoire_text(t) for t in value)
    if field.name == "corrections":
        return sep.join(correction_text(c) for c in value)
    if field.name == "en_cours":
        return "oui" if value else "non"
    if isinstance(value, tuple):
        return sep.join(str(v) for v in value)
    return str(value)


def source_label(e: "Exemple", catalogue: "Catalogue | None" = None) -> str:
    """Where a record comes from, in words: the report, or the user's file and its title."""
    return catalogue_label(e.source, catalogue)


def catalogue_label(source: str, catalogue: "Catalogue | None" = None) -> str:
    """A source (`Exemple.source`) in words: the report, or the user's file (its name: the
    documents a user gives a client or an elected official do not show where their files
    live on a network drive) and its title."""
    if source == "rapport":
        return "rapport (catalogue intégré)"
    title = catalogue.source_titles.get(source) if catalogue is not None else None
    name = source.replace("\\", "/").rsplit("/", 1)[-1] or source
    return f"{name} ({title})" if title else name


def detail_rows(catalogue: "Catalogue", e: "Exemple", sep: str = "\n") -> list[tuple[str, str]]:
    """Every shown field of a record as (label, text), in reading order, the action and axis
    spelt out, the cost with its band, the period from the years: the full view of `show`."""
    from .model import cost_band

    action = catalogue.action(e.action)
    axe = catalogue.axe(action.axe)
    rows: list[tuple[str, str]] = [("Identifiant", e.id), ("Axe", f"{axe.numero}. {axe.titre}")]
    for f in FIELDS:
        if not f.shown or f.name in ("id", "titre"):
            continue
        if f.name == "action":
            rows.append((f.label, f"{action.numero}. {action.titre}"))
        elif f.name == "cout_eur":
            rows.append((f.label, "" if e.cout_eur is None else f"{_amount(e)} ({cost_band(e.cout_eur)})"))
        elif f.name == "thematiques":
            rows.append((f.label, theme_labels(e, catalogue)))
        elif f.name == "niveau":
            rows.append((f.label, niveau_labels(e)))
        elif f.name in ("ressources", "contacts", "corrections"):
            rows.append((f.label, text_value(e, f, sep)))
        else:
            rows.append((f.label, text_value(e, f)))
        if f.name == "duree":
            rows.append(("Période", periode(e)))
    rows.append(("Source", source_label(e, catalogue)))
    return [(k, v) for k, v in rows if v]


# ---------------------------------------------------------------------------- table columns


class Column(NamedTuple):
    """One column of a tabular export (CSV, Excel, database): a field, or a derived value."""

    name: str
    label: str
    value: Callable[..., str | int | None]  # (catalogue, record) -> the cell
    numeric: bool = False  # a number in a spreadsheet (neither neutralised nor quoted as text)
    width: int = 20  # a useful width in characters for a spreadsheet
    # The value as a reader sees it (labels rather than ids), for a document such as a workbook;
    # None: `value`. CSV and databases keep `value`, which filters and round trips use.
    shown: Callable[..., str | int | None] | None = None  # (catalogue, record) -> the cell

    def readable(self, catalogue: "Catalogue", e: "Exemple") -> str | int | None:
        return (self.shown or self.value)(catalogue, e)


def _departements(e: "Exemple") -> str:
    from .territoires import departement_name

    # « 01 Ain » rather than « 01 », which a spreadsheet would turn into the number 1.
    return " ; ".join(
        dict.fromkeys(
            f"{t.departement} {departement_name(t.departement) or ''}".strip() for t in e.territoires if t.departement
        )
    )


def _field_column(f: Field, label: str | None = None, width: int = 20) -> Column:
    def value(_c: "Catalogue", e: "Exemple", f: Field = f) -> str | int | None:
        if f.kind == "entier":
            return getattr(e, f.name)
        if f.name == "territoires":
            return " ; ".join(t.nom for t in e.territoires)
        return text_value(e, f)

    shown = {
        "niveau": lambda _c, e: niveau_labels(e),
        "thematiques": lambda c, e: theme_labels(e, c),
    }.get(f.name)
    return Column(
        f.name, label or f.label, value, numeric=f.kind == "entier" and f.name != "action", width=width, shown=shown
    )


_WIDTHS = {
    "titre": 40,
    "description": 80,
    "methode": 60,
    "resultats": 60,
    "partenaires": 40,
    "contacts": 40,
    "thematiques": 40,  # the labels, « Chaleur et adaptation au changement climatique »
    "niveau": 16,  # « intercommunalité »
}


def columns() -> list[Column]:
    """The columns of a tabular export, in order: the axis and action, then every field, with
    derived ones (départements, régions, cost band, source) beside the field they explain."""
    cols = [
        Column("axe_numero", "N° axe", lambda c, e: c.axe(c.action(e.action).axe).numero, width=8),
        Column("axe", "Axe", lambda c, e: c.axe(c.action(e.action).axe).titre, width=30),
        Column("action_numero", "N° action", lambda c, e: e.action, width=9),
        Column("action", "Action clé", lambda c, e: c.action(e.action).titre, width=30),
    ]
    for f in FIELDS:
        if f.name == "action":
            continue
        cols.append(_field_column(f, width=_WIDTHS.get(f.name, 30 if f.kind in ("texte", "tables") else 12)))
        if f.name == "territoires":
            cols.append(Column("departements", "Départements", lambda c, e: _departements(e), width=24))
            cols.append(
                Column(
                    "regions",
                    "Régions",
                    lambda c, e: " ; ".join(dict.fromkeys(t.region for t in e.territoires if t.region)),
                    width=24,
                )
            )
        if f.name == "cout_eur":
            cols.append(Column("cout_tranche", "Tranche de coût", lambda c, e: e.cout_tranche, width=20))
    cols.append(Column("source", "Source", lambda c, e: source_label(e, c), width=30))
    return cols


# ---------------------------------------------------------------------------- search


def action_search_text(action: "Action", axe: "Axe") -> str:
    """The searchable text a record takes from its action and axis (the "action" field)."""
    return " ".join(t for t in (action.titre, action.titre_variante or "", *action.sous_actions, axe.titre) if t)


def theme_search_text(theme: Any) -> str:
    """What a theme contributes to the searchable text of its records: its label and words."""
    return " ".join([theme.libelle, *theme.mots])


ABROAD = "étranger international"  # searchable words of a place whose country is not France
# Searchable words of the scales above a town (`niveau`), as the themes' words are: « à l'échelle
# intercommunale », « une métropole » find the records of that scale, below those that say it.
# Not the town's or the district's words (« ville », « quartier »), which nearly every query has.
LEVEL_WORDS = {
    "intercommunalite": "intercommunalité intercommunal EPCI EPT agglomération métropole métropolitain",
    "departement": "département départemental",
    "region": "région régional",
    "national": "national",
}


def _place_words(name: str | None) -> str | None:
    """A place's name as `lieux` indexes it: its words, its compounds' parts and glued wholes,
    but no piece of a compound that is the name of a département of one word (« Rhône » in
    « Bouches-du-Rhône » and « Auvergne-Rhône-Alpes », « Loire » in « Pays-de-la-Loire »,
    « Oise » in « Val-d'Oise »): « Rhône » typed finds the records located in the Rhône, not
    every one of Provence or Auvergne. A name of several words is also glued from its letters
    alone (« valdoise », « provencealpescotedazur »): what the thesaurus's names of places
    search (see thesaurus.place_target). Words apart (« Quartier Nord ») are kept as they are."""
    from .text import joined

    return _compound_place_words(name) if name and joined(name) else name


@lru_cache(maxsize=16384)
def _compound_place_words(name: str) -> str:
    """_place_words of a name with a hyphen or an apostrophe (cached: a large catalogue names
    the same places again and again)."""
    from .text import cut, letters, prepare, token_terms

    single = _one_word_departements()
    raws = cut(prepare(name))
    kept: list[str] = []
    for k, raw in enumerate(raws):
        inside = "-" in raw or (k > 0 and raws[k - 1].endswith(("-d", "-l")))  # « Val-d'Oise »
        kept += [w for w in token_terms(raw) if not (inside and w in single)]
    if len(raws) > 1:  # an apostrophe cut the name: glued whole, as a hyphen alone would be
        kept.append(letters(name))
    return " ".join(dict.fromkeys(kept))


@cache
def _one_word_departements() -> frozenset[str]:
    """The départements whose name is one word (folded: « rhone », « loire », « marne »)."""
    from .territoires import DEPARTEMENTS
    from .text import fold

    return frozenset(fold(name) for name, _ in DEPARTEMENTS.values() if name.isalpha())


def _compound(name: str | None) -> str | None:
    """« Grand Est » -> « Grand-Est »: a name of several words, also searchable glued."""
    return "-".join(name.split()) if name and " " in name.strip() else name


def search_texts(e: "Exemple", action_text: str, theme_texts: dict[str, str] | None = None) -> dict[str, str]:
    """The searchable text of a record, by search field (see SEARCH_FIELDS); `theme_texts`
    gives each theme's words (theme_search_text)."""
    return dict(zip(_SEARCH_NAMES, search_text_list(e, action_text, theme_texts), strict=True))


def search_text_list(e: "Exemple", action_text: str, theme_texts: dict[str, str] | None = None) -> list[str]:
    """`search_texts` as a list, in the order of SEARCH_FIELDS (what the index reads, once per
    record of a large catalogue: the searched fields and how each is read are found once)."""
    global _departement_name
    if _departement_name is None:
        from .territoires import departement_name as _departement_name

    parts: list[list[str]] = [[] for _ in _SEARCH_NAMES]
    for name, search, kind in _SEARCHED:
        value = getattr(e, name)
        if not value:
            continue
        if kind == "territoires":
            # The département by its code and its name: « 93 » and « Seine-Saint-Denis » alike.
            parts[search] += [
                x
                for t in value
                for x in (
                    # A place's name as one compound too (« Grand-Est », « Est-Ensemble »): found
                    # whole even when a word of it is a stop word (see search.ranking.understand).
                    _place_words(t.nom),
                    _place_words(_compound(t.nom)),
                    t.departement,
                    _place_words(_departement_name(t.departement)),
                    _place_words(_compound(t.region)),
                    t.pays,
                    # A place abroad is found as such: « exemples à l'étranger », « international ».
                    ABROAD if t.pays and t.pays.strip().casefold() != "france" else None,
                )
                if x
            ]
        elif kind == "ressources":
            parts[search] += [r.libelle for r in value if r.libelle]
        elif kind == "contacts":
            parts[search] += [c.nom for c in value if c.nom]
        elif isinstance(value, tuple):
            parts[search] += value
            if name == "partenaires":
                parts[search] += [alias for partner in value for alias in name_aliases(partner)]
        else:
            parts[search].append(str(value))
            if "«" in value or '"' in value or "“" in value:
                parts[search] += initialisms(value)
    if any("minist" in text.casefold() for text in parts[_PARTNERS]):
        # A ministry's portfolios (« de la jeunesse et des sports ») say what the State covers,
        # not what the project is about: searchable, as the record's other texts, not as a
        # partner's name (« jeunesse » put Data Asso, whose partner this ministry is, first).
        ministries = _ministry_pattern()
        parts[_OTHERS] += [m[2] for text in parts[_PARTNERS] for m in ministries.finditer(text)]
        parts[_PARTNERS] = [ministries.sub(r"\1", text) for text in parts[_PARTNERS]]
    parts[_ACTION] = [action_text]
    themes = [theme_texts[t] for t in e.thematiques if t in theme_texts] if theme_texts else parts[_THEMES]
    themes += [LEVEL_WORDS[n] for n in e.niveau if n in LEVEL_WORDS]
    parts[_THEMES] = themes
    return [" ".join(texts) for texts in parts]


@cache
def _ministry_pattern() -> re.Pattern[str]:
    """« Ministère » and its portfolios, up to the end of the sentence or of a bracket."""
    return re.compile(r"\b(minist[eè]res?)\s+((?:de|du|des|d'|d’|charg[ée]e?s? de)\b[^.;()\[\]]*)", re.IGNORECASE)


@cache
def _name_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """A name in quotes, and its words of two letters or more (not « d' », « 2028 »): compiled
    on first use, by a store's build only (0.5 ms every command would pay otherwise)."""
    return (
        re.compile(r"«\s*([^«»]{3,80}?)\s*»|\"([^\"]{3,80})\"|“([^“”]{3,80})”"),
        re.compile(r"[^\W\d_][^\W_]+"),
    )


# The kind of body before a partner's own name (« Bailleur Seine-Saint-Denis Habitat »).
_KINDS = frozenset(("bailleur", "association", "ville", "groupe", "societe", "compagnie", "collectif", "regie"))


@lru_cache(maxsize=1 << 16)  # partners recur from record to record (« ANRU », « Ville de … »)
def name_aliases(name: str) -> tuple[str, ...]:
    """How people shorten a partner's name: the initials of its own words, little words aside,
    from three words (« Bailleur Seine-Saint-Denis Habitat » is SSDH: the kind of body before
    the name aside; « Grand Paris Sud Est Avenir » GPSEA). One alias at most: the field's length,
    which scores its words, barely changes (the names glued as well, « yeswecamp », added ten
    thousand words to a 100,000-record catalogue and slowed its long queries by 5 %)."""
    if name.count(" ") + name.count("-") < 2:  # fewer than three words: no initials (most names)
        return ()
    from .text import STOP_WORDS, fold

    _, name_words = _name_patterns()
    words = name_words.findall(name)
    own = words[1:] if words and fold(words[0]) in _KINDS and len(words) > 3 else words
    own = [w for w in own if w[0].isupper() or fold(w) not in STOP_WORDS]  # « Sud Est » keeps its « Est »
    return (initials,) if (initials := _initials(own)) else ()


def initialisms(text: str) -> list[str]:
    """The initials of the names a text quotes, as people shorten them: « Plus fraîche ma
    ville » is PFMV (every word), « Territoire zéro chômeur de longue durée » TZCLD (its words
    but the stop words), for names of three to eight words; a shorter result (two letters)
    would be any sigle."""
    from .text import STOP_WORDS, fold

    quoted, name_words = _name_patterns()
    out = []
    for match in quoted.finditer(text):
        name = next(g for g in match.groups() if g)
        words = name_words.findall(name)
        if 3 <= len(words) <= 8:
            for kept in (words, [w for w in words if fold(w) not in STOP_WORDS]):
                if (initials := _initials(kept)) and initials not in out:
                    out.append(initials)
    return out


def _initials(words: list[str]) -> str | None:
    """A name's initials, from three words to eight (two letters would be any sigle)."""
    return "".join(w[0] for w in words).upper() if 3 <= len(words) <= 8 else None


_departement_name: Callable[[str | None], str | None] | None = None  # territoires.departement_name, on first use
_SEARCH_NAMES = tuple(name for name, _ in SEARCH_FIELDS)
_ACTION, _THEMES = _SEARCH_NAMES.index("action"), _SEARCH_NAMES.index("thematiques")
_PARTNERS, _OTHERS = _SEARCH_NAMES.index("partenaires"), _SEARCH_NAMES.index("autres")
# The searched fields: (name, number of its search field, how its value is read).
_SEARCHED = tuple(
    (f.name, _SEARCH_NAMES.index(f.search), f.name if f.name in ("territoires", "ressources", "contacts") else "")
    for f in FIELDS
    if f.search is not None
)
