"""JSON export: metadata, schema version, the selection, and the records (docs/export.schema.json)."""

from __future__ import annotations

import json

from .. import __version__
from ..sources import SCHEMA_VERSION
from . import Selection, export_date


def document(selection: Selection) -> dict:
    cat = selection.catalogue
    used_actions = sorted({e.action for e in selection.exemples})
    used_axes = {cat.action(n).axe for n in used_actions}
    records = []
    for e in selection.exemples:
        record = {"axe": cat.action(e.action).axe, **e.to_dict(), "source": e.source}
        if e.id in selection.scores:
            record["score"] = round(selection.scores[e.id], 4)
        records.append(record)
    return {
        "version_schema": SCHEMA_VERSION,
        "qpv": __version__,
        "exporte_le": export_date().isoformat(),
        "catalogue": cat.meta,
        "selection": {
            "description": selection.description(),
            "requete": selection.query,
            "filtres": selection.criteria,
            "commande": selection.command,
            "nombre": len(selection.exemples),
        },
        "axes": [a.to_dict() for a in cat.axes if a.id in used_axes],
        "actions": [cat.action(n).to_dict() for n in used_actions],
        "exemples": records,
    }


def render(selection: Selection) -> str:
    # allow_nan=False: a NaN would make the file invalid JSON for other tools.
    return json.dumps(document(selection), ensure_ascii=False, indent=2, allow_nan=False, default=str) + "\n"
