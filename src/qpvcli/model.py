"""Typed, immutable records of a catalogue: axes, key actions and examples."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

AXES = ("diagnostic", "cohesion", "habitabilite", "economie")

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


def _record_dict(obj: Any) -> dict[str, Any]:
    """Keys as in the catalogue file, empty values left out (a field the source lacks is absent)."""
    out: dict[str, Any] = {}
    for f in fields(obj):
        if f.metadata.get("internal"):
            continue
        value = getattr(obj, f.name)
        if value is None or value in ((), ""):
            continue
        if isinstance(value, tuple):
            value = [v.to_dict() if hasattr(v, "to_dict") else v for v in value]
        out[f.name] = value
    return out


@dataclass(frozen=True, slots=True)
class Axe:
    id: str
    numero: int
    titre: str

    def to_dict(self) -> dict[str, Any]:
        return _record_dict(self)


@dataclass(frozen=True, slots=True)
class Action:
    numero: int
    axe: str
    titre: str
    titre_variante: str | None = None
    sous_actions: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return _record_dict(self)


@dataclass(frozen=True, slots=True)
class Territoire:
    nom: str
    departement: str | None = None
    region: str | None = None
    pays: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return _record_dict(self)

    def __str__(self) -> str:
        return f"{self.nom} ({self.departement})" if self.departement else self.nom


@dataclass(frozen=True, slots=True)
class Ressource:
    url: str | None = None
    libelle: str | None = None
    fichier: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return _record_dict(self)

    def __str__(self) -> str:
        target = self.url or self.fichier or ""
        return f"{self.libelle} : {target}" if self.libelle else target


@dataclass(frozen=True, slots=True)
class Contact:
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


@dataclass(frozen=True, slots=True)
class Correction:
    champ: str
    avant: str
    apres: str
    raison: str

    def to_dict(self) -> dict[str, Any]:
        return _record_dict(self)


@dataclass(frozen=True, slots=True)
class Exemple:
    id: str
    action: int
    titre: str
    description: str
    titre_original: str | None = None
    partenaires: tuple[str, ...] = ()
    partenaires_texte: str | None = None
    echelle: str | None = None
    niveau: tuple[str, ...] = ()
    territoires: tuple[Territoire, ...] = ()
    methode: str | None = None
    resultats: str | None = None
    cout: str | None = None
    cout_eur: int | None = None
    duree: str | None = None
    annee_debut: int | None = None
    annee_fin: int | None = None
    en_cours: bool | None = None
    pilotage: str | None = None
    prise_en_main: str | None = None
    ressources: tuple[Ressource, ...] = ()
    contacts: tuple[Contact, ...] = ()
    credit_photo: str | None = None
    corrections: tuple[Correction, ...] = ()
    # Where the record was read from: "rapport" for the bundled catalogue, else a file path.
    source: str = field(default="rapport", compare=False, metadata={"internal": True})

    def to_dict(self) -> dict[str, Any]:
        """The record as it is written in a catalogue file (`niveau` a string when single)."""
        out = _record_dict(self)
        if len(self.niveau) == 1:
            out["niveau"] = self.niveau[0]
        return out

    @property
    def cout_tranche(self) -> str:
        return cost_band(self.cout_eur)


@dataclass(frozen=True)
class Catalogue:
    meta: dict[str, Any]
    axes: tuple[Axe, ...]
    actions: tuple[Action, ...]
    exemples: tuple[Exemple, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "_axes", {a.id: a for a in self.axes})
        object.__setattr__(self, "_actions", {a.numero: a for a in self.actions})
        object.__setattr__(self, "_exemples", {e.id: e for e in self.exemples})

    def axe(self, axe_id: str) -> Axe:
        return self._axes[axe_id]  # type: ignore[attr-defined]

    def action(self, numero: int) -> Action:
        return self._actions[numero]  # type: ignore[attr-defined]

    def exemple(self, exemple_id: str) -> Exemple | None:
        return self._exemples.get(exemple_id)  # type: ignore[attr-defined]

    def axe_of(self, exemple: Exemple) -> Axe:
        return self.axe(self.action(exemple.action).axe)
