"""TOML export: a valid catalogue file holding the selection, loadable again with --data."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import tomli_w

from ..fields import source_label
from ..sources import SCHEMA_VERSION
from . import Selection


def _plain(value: Any) -> Any:
    """Metadata as TOML can hold it (dates kept, anything exotic as text)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, str | int | float | bool | dt.date | dt.datetime | dt.time):
        return value
    return str(value)


def header(selection: Selection) -> dict[str, Any]:
    """The [catalogue] table, axes and actions of the selection (the records are streamed)."""
    cat = selection.catalogue
    used_actions = sorted({e.action for e in selection.exemples})
    used_axes = {cat.action(n).axe for n in used_actions}
    meta = {**_plain(cat.meta), "version_schema": SCHEMA_VERSION}
    meta["selection"] = selection.description()
    return {
        "catalogue": meta,
        "axes": [a.to_dict() for a in cat.axes if a.id in used_axes],
        "actions": [cat.action(n).to_dict() for n in used_actions],
    }


def document(selection: Selection) -> dict[str, Any]:
    return {**header(selection), "exemples": [e.to_dict() for e in selection.exemples]}


def _comment(text: str) -> str:
    # TOML comments may not hold control characters.
    return re.sub(r"[\x00-\x1f\x7f]", " ", text)


def _value(value: Any) -> str:
    """One TOML value as tomli-w writes it."""
    return tomli_w.dumps({"v": value}).split(" = ", 1)[1].strip()


def _inline(table: dict[str, Any]) -> str:
    return "{ " + ", ".join(f"{k} = {_value(v)}" for k, v in table.items()) + " }"


def record_lines(record: dict[str, Any]) -> list[str]:
    """A record's `key = value` lines, sub-records as inline tables, as in the bundled file."""
    lines = []
    for key, value in record.items():
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            lines.append(f"{key} = [")
            lines += [f"  {_inline(v)}," for v in value]
            lines.append("]")
        elif isinstance(value, dict):
            lines.append(f"{key} = {_inline(value)}")
        else:
            lines.append(f"{key} = {_value(value)}")
    return lines


def chunks(selection: Selection) -> Iterator[str]:
    """The catalogue, a record at a time."""
    doc = header(selection)
    out = [
        f"# Catalogue qpv exporté : {_comment(selection.description())}",
        f"# Pour le reproduire : {_comment(selection.command)}",
        *(f"# Source : {_comment(s)}" for s in selection.cited()),
        "",
    ]
    out += ["[catalogue]", *record_lines(doc["catalogue"]), ""]
    for table in ("axes", "actions"):
        for record in doc[table]:
            out += [f"[[{table}]]", *record_lines(record), ""]
    yield "\n".join(out)
    for e in selection.exemples:
        lines = []
        if e.source != "rapport":
            lines.append(f"# Source : {_comment(source_label(e, selection.catalogue))}")
        lines += ["[[exemples]]", *record_lines(e.to_dict()), ""]
        yield "\n" + "\n".join(lines)


def render(selection: Selection) -> str:
    return "".join(chunks(selection))
