"""Filters and sort shared by list, search, facettes and export: one selection path."""

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any, NamedTuple

from .errors import InvalidValue
from .model import COST_BANDS, NIVEAUX, Catalogue, Exemple, cost_band
from .store import Store, sort_title
from .text import analyse, fold, typo_budget

SORT_KEYS = ("rapport", "action", "titre", "cout")

# Words users type for a scale, folded, mapped to a niveau.
_NIVEAU_ALIASES = {
    "ecole": "site",
    "equipement": "site",
    "batiment": "site",
    "ville": "commune",
    "municipal": "commune",
    "interco": "intercommunalite",
    "epci": "intercommunalite",
    "ept": "intercommunalite",
    "metropole": "intercommunalite",
    "agglomeration": "intercommunalite",
    "agglo": "intercommunalite",
    "france": "national",
    "nation": "national",
    "pays": "national",
    "etranger": "international",
}


def _token_matches(query: str, candidates: Iterable[str]) -> bool:
    from rapidfuzz.distance import Levenshtein

    budget = typo_budget(query)
    for cand in candidates:
        if cand == query:
            return True
        if (
            budget
            and abs(len(cand) - len(query)) <= budget
            and Levenshtein.distance(query, cand, score_cutoff=budget) <= budget
        ):
            return True
    return False


def name_matches(query: str, name: str) -> bool:
    """Every word of `query` is in `name`, case, accents and small typos forgiven."""
    wanted = analyse(query)
    have = analyse(name)
    return bool(wanted) and all(_token_matches(w, have) for w in wanted)


def _closest(value: str, choices: Sequence[str]) -> str | None:
    from rapidfuzz import process

    best = process.extractOne(fold(value), list(choices), score_cutoff=60)
    return best[0] if best else None


def resolve_axe(value: str, catalogue: Catalogue) -> str:
    """An axis id from what the user typed: id, number, or its name in any case or accent."""
    key = fold(value.strip()).replace(" ", "")
    for axe in catalogue.axes:
        if key in (fold(axe.id), str(axe.numero)):
            return axe.id
    for axe in catalogue.axes:
        if len(key) >= 4 and name_matches(value, axe.titre):
            return axe.id
    ids = tuple(a.id for a in catalogue.axes)
    numbers = [a.numero for a in catalogue.axes]
    span = f" (les axes sont numérotés de {min(numbers)} à {max(numbers)})" if numbers else ""
    raise InvalidValue(
        "axe",
        value,
        f"« {value} » inconnu{span}.",
        tuple(f"{a.numero} ou {a.id}" for a in catalogue.axes),
        _closest(value, ids),
    )


def resolve_niveau(value: str) -> str:
    key = fold(value.strip()).replace(" ", "").replace("-", "")
    if key in NIVEAUX:
        return key
    key = key.rstrip("s")
    if key in NIVEAUX:
        return key
    if key in _NIVEAU_ALIASES:
        return _NIVEAU_ALIASES[key]
    raise InvalidValue("niveau", value, f"« {value} » inconnu.", tuple(NIVEAUX), _closest(value, list(NIVEAUX)))


def resolve_action(value: int, catalogue: Catalogue) -> int:
    numbers = [a.numero for a in catalogue.actions]
    if value not in numbers:
        raise InvalidValue("action", value, f"{value} inconnue.", tuple(map(str, numbers)))
    return value


# Compiled when an amount is given (re caches it), not at every start.
_AMOUNT = r"(?P<number>\d+(?:[.,]\d+)*)\s*(?P<unit>k|m|md|mds|mrd|milles?|millions?|milliards?)?\s*(?:€|eur|euros?)?"
_SCALE = {
    **dict.fromkeys(("k", "mille", "milles"), 1_000),
    **dict.fromkeys(("m", "million", "millions"), 1_000_000),
    **dict.fromkeys(("md", "mds", "mrd", "milliard", "milliards"), 1_000_000_000),
}


def resolve_montant(value: int | str, champ: str = "cout_max") -> int:
    """An amount in euros from what the user typed: 40000, « 40 000 », 40k, « 50 k€ »,
    « 1,5 M€ », « 40.000 € ». Anything else (or negative) raises InvalidValue (for `champ`:
    the filter's cout_max, or a new record's cout_eur)."""
    if isinstance(value, int):
        if value < 0:
            raise InvalidValue(champ, value, "un montant positif en euros est attendu (ex. 40000).")
        return value
    text = re.sub(r"[\s\u00a0\u202f_']", "", str(value)).strip()
    if text.startswith("-"):
        raise InvalidValue(champ, value, "un montant positif en euros est attendu (ex. 40000).")
    m = re.fullmatch(_AMOUNT, text, re.IGNORECASE)
    if m is None:
        raise InvalidValue(
            champ,
            value,
            f"« {value} » n'est pas un montant : écrivez par exemple 40000, « 40 000 », 40k ou « 1,5 M€ ».",
        )
    number, unit = m["number"], (m["unit"] or "").lower()
    scale = _SCALE.get(unit, 1)
    if scale == 1 and re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", number):
        return int(re.sub(r"\D", "", number))  # « 40.000 », « 40,000 »: thousands
    if number.count(",") + number.count(".") > 1:
        raise InvalidValue(
            champ,
            value,
            f"« {value} » n'est pas un montant : écrivez par exemple 40000, « 40 000 », 40k ou « 1,5 M€ ».",
        )
    return int(float(number.replace(",", ".")) * scale)


def resolve_theme(value: str, catalogue: Catalogue) -> str:
    """A theme id from what the user typed: its id, label or one of its words, accents and
    small typos forgiven (« santé », « chaleur », « biodiversté »)."""
    from .thematiques import closest

    found = closest(value)
    if found is None:
        ids = tuple(sorted(catalogue.themes or ())) or _theme_ids()
        raise InvalidValue("theme", value, f"« {value} » inconnu.", ids)
    return found


def _theme_ids() -> tuple[str, ...]:
    from .thematiques import load

    return tuple(load())


def resolve_tri(value: str) -> str:
    key = fold(value.strip())
    if key in SORT_KEYS:
        return key
    raise InvalidValue("tri", value, f"« {value} » inconnu.", SORT_KEYS, _closest(value, SORT_KEYS))


class Filtres(NamedTuple):
    """What the user asked for. Different options combine with AND, repeats of one with OR."""

    axes: tuple[str, ...] = ()
    actions: tuple[int, ...] = ()
    niveaux: tuple[str, ...] = ()
    cout_max: int | None = None
    gratuit: bool = False
    partenaires: tuple[str, ...] = ()
    territoires: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    ids: tuple[str, ...] = ()

    @classmethod
    def from_options(
        cls,
        catalogue: Catalogue,
        *,
        axes: Sequence[str] = (),
        actions: Sequence[int] = (),
        echelles: Sequence[str] = (),
        cout_max: int | str | None = None,
        gratuit: bool = False,
        partenaires: Sequence[str] = (),
        territoires: Sequence[str] = (),
        themes: Sequence[str] = (),
        ids: Sequence[str] = (),
    ) -> "Filtres":
        if cout_max is not None:
            cout_max = resolve_montant(cout_max)
        for value, champ in [(p, "partenaire") for p in partenaires] + [(t, "territoire") for t in territoires]:
            from .territoires import normalise_code  # the départements: only for these filters

            if not analyse(value) and normalise_code(value) is None:
                raise InvalidValue(champ, value, f"« {value} » ne contient aucun mot à chercher.")
        return cls(
            axes=tuple(dict.fromkeys(resolve_axe(a, catalogue) for a in axes)),
            actions=tuple(dict.fromkeys(resolve_action(n, catalogue) for n in actions)),
            niveaux=tuple(dict.fromkeys(resolve_niveau(e) for e in echelles)),
            cout_max=cout_max,
            gratuit=gratuit,
            partenaires=tuple(partenaires),
            territoires=tuple(territoires),
            themes=tuple(dict.fromkeys(resolve_theme(t, catalogue) for t in themes)),
            ids=tuple(dict.fromkeys(fold(i.strip()) for i in ids)),
        )

    def __bool__(self) -> bool:
        return bool(
            self.axes
            or self.actions
            or self.niveaux
            or self.cout_max is not None
            or self.gratuit
            or self.partenaires
            or self.territoires
            or self.themes
            or self.ids
        )

    def where(self, store: Store) -> tuple[str, list[Any]]:
        """The filters as a SQL condition on `exemples e` (with its parameters). Partners and
        territories are matched in Python against the distinct names, then joined."""
        clauses: list[str] = []
        params: list[Any] = []

        def among(column: str, values: Sequence[Any]) -> None:
            clauses.append(f"{column} IN ({','.join('?' * len(values))})")
            params.extend(values)

        if self.ids:
            among("e.id", self.ids)
        if self.axes:
            among("e.axe", self.axes)
        if self.actions:
            among("e.action", self.actions)
        if self.niveaux:
            marks = ",".join("?" * len(self.niveaux))
            clauses.append(f"e.doc IN (SELECT doc FROM niveaux WHERE niveau IN ({marks}))")
            params.extend(self.niveaux)
        # Only a total cost is known to be under a ceiling: 297 000 € « par unité » is not.
        if self.cout_max is not None:
            clauses.append("e.cout_total IS NOT NULL AND e.cout_total <= ?")
            params.append(self.cout_max)
        if self.gratuit:
            clauses.append("e.cout_total = 0")
        if self.themes:
            marks = ",".join("?" * len(self.themes))
            clauses.append(f"e.doc IN (SELECT doc FROM thematiques WHERE theme IN ({marks}))")
            params.extend(self.themes)
        if self.partenaires:
            names = list(store.partner_names())
            ids = [pid for pid, _, mots in names if any(_words_match(p, mots) for p in self.partenaires)]
            if not ids:  # « ADEM », « Métro »: the words begun, when no name has them whole
                ids = [
                    pid for pid, _, mots in names if any(_words_match(p, mots, begun=True) for p in self.partenaires)
                ]
            clauses.append(f"e.doc IN (SELECT doc FROM exemple_partenaires WHERE partenaire IN ({_ints(ids)}))")
        if self.territoires:
            ids = [row[0] for row in store.places() if any(territory_matches(t, row[1:]) for t in self.territoires)]
            clauses.append(f"e.doc IN (SELECT doc FROM exemple_territoires WHERE territoire IN ({_ints(ids)}))")
        return " AND ".join(clauses), params

    def describe(self, catalogue: Catalogue) -> list[str]:
        """The selection in words, for report headers."""
        parts = []
        if self.ids:
            named = ", ".join(f"« {i} »" for i in self.ids)
            parts.append(f"exemples choisis : {named}" if len(self.ids) > 1 else f"exemple {named}")
        if self.axes:
            parts.append(
                "axe " + " ou ".join(f"{catalogue.axe(a).numero} ({catalogue.axe(a).titre})" for a in self.axes)
            )
        if self.actions:
            parts.append("action " + " ou ".join(map(str, self.actions)))
        if self.niveaux:
            parts.append("échelle " + " ou ".join(self.niveaux))
        if self.gratuit:
            parts.append("gratuit ou en libre accès")
        if self.cout_max is not None:
            parts.append(f"coût connu et au plus {self.cout_max:,} €".replace(",", "\u202f"))
        if self.partenaires:
            parts.append("partenaire " + " ou ".join(f"« {p} »" for p in self.partenaires))
        if self.territoires:
            parts.append("territoire " + " ou ".join(f"« {t} »" for t in self.territoires))
        if self.themes:
            labels = catalogue.themes or {}
            parts.append("thème " + " ou ".join(f"« {labels.get(t, t)} »" for t in self.themes))
        return parts

    def as_options(self) -> list[str]:
        """The command-line options that reproduce this selection."""
        opts: list[str] = []
        opts += [f"--id {shell_quote(i)}" for i in self.ids]
        opts += [f"--axe {a}" for a in self.axes]
        opts += [f"--action {n}" for n in self.actions]
        opts += [f"--echelle {n}" for n in self.niveaux]
        if self.cout_max is not None:
            opts.append(f"--cout-max {self.cout_max}")
        if self.gratuit:
            opts.append("--gratuit")
        opts += [f"--partenaire {shell_quote(p)}" for p in self.partenaires]
        opts += [f"--territoire {shell_quote(t)}" for t in self.territoires]
        opts += [f"--theme {t}" for t in self.themes]
        return opts


def shell_quote(value: str) -> str:
    """`value` as one word of a command line, readable: « "l'eau" » rather than the
    « 'l'"'"'eau' » of shlex, for a text with an apostrophe (most French ones) and nothing
    a shell expands between double quotes."""
    import shlex

    if "'" in value and not any(c in value for c in '"$`\\!'):
        return f'"{value}"'
    return shlex.quote(value)


def _ints(values: Iterable[int]) -> str:
    return ",".join(str(int(v)) for v in values) or "NULL"


def _words_match(query: str, analysed: str, *, begun: bool = False) -> bool:
    """`name_matches` against a name already analysed (the store keeps partners so); with
    `begun`, a word of three letters or more may also be the beginning of a word of the name."""
    wanted = analyse(query)
    have = analysed.split()

    def found(w: str) -> bool:
        return _token_matches(w, have) or (begun and len(w) >= 3 and any(h.startswith(w) for h in have))

    return bool(wanted) and all(map(found, wanted))


def territory_matches(query: str, place: Sequence[str | None]) -> bool:
    """Whether a place (nom, departement, region, pays) is in what the user typed: a
    département by code (« 93 », « 2A ») or name; a région by name or alias (« Grand Est »,
    « PACA », « IDF »: its départements too), an old région by its départements
    (« Nord-Pas-de-Calais »); a country (« France »: every place not abroad); else a commune or
    an intercommunality by its words (« St-Denis » as « Saint-Denis »)."""
    from .territoires import DEPARTEMENTS

    nom, departement, region, pays = place
    code = departement_code(query)
    if code is not None:
        return departement == code
    key = _place_key(query)
    whole = _regions().get(key)
    if whole is not None:
        return (region is not None and _place_key(region) == _place_key(whole)) or (
            departement in DEPARTEMENTS and DEPARTEMENTS[departement][1] == whole
        )
    codes = _old_regions().get(key)
    if codes is not None:
        return departement in codes
    if key == "france":
        return not pays or _place_key(pays) == "france"
    if pays and _place_key(pays) == key:
        return True
    if nom and name_matches(_SAINT.get(key.split(" ")[0], "") + " " + key, nom):
        return True
    # A département or région misspelt (« Seine-Saint-Dennis », « Ocitanie »), as search forgives
    # a typo: the closest name within the typo budget.
    close = _close_place(key)
    if close is None:
        return False
    kind, value = close
    if kind == "departement":
        return departement == value
    return (region is not None and _place_key(region) == _place_key(value)) or (
        departement in DEPARTEMENTS and DEPARTEMENTS[departement][1] == value
    )


@lru_cache(maxsize=64)
def _close_place(key: str) -> tuple[str, str] | None:
    """The département or région whose name is within the typo budget of `key` (one edit for
    five to eight letters, two beyond, as search), else None."""
    from rapidfuzz import process
    from rapidfuzz.distance import Levenshtein

    budget = typo_budget(key.replace(" ", ""))
    if not budget:
        return None
    names = {name: ("departement", code) for name, code in _departement_by_name().items()}
    names.update((name, ("region", region)) for name, region in _regions().items())
    found = process.extractOne(key, list(names), scorer=Levenshtein.distance, score_cutoff=budget)
    return None if found is None else names[found[0]]


def known_place(value: str) -> str | None:
    """How a département or a région typed for --territoire is named (« Corse-du-Sud (2A) »,
    « Bretagne »), whether or not a record is located there; None for any other value."""
    from .territoires import DEPARTEMENTS

    code = departement_code(value)
    if code is not None:
        return f"{DEPARTEMENTS[code][0]} ({code})"
    return _regions().get(_place_key(value))


def departement_code(value: str) -> str | None:
    """A département's code from its code (« 93 », « 2a », « 1 ») or its name as people write it
    (« Seine St Denis », « val d'oise »); None when it is neither."""
    from .territoires import normalise_code

    return normalise_code(value) or _departement_by_name().get(_place_key(value))


# « St-Denis », « Ste-Geneviève »: the usual abbreviations of place names.
_SAINT = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}


def _place_key(text: str) -> str:
    """A place name as compared: folded, hyphens and apostrophes as spaces, « St » as « Saint »."""
    words = fold(text).replace("-", " ").replace("'", " ").replace("’", " ").split()
    return " ".join(_SAINT.get(w, w) for w in words)


@lru_cache(maxsize=1)
def _departement_by_name() -> dict[str, str]:
    from .territoires import DEPARTEMENTS

    return {_place_key(name): code for code, (name, _) in DEPARTEMENTS.items()}


@lru_cache(maxsize=1)
def _regions() -> dict[str, str]:
    """Région names and their aliases (thesaurus.toml, [[regions]]) -> the région's name."""
    from .territoires import DEPARTEMENTS
    from .thesaurus import region_aliases

    found = {_place_key(r): r for _, r in DEPARTEMENTS.values()}
    found.update((_place_key(alias), name) for alias, name in region_aliases().items())
    return found


@lru_cache(maxsize=1)
def _old_regions() -> dict[str, frozenset[str]]:
    """Régions before 2016 (thesaurus.toml) -> their départements."""
    from .thesaurus import old_regions

    return {_place_key(name): codes for name, codes in old_regions().items()}


ORDER_BY = {
    "rapport": "e.doc",
    "action": "e.action, e.doc",
    "titre": "e.titre_tri, e.doc",
    "cout": "e.cout_eur IS NULL, e.cout_eur, e.doc",
}


def sort(exemples: Iterable[Exemple], key: str) -> list[Exemple]:
    """Records already chosen (a search's results), in the order of `key` (as ORDER_BY)."""
    if key == "action":
        return sorted(exemples, key=lambda e: e.action)
    if key == "titre":
        return sorted(exemples, key=lambda e: sort_title(e.titre))
    if key == "cout":
        return sorted(exemples, key=lambda e: (e.cout_eur is None, e.cout_eur or 0))
    return list(exemples)


def facets(store: Store, where: str, params: Sequence[Any]) -> tuple[int, dict[str, list[tuple[str, int]]]]:
    """How many records a selection holds, and their counts by axis, action, niveau, cost band,
    partner (cited at least twice) and département: SQL over the store."""
    from .territoires import departement_name

    cat = store.catalogue
    cond = f"WHERE {where}" if where else ""
    total = store.count_where(where, params)
    by_axe = dict(store.query(f"SELECT e.axe, count(*) FROM exemples e {cond} GROUP BY e.axe", params))
    by_action = dict(store.query(f"SELECT e.action, count(*) FROM exemples e {cond} GROUP BY e.action", params))
    # Without a condition, the join to every record only reads them (0.1 s at 100,000 records).
    joined = "JOIN exemples e ON e.doc = n.doc" if where else ""
    by_niveau = dict(store.query(f"SELECT n.niveau, count(*) FROM niveaux n {joined} {cond} GROUP BY 1", params))
    by_cost: Counter[str] = Counter()
    for cout, n in store.query(f"SELECT e.cout_total, count(*) FROM exemples e {cond} GROUP BY 1", params):
        by_cost[cost_band(cout)] += n
    by_theme = dict(
        store.query(
            f"SELECT t.theme, count(*) FROM thematiques t JOIN exemples e ON e.doc = t.doc {cond} GROUP BY 1", params
        )
    )
    labels = cat.themes or {}
    partner_names: dict[str, str] = {}
    by_partner: Counter[str] = Counter()
    partner_cond = f"{cond} AND" if cond else "WHERE"
    rows = store.query(
        "SELECT p.nom, count(*) FROM exemple_partenaires ep JOIN partenaires p ON p.partenaire = ep.partenaire "
        f"JOIN exemples e ON e.doc = ep.doc {partner_cond} ep.role = 'partenaire' GROUP BY p.nom ORDER BY min(ep.doc)",
        params,
    )
    for name, n in rows:
        partner_names.setdefault(fold(name), name)
        by_partner[fold(name)] += n
    joined = "JOIN exemples e ON e.doc = et.doc" if where else ""
    by_dept = store.query(
        "SELECT t.departement, count(DISTINCT et.doc) FROM exemple_territoires et "
        f"JOIN territoires t ON t.territoire = et.territoire {joined} "
        f"{partner_cond} t.departement IS NOT NULL GROUP BY 1",
        params,
    )
    band_order = [label for _, label, _, _ in COST_BANDS] + ["non précisé"]
    return total, {
        "axe": [(f"{a.numero} {a.id}", by_axe[a.id]) for a in cat.axes if by_axe.get(a.id)],
        "action": [(f"{a.numero} {a.titre}", by_action[a.numero]) for a in cat.actions if by_action.get(a.numero)],
        "niveau": [(n, by_niveau[n]) for n in NIVEAUX if by_niveau.get(n)],
        "cout": [(b, by_cost[b]) for b in band_order if by_cost[b]],
        "thematique": [
            (labels.get(t, t), n)
            for t, n in sorted(by_theme.items(), key=lambda kv: (-kv[1], labels.get(kv[0], kv[0])))
        ],
        "partenaire": [
            (partner_names[p], n) for p, n in sorted(by_partner.items(), key=lambda kv: (-kv[1], kv[0])) if n > 1
        ][:20],
        "departement": sorted(((f"{d} {departement_name(d)}", n) for d, n in by_dept), key=lambda kv: (-kv[1], kv[0])),
    }
