"""JSON export: metadata, schema version, the selection, and the records (docs/export.schema.json)."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterator

from .. import __version__
from ..model import Exemple
from ..sources import SCHEMA_VERSION
from . import Selection, export_date


def _used(selection: Selection) -> tuple[list, list]:
    """The axes and actions the selected records belong to, in the report's order."""
    cat = selection.catalogue
    used_actions = sorted({e.action for e in selection.exemples})
    used_axes = {cat.action(n).axe for n in used_actions}
    return [a.to_dict() for a in cat.axes if a.id in used_axes], [cat.action(n).to_dict() for n in used_actions]


def record(selection: Selection, e: Exemple) -> dict:
    out = {"axe": selection.catalogue.action(e.action).axe, **e.to_dict(), "source": e.source}
    if e.id in selection.scores:
        out["score"] = round(selection.scores[e.id], 4)
    return out


def head(selection: Selection) -> dict:
    """Everything but the records."""
    axes, actions = _used(selection)
    return {
        "version_schema": SCHEMA_VERSION,
        "qpv": __version__,
        "exporte_le": export_date().isoformat(),
        "catalogue": selection.catalogue.meta,
        "selection": {
            "description": selection.description(),
            "requete": selection.query,
            "filtres": selection.criteria,
            "commande": selection.command,
            "nombre": len(selection),
            "sources": selection.cited(),
        },
        "axes": axes,
        "actions": actions,
    }


def document(selection: Selection) -> dict:
    return {**head(selection), "exemples": [record(selection, e) for e in selection.exemples]}


def _dumps(value) -> str:
    # allow_nan=False: a NaN would make the file invalid JSON for other tools.
    return json.dumps(value, ensure_ascii=False, indent=2, allow_nan=False, default=str)


def chunks(selection: Selection) -> Iterator[str]:
    """The document, the records written one at a time (the same text as `_dumps(document())`)."""
    top = _dumps({**head(selection), "exemples": []})
    assert top.endswith('"exemples": []\n}')
    yield top[: -len("[]\n}")]
    first = True
    for e in selection.exemples:
        yield ("[\n" if first else ",\n") + textwrap.indent(_dumps(record(selection, e)), "    ")
        first = False
    yield "[]\n}\n" if first else "\n  ]\n}\n"


def render(selection: Selection) -> str:
    return "".join(chunks(selection))
