"""SQLite database that Datasette opens as is (`datasette qpv.db`).

One table per concept: `exemples` (the columns of `fields.columns()`, typed), `axes`,
`actions`, `partenaires` and the join table `exemple_partenaires`, with foreign keys so that
Datasette links them; full-text search on the text columns in the form Datasette detects (an
FTS5 table `exemples_fts` with `content=[exemples]`, accents ignored); a `metadata` table with
the source, the selection and the command that reproduces it.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from .. import __version__
from ..fields import FIELDS, columns
from . import Selection, export_date

# The text columns searched: the fields the search index reads (fields.Field.search).
SEARCHED = tuple(f.name for f in FIELDS if f.search and f.kind in ("texte", "textes", "tables"))
_FOREIGN = {"action_numero": "REFERENCES actions(numero)"}


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def write_file(selection: Selection, path: Path, **_options: bool) -> None:
    """The database, written to `path` (a new file)."""
    conn = sqlite3.connect(path)
    try:
        _write(conn, selection)
    finally:
        conn.close()


def render(selection: Selection) -> bytes:
    from . import render as render_format

    return render_format("sqlite", selection)


def _write(conn: sqlite3.Connection, selection: Selection) -> None:
    cat = selection.catalogue
    cols = columns()
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    defs = []
    for c in cols:
        kind = "INTEGER" if c.numeric or c.name in ("axe_numero", "action_numero") else "TEXT"
        extra = " PRIMARY KEY" if c.name == "id" else ""
        defs.append(f"{_q(c.name)} {kind}{extra} {_FOREIGN.get(c.name, '')}".rstrip())
    with conn:
        conn.execute("CREATE TABLE axes (id TEXT PRIMARY KEY, numero INTEGER NOT NULL, titre TEXT NOT NULL)")
        conn.execute(
            "CREATE TABLE actions (numero INTEGER PRIMARY KEY, axe TEXT NOT NULL REFERENCES axes(id),"
            " titre TEXT NOT NULL, sous_actions TEXT)"
        )
        conn.execute(f"CREATE TABLE exemples ({', '.join(defs)})")
        conn.execute("CREATE TABLE partenaires (id INTEGER PRIMARY KEY, nom TEXT NOT NULL UNIQUE)")
        conn.execute(
            "CREATE TABLE exemple_partenaires (exemple_id TEXT NOT NULL REFERENCES exemples(id),"
            " partenaire_id INTEGER NOT NULL REFERENCES partenaires(id), PRIMARY KEY (exemple_id, partenaire_id))"
        )
        conn.execute("CREATE TABLE metadata (cle TEXT PRIMARY KEY, valeur TEXT NOT NULL)")
        conn.executemany("INSERT INTO axes VALUES (?, ?, ?)", [(a.id, a.numero, a.titre) for a in cat.axes])
        conn.executemany(
            "INSERT INTO actions VALUES (?, ?, ?, ?)",
            [(a.numero, a.axe, a.titre, "\n".join(a.sous_actions) or None) for a in cat.actions],
        )
        insert = f"INSERT INTO exemples VALUES ({', '.join('?' for _ in cols)})"
        partners: dict[str, int] = {}
        for e in selection.exemples:
            conn.execute(insert, [None if (v := c.value(cat, e)) == "" else v for c in cols])
            for name in dict.fromkeys(e.partenaires):
                if name not in partners:
                    partners[name] = len(partners) + 1
                    conn.execute("INSERT INTO partenaires VALUES (?, ?)", (partners[name], name))
                conn.execute("INSERT INTO exemple_partenaires VALUES (?, ?)", (e.id, partners[name]))
        searched = ", ".join(_q(n) for n in SEARCHED)
        conn.execute(
            f"CREATE VIRTUAL TABLE exemples_fts USING fts5({searched}, content=[exemples],"
            " tokenize='unicode61 remove_diacritics 2')"
        )
        conn.execute("INSERT INTO exemples_fts (exemples_fts) VALUES ('rebuild')")
        meta = [
            ("titre", "Exemples — actions clés pour la résilience des quartiers prioritaires"),
            ("selection", selection.description()),
            ("commande", selection.command),
            ("exporte_le", export_date().isoformat()),
            ("qpv", __version__),
            *((f"source_{i}" if i else "source", s) for i, s in enumerate(selection.cited())),
        ]
        conn.executemany("INSERT INTO metadata VALUES (?, ?)", meta)
        conn.execute("CREATE INDEX exemples_action ON exemples(action_numero)")
        conn.execute("CREATE INDEX exemple_partenaires_partenaire ON exemple_partenaires(partenaire_id)")
