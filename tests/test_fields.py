"""The one description of a record (fields.py) agrees with what is published about it:
docs/data-model.md, docs/export.schema.json, the validator, the exports and the full view."""

from __future__ import annotations

import json
import re
from pathlib import Path

from qpvcli.fields import FIELDS, KINDS, REQUIRED, SUB_TABLES, columns, detail_rows
from qpvcli.validation import EXEMPLE_FIELDS, SUB_FIELDS

DOCS = Path(__file__).resolve().parents[1] / "docs"
SCHEMA = json.loads((DOCS / "export.schema.json").read_text(encoding="utf-8"))
# What the JSON export adds to a record: its axis, its source and, for a search, its score.
EXPORT_ONLY = {"axe", "source", "score"}
JSON_TYPES = {"entier": "integer", "booleen": "boolean", "textes": "array", "tables": "array"}


def documented_fields() -> list[str]:
    """The field names in the first column of the [[exemples]] table of data-model.md."""
    text = (DOCS / "data-model.md").read_text(encoding="utf-8")
    section = text.split("## `[[exemples]]`", 1)[1].split("\n#", 1)[0]
    names = []
    for line in section.splitlines():
        if line.startswith("| `"):
            names += re.findall(r"`([a-z_]+)`", line.split("|")[1])
    return names


def test_data_model_documents_every_field_once():
    documented = documented_fields()
    assert len(documented) == len(set(documented))
    assert set(documented) == {f.name for f in FIELDS}


def test_data_model_marks_required_fields():
    text = (DOCS / "data-model.md").read_text(encoding="utf-8")
    for name in REQUIRED:
        assert re.search(rf"^\| `{name}` \| [^|]*\*\*obligatoire\*\*", text, re.MULTILINE), name


def test_schema_has_every_field_and_nothing_else():
    exemple = SCHEMA["$defs"]["exemple"]
    assert set(exemple["properties"]) - EXPORT_ONLY == {f.name for f in FIELDS}
    assert set(exemple["required"]) - EXPORT_ONLY == set(REQUIRED)


def test_schema_types_follow_the_kinds():
    props = SCHEMA["$defs"]["exemple"]["properties"]
    for f in FIELDS:
        prop = props[f.name]
        if f.kind == "texte":
            strings = "enum" in prop and all(isinstance(v, str) for v in prop["enum"])
            assert prop.get("$ref") == "#/$defs/texte" or prop.get("type") == "string" or strings, f.name
        elif f.kind in JSON_TYPES:
            assert prop["type"] == JSON_TYPES[f.kind], f.name


def test_schema_sub_tables_follow_the_table():
    props = SCHEMA["$defs"]["exemple"]["properties"]
    for key, subs in SUB_TABLES.items():
        items = props[key]["items"]
        assert set(items["properties"]) == {s.name for s in subs}, key
        assert set(items.get("required", [])) == {s.name for s in subs if s.required}, key


def test_validator_reads_the_table():
    assert {name: check for name, check in EXEMPLE_FIELDS.items()} == {f.name: KINDS[f.kind] for f in FIELDS}
    assert {k: (allowed, required) for k, (_, allowed, required) in SUB_FIELDS.items()} == {
        k: ({s.name for s in subs}, {s.name for s in subs if s.required}) for k, subs in SUB_TABLES.items()
    }


def test_every_field_has_a_column_and_shown_fields_a_label(catalogue):
    names = [c.name for c in columns()]
    assert len(names) == len(set(names))
    assert {f.name for f in FIELDS} <= set(names)
    full = next(e for e in catalogue.exemples if e.id == "paris-ilots-de-fraicheur")
    labels = [label for label, _ in detail_rows(catalogue, full)]
    for f in FIELDS:
        if f.shown and f.name not in ("id", "titre") and getattr(full, f.name) not in (None, (), ""):
            assert f.label in labels, f.name


def test_schema_lists_the_cost_scopes_of_the_model():
    from qpvcli.model import COUT_PORTEES

    assert SCHEMA["$defs"]["exemple"]["properties"]["cout_portee"]["enum"] == list(COUT_PORTEES)
