"""Exporters: a selection of records -> Markdown, CSV, JSON or a TOML catalogue.

Every exporter takes the same `Selection` and returns bytes, ready for stdout or a file.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field

from ..model import Catalogue, Exemple

FORMATS = ("md", "csv", "json", "toml")


def export_date() -> dt.date:
    """Today, or SOURCE_DATE_EPOCH when set (reproducible exports, golden-file tests)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC).date()
    return dt.date.today()


@dataclass
class Selection:
    catalogue: Catalogue
    exemples: list[Exemple]
    query: str | None = None
    criteria: list[str] = field(default_factory=list)  # the filters, in words
    command: str = "qpv export"  # the command line that reproduces the selection
    scores: dict[str, float] = field(default_factory=dict)

    def description(self) -> str:
        parts = []
        if self.query:
            parts.append(f"recherche « {self.query} »")
        parts += self.criteria
        n = len(self.exemples)
        head = f"{n} exemple{'s' if n > 1 else ''}"
        return head + (" : " + " ; ".join(parts) if parts else " : tout le catalogue")


def render(fmt: str, selection: Selection, **options: bool) -> bytes:
    if fmt == "md":
        from . import md

        return md.render(selection, compact=options.get("compact", False)).encode("utf-8")
    if fmt == "csv":
        from . import csv

        return csv.render(selection, excel=options.get("excel", True), neutralise=options.get("neutralise", True))
    if fmt == "json":
        from . import json

        return json.render(selection).encode("utf-8")
    if fmt == "toml":
        from . import toml

        return toml.render(selection).encode("utf-8")
    raise ValueError(fmt)
