"""Search tests on the report, or on small catalogues written for one rule."""

from __future__ import annotations

import tomllib
from pathlib import Path

import tomli_w

from qpvcli.api import Qpv
from qpvcli.sources import bundled_text

REPORT = tomllib.loads(bundled_text())


def ids(qpv: Qpv, query: str, n: int = 10, **filters) -> list[str]:
    """The ids of the first `n` results of a search, with filters (api names) if given."""
    f = qpv.filtres(**filters) if filters else None
    return [h.exemple.id for h in qpv.search(query, f, limit=n).hits]


def small(tmp_path: Path, *records: dict) -> Qpv:
    """A catalogue of a few records on the report's actions, without the report."""
    data = {"catalogue": {"version_schema": 1}, "axes": REPORT["axes"], "actions": REPORT["actions"]}
    data["exemples"] = list(records)
    path = tmp_path / "petit.toml"
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    return Qpv.open([path], with_report=False, use_cache=False)
