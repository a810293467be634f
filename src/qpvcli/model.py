"""Typed, immutable records of a catalogue: axes, key actions and examples.

Records are named tuples rather than frozen dataclasses: just as immutable, and about ten times
cheaper to define (~0.1 ms against ~1 ms per class), which matters for a command whose start-up
time is a goal. An example's fields come from the one table of fields (fields.FIELDS).

No `from __future__ import annotations` here (nor in errors, selection, api): typing.NamedTuple
would compile every field's annotation string at each start (tests/test_startup.py).
"""

from collections import namedtuple
from typing import Any, NamedTuple

from .fields import EMPTY, FIELDS

AXES = ("diagnostic", "cohesion", "habitabilite", "economie")
# How an axis id is written for a reader (the terminal's facets); the id stays in data exports.
AXE_LIBELLES = {
    "diagnostic": "diagnostic",
    "cohesion": "cohésion",
    "habitabilite": "habitabilité",
    "economie": "économie",
}

# Scale levels, smallest first. `niveau` is derived from the report's verbatim `echelle`.
NIVEAUX = {
    "site": "site, équipement, école",
    "quartier": "un ou plusieurs quartiers",
    "commune": "une ville",
    "intercommunalite": "métropole, agglomération, établissement public territorial",
    "departement": "département",
    "region": "région",
    "national": "toute la France",
    "international": "hors de France ou plusieurs pays",
}
# How a level is written for a reader (documents, `show`); the id stays in data exports and filters.
NIVEAU_LIBELLES = {
    "site": "site",
    "quartier": "quartier",
    "commune": "commune",
    "intercommunalite": "intercommunalité",
    "departement": "département",
    "region": "région",
    "national": "national",
    "international": "international",
}

# What an amount in `cout_eur` covers (`cout_portee`); absent means the total cost of the action.
COUT_PORTEES = {
    "total": "coût total",
    "par-unite": "par unité",
    "par-an": "par an",
    "par-personne": "par personne",
    "partiel": "une partie du coût seulement",
    "financement": "financements cités, pas le coût complet",
}

# The same, said in a table cell beside a cost band.
COUT_PORTEES_COURTES = {
    "total": "total",
    "par-unite": "par unité",
    "par-an": "par an",
    "par-personne": "par personne",
    "partiel": "en partie",
    "financement": "aides citées",
}

# Cost bands, as Plus fraîche ma ville shows them beside the raw figure.
COST_BANDS = (
    ("gratuit", "gratuit", 0, 0),
    ("moins-40k", "< 40 k€", 1, 39_999),
    ("40k-200k", "40 k€ – 200 k€", 40_000, 199_999),
    ("200k-1m", "200 k€ – 1 M€", 200_000, 999_999),
    ("1m-10m", "1 M€ – 10 M€", 1_000_000, 9_999_999),
    ("plus-10m", "> 10 M€", 10_000_000, None),
)


def cost_band(cout_eur: int | None) -> str:
    """The display label of a cost in euros, or « non précisé »."""
    if cout_eur is None:
        return "non précisé"
    for _, label, low, high in COST_BANDS:
        if cout_eur >= low and (high is None or cout_eur <= high):
            return label
    return "non précisé"


INTERNAL_FIELDS = frozenset({"source"})


def _record_dict(obj: Any) -> dict[str, Any]:
    """Keys as in the catalogue file, empty values left out (a field the source lacks is absent)."""
    out: dict[str, Any] = {}
    for name, value in zip(obj._fields, obj, strict=True):
        if name in INTERNAL_FIELDS or value is None or value in ((), ""):
            continue
        out[name] = [v.to_dict() if hasattr(v, "to_dict") else v for v in value] if isinstance(value, tuple) else value
    return out


class Axe(NamedTuple):
    id: str
    numero: int
    titre: str

    def to_dict(self) -> dict[str, Any]:
        return _record_dict(self)


class Action(NamedTuple):
    numero: int
    axe: str
    titre: str
    titre_variante: str | None = None
    sous_actions: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return _record_dict(self)


class Territoire(NamedTuple):
    nom: str
    departement: str | None = None
    region: str | None = None
    pays: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return _record_dict(self)

    def __str__(self) -> str:
        return f"{self.nom} ({self.departement})" if self.departement else self.nom


class Ressource(NamedTuple):
    url: str | None = None
    libelle: str | None = None
    fichier: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return _record_dict(self)

    def __str__(self) -> str:
        target = self.url or self.fichier or ""
        return f"{self.libelle} : {target}" if self.libelle else target


class Contact(NamedTuple):
    nom: str | None = None
    fonction: str | None = None
    email: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return _record_dict(self)

    def __str__(self) -> str:
        who = ", ".join(x for x in (self.nom, self.fonction) if x)
        if who and self.email:
            return f"{who} <{self.email}>"
        return who or self.email or ""


class Correction(NamedTuple):
    champ: str
    avant: str
    apres: str
    raison: str

    def to_dict(self) -> dict[str, Any]:
        return _record_dict(self)


# An example's fields are those of the one table (fields.FIELDS), all optional here: what is
# required is the validator's business. `source` says where the record was read from: "rapport"
# for the bundled catalogue, else a file path.
_ExempleBase = namedtuple(
    "_ExempleBase",
    [f.name for f in FIELDS] + ["source"],
    defaults=[EMPTY[f.kind] for f in FIELDS] + ["rapport"],
)


class Exemple(_ExempleBase):
    """One example, its fields as described in fields.FIELDS."""

    __slots__ = ()

    def to_dict(self) -> dict[str, Any]:
        """The record as it is written in a catalogue file (`niveau` a string when single)."""
        out = _record_dict(self)
        if len(self.niveau) == 1:
            out["niveau"] = self.niveau[0]
        return out

    @property
    def cout_total(self) -> int | None:
        """The cost of the whole action, when the amount is one (not per unit, per year...)."""
        return self.cout_eur if self.cout_portee in (None, "total") else None

    @property
    def cout_tranche(self) -> str:
        """The cost band; an amount that is not the total says what it covers (« par unité »)."""
        if self.cout_eur is not None and self.cout_total is None:
            return f"{cost_band(self.cout_eur)}, {COUT_PORTEES_COURTES[self.cout_portee]}"
        return cost_band(self.cout_eur)

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "rapport") -> "Exemple":
        """Rebuild a record already validated (from the store): no checks, just types."""
        values: dict[str, Any] = {}
        for f in FIELDS:
            value = data.get(f.name)
            if value is None:
                continue
            if f.kind == "tables":
                value = tuple(_SUB_RECORDS[f.name](**item) for item in value)
            elif f.kind == "niveaux" and isinstance(value, str):
                value = (value,)
            elif f.kind in ("textes", "niveaux"):
                value = tuple(value)
            values[f.name] = value
        return cls(**values, source=data.get("source", source))


_SUB_RECORDS = {"territoires": Territoire, "ressources": Ressource, "contacts": Contact, "corrections": Correction}


class Catalogue:
    """A loaded catalogue: its metadata, axes, actions and examples, with lookups by key."""

    __slots__ = ("_actions", "_axes", "_exemples", "actions", "axes", "exemples", "meta", "source_titles", "themes")

    def __init__(
        self,
        meta: dict[str, Any],
        axes: tuple[Axe, ...],
        actions: tuple[Action, ...],
        exemples: tuple[Exemple, ...],
        source_titles: dict[str, str] | None = None,
        themes: dict[str, str] | None = None,
    ):
        self.meta = meta
        self.source_titles = source_titles or {}  # source label -> the title in its [catalogue]
        self.themes = themes  # theme id -> label (None: read from thematiques.toml when needed)
        self.axes = axes
        self.actions = actions
        self.exemples = exemples
        self._axes = {a.id: a for a in axes}
        self._actions = {a.numero: a for a in actions}
        self._exemples = {e.id: e for e in exemples}

    def axe(self, axe_id: str) -> Axe:
        return self._axes[axe_id]

    def action(self, numero: int) -> Action:
        return self._actions[numero]

    def exemple(self, exemple_id: str) -> Exemple | None:
        return self._exemples.get(exemple_id)
