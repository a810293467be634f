"""Filters and sort shared by list, search, facettes and export: one selection path."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import NamedTuple

from .errors import UsageError
from .model import COST_BANDS, NIVEAUX, Catalogue, Exemple, cost_band
from .territoires import DEPARTEMENTS, departement_name, normalise_code
from .text import analyse, fold

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


def _typo_budget(token: str) -> int:
    return 0 if len(token) < 5 else 1 if len(token) < 9 else 2


def _token_matches(query: str, candidates: Iterable[str]) -> bool:
    from rapidfuzz.distance import Levenshtein

    budget = _typo_budget(query)
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


def _suggest(value: str, choices: Sequence[str]) -> str:
    from rapidfuzz import process

    best = process.extractOne(fold(value), list(choices), score_cutoff=60)
    return f" Vouliez-vous dire « {best[0]} » ?" if best else ""


def resolve_axe(value: str, catalogue: Catalogue) -> str:
    """An axis id from what the user typed: id, number, or its name in any case or accent."""
    key = fold(value.strip()).replace(" ", "")
    for axe in catalogue.axes:
        if key in (fold(axe.id), str(axe.numero)):
            return axe.id
    for axe in catalogue.axes:
        if len(key) >= 4 and name_matches(value, axe.titre):
            return axe.id
    ids = [a.id for a in catalogue.axes]
    raise UsageError(f"--axe : « {value} » inconnu. Valeurs possibles : {', '.join(ids)}.{_suggest(value, ids)}")


def resolve_niveau(value: str) -> str:
    key = fold(value.strip()).replace(" ", "").replace("-", "")
    if key in NIVEAUX:
        return key
    key = key.rstrip("s")
    if key in NIVEAUX:
        return key
    if key in _NIVEAU_ALIASES:
        return _NIVEAU_ALIASES[key]
    raise UsageError(
        f"--echelle : « {value} » inconnu. Valeurs possibles : {', '.join(NIVEAUX)}.{_suggest(value, list(NIVEAUX))}"
    )


def resolve_action(value: int, catalogue: Catalogue) -> int:
    numbers = [a.numero for a in catalogue.actions]
    if value not in numbers:
        raise UsageError(f"--action : {value} inconnue. Actions possibles : {', '.join(map(str, numbers))}.")
    return value


class Filtres(NamedTuple):
    """What the user asked for. Different options combine with AND, repeats of one with OR."""

    axes: tuple[str, ...] = ()
    actions: tuple[int, ...] = ()
    niveaux: tuple[str, ...] = ()
    cout_max: int | None = None
    gratuit: bool = False
    partenaires: tuple[str, ...] = ()
    territoires: tuple[str, ...] = ()

    @classmethod
    def from_options(
        cls,
        catalogue: Catalogue,
        *,
        axes: Sequence[str] = (),
        actions: Sequence[int] = (),
        echelles: Sequence[str] = (),
        cout_max: int | None = None,
        gratuit: bool = False,
        partenaires: Sequence[str] = (),
        territoires: Sequence[str] = (),
    ) -> Filtres:
        if cout_max is not None and cout_max < 0:
            raise UsageError("--cout-max : un montant positif en euros est attendu (ex. 40000).")
        for value, option in [(p, "--partenaire") for p in partenaires] + [(t, "--territoire") for t in territoires]:
            if not analyse(value) and normalise_code(value) is None:
                raise UsageError(f"{option} : « {value} » ne contient aucun mot à chercher.")
        return cls(
            axes=tuple(dict.fromkeys(resolve_axe(a, catalogue) for a in axes)),
            actions=tuple(dict.fromkeys(resolve_action(n, catalogue) for n in actions)),
            niveaux=tuple(dict.fromkeys(resolve_niveau(e) for e in echelles)),
            cout_max=cout_max,
            gratuit=gratuit,
            partenaires=tuple(partenaires),
            territoires=tuple(territoires),
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
        )

    def matches(self, ex: Exemple, catalogue: Catalogue) -> bool:
        if self.axes and catalogue.action(ex.action).axe not in self.axes:
            return False
        if self.actions and ex.action not in self.actions:
            return False
        if self.niveaux and not set(ex.niveau) & set(self.niveaux):
            return False
        if self.cout_max is not None and (ex.cout_eur is None or ex.cout_eur > self.cout_max):
            return False
        if self.gratuit and ex.cout_eur != 0:
            return False
        if self.partenaires and not any(_partner_matches(p, ex) for p in self.partenaires):
            return False
        return not (self.territoires and not any(territory_matches(t, ex) for t in self.territoires))

    def describe(self, catalogue: Catalogue) -> list[str]:
        """The selection in words, for report headers."""
        parts = []
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
        return parts

    def as_options(self) -> list[str]:
        """The command-line options that reproduce this selection."""
        opts: list[str] = []
        opts += [f"--axe {a}" for a in self.axes]
        opts += [f"--action {n}" for n in self.actions]
        opts += [f"--echelle {n}" for n in self.niveaux]
        if self.cout_max is not None:
            opts.append(f"--cout-max {self.cout_max}")
        if self.gratuit:
            opts.append("--gratuit")
        opts += [f"--partenaire {_shell_quote(p)}" for p in self.partenaires]
        opts += [f"--territoire {_shell_quote(t)}" for t in self.territoires]
        return opts


def _shell_quote(value: str) -> str:
    import shlex

    return shlex.quote(value)


def _partner_matches(query: str, ex: Exemple) -> bool:
    names = [*ex.partenaires, ex.pilotage or ""]
    return any(name_matches(query, n) for n in names if n)


def territory_matches(query: str, ex: Exemple) -> bool:
    """A département code (« 93 », « 2A »), a département, a commune, a région, a country."""
    code = normalise_code(query)
    if code is None:
        code = _departement_by_name().get(fold(query).replace(" ", "-"))
    for t in ex.territoires:
        if code is not None and t.departement == code:
            return True
        if code is None and any(name_matches(query, n) for n in (t.nom, t.region, t.pays) if n):
            return True
    return False


@lru_cache(maxsize=1)
def _departement_by_name() -> dict[str, str]:
    return {fold(name).replace(" ", "-"): code for code, (name, _) in DEPARTEMENTS.items()}


def select(catalogue: Catalogue, filtres: Filtres, exemples: Iterable[Exemple] | None = None) -> list[Exemple]:
    pool = catalogue.exemples if exemples is None else exemples
    if not filtres:
        return list(pool)
    return [ex for ex in pool if filtres.matches(ex, catalogue)]


def sort(exemples: list[Exemple], key: str) -> list[Exemple]:
    """Report order by default; `cout` puts examples without a known cost last."""
    if key == "action":
        return sorted(exemples, key=lambda e: e.action)
    if key == "titre":
        return sorted(exemples, key=lambda e: fold(e.titre).lstrip("«»\"'“” ([-"))
    if key == "cout":
        return sorted(exemples, key=lambda e: (e.cout_eur is None, e.cout_eur or 0))
    return list(exemples)


def facets(catalogue: Catalogue, exemples: Sequence[Exemple]) -> dict[str, list[tuple[str, int]]]:
    """Counts by axis, action, niveau, cost band, partner and département for a selection."""
    by_axe = Counter(catalogue.action(e.action).axe for e in exemples)
    by_action = Counter(e.action for e in exemples)
    by_niveau = Counter(n for e in exemples for n in e.niveau)
    by_cost = Counter(cost_band(e.cout_eur) for e in exemples)
    partner_names: dict[str, str] = {}
    by_partner: Counter[str] = Counter()
    for e in exemples:
        for p in dict.fromkeys(fold(p) for p in e.partenaires):
            by_partner[p] += 1
        for p in e.partenaires:
            partner_names.setdefault(fold(p), p)
    by_dept = Counter(
        f"{t.departement} {departement_name(t.departement)}"
        for e in exemples
        for t in {t.departement: t for t in e.territoires if t.departement}.values()
    )
    band_order = [label for _, label, _, _ in COST_BANDS] + ["non précisé"]
    return {
        "axe": [(f"{a.numero} {a.id}", by_axe[a.id]) for a in catalogue.axes if by_axe[a.id]],
        "action": [(f"{a.numero} {a.titre}", by_action[a.numero]) for a in catalogue.actions if by_action[a.numero]],
        "niveau": [(n, by_niveau[n]) for n in NIVEAUX if by_niveau[n]],
        "cout": [(b, by_cost[b]) for b in band_order if by_cost[b]],
        "partenaire": [
            (partner_names[p], n) for p, n in sorted(by_partner.items(), key=lambda kv: (-kv[1], kv[0])) if n > 1
        ][:20],
        "departement": sorted(by_dept.items(), key=lambda kv: (-kv[1], kv[0])),
    }
