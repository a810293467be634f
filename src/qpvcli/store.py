"""The catalogue as a SQLite database: records, filter tables, facets and the search index.

One database per set of sources, in the user's cache folder (see `cachefiles`), built once in
a single transaction into a temporary file and renamed into place, so that readers never see
a half-built store. It holds:

- `meta`: store format, program version, content key of the sources, their file-system
  signature, the catalogue's metadata and the title of each source;
- `axes`, `actions`: the table of contents;
- `exemples`: one row per record, the full record as JSON (`data`) beside the typed columns
  that filters and sorting need;
- `niveaux`, `partenaires` + `exemple_partenaires`, `territoires` + `exemple_territoires`:
  what filters and facets join on;
- `postings`, `vocabulaire`, `mots_longueur`, `synonymes`, `expansions`, `sujets`, `cles_libres`: the search index (see
  `search.index`).

Every read is a query: `show` reads one row, a search the postings of its terms.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from .fields import action_search_text, search_text_list
from .model import Action, Axe, Catalogue, Exemple
from .text import analyse, fold_text

if TYPE_CHECKING:
    from pathlib import Path

STORE_FORMAT = 37
APPLICATION_ID = 0x51505631  # "QPV1": a database of ours, not any SQLite file
# Pages of 16 KB rather than SQLite's 4 KB: a record (~2 KB of JSON) and a stem's postings take
# fewer pages; storing 100,000 records takes 1.1 s instead of 1.5 s (measured).
PAGE_SIZE = 16384

SCHEMA = """
CREATE TABLE meta (cle TEXT PRIMARY KEY, valeur TEXT NOT NULL);
CREATE TABLE axes (id TEXT PRIMARY KEY, numero INTEGER NOT NULL, data TEXT NOT NULL);
CREATE TABLE actions (numero INTEGER PRIMARY KEY, axe TEXT NOT NULL, data TEXT NOT NULL);
CREATE TABLE exemples (
    doc INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    action INTEGER NOT NULL,
    axe TEXT NOT NULL,
    source TEXT NOT NULL,
    titre_tri TEXT NOT NULL,
    cout_eur INTEGER,
    cout_total INTEGER,
    annee_debut INTEGER,
    data TEXT NOT NULL
);
CREATE TABLE niveaux (doc INTEGER NOT NULL, niveau TEXT NOT NULL);
CREATE TABLE thematiques (doc INTEGER NOT NULL, theme TEXT NOT NULL);
CREATE TABLE partenaires (partenaire INTEGER PRIMARY KEY, nom TEXT NOT NULL UNIQUE, mots TEXT NOT NULL);
CREATE TABLE exemple_partenaires (doc INTEGER NOT NULL, partenaire INTEGER NOT NULL, role TEXT NOT NULL);
CREATE TABLE territoires (
    territoire INTEGER PRIMARY KEY, nom TEXT NOT NULL, departement TEXT, region TEXT, pays TEXT,
    UNIQUE (nom, departement, region, pays)
);
CREATE TABLE exemple_territoires (doc INTEGER NOT NULL, territoire INTEGER NOT NULL);
"""
# The search index's tables (see `search.index`), which a parallel build fills in a file of its own.
INDEX_SCHEMA = """
CREATE TABLE postings (stem TEXT NOT NULL, segment INTEGER NOT NULL, docs BLOB NOT NULL, impacts BLOB NOT NULL,
    masks BLOB NOT NULL);
CREATE TABLE vocabulaire (mot TEXT PRIMARY KEY, stem TEXT NOT NULL, df INTEGER NOT NULL, longueur INTEGER NOT NULL,
    son TEXT) WITHOUT ROWID;
CREATE TABLE mots_longueur (longueur INTEGER PRIMARY KEY, mots TEXT NOT NULL);
CREATE TABLE synonymes (stem TEXT NOT NULL, autre TEXT NOT NULL);
CREATE TABLE expansions (cle TEXT NOT NULL, stems TEXT NOT NULL, comment TEXT NOT NULL);
CREATE TABLE sujets (cle TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE cles_libres (cle TEXT PRIMARY KEY) WITHOUT ROWID;
"""
# The records' indexes are made once their rows are in, as soon as the last record is stored
# (`Writer.finish`): made at the end, they cost 0.3 s at 100,000 records against 0.8 s kept up
# to date row by row (measured with 16 KB pages), and in a parallel build that end is
# overlapped by the second process writing its last segment and its vocabulary. Those of the
# search index are made once its rows are in (by the second process, in its own file, for a
# parallel build).
INDEXES = """
CREATE INDEX niveaux_niveau ON niveaux (niveau, doc);
CREATE INDEX thematiques_theme ON thematiques (theme, doc);
CREATE INDEX exemple_partenaires_partenaire ON exemple_partenaires (partenaire, doc);
CREATE INDEX exemple_partenaires_doc ON exemple_partenaires (doc);
CREATE INDEX exemple_territoires_territoire ON exemple_territoires (territoire, doc);
CREATE INDEX exemple_territoires_doc ON exemple_territoires (doc);
CREATE INDEX territoires_departement ON territoires (departement);
CREATE INDEX exemples_action ON exemples (action, doc);
CREATE INDEX exemples_cout_total ON exemples (cout_total, doc);
CREATE INDEX exemples_annee_debut ON exemples (annee_debut, doc);
CREATE INDEX exemples_cout_eur ON exemples (cout_eur, doc);
"""
SEARCH_INDEXES = """
CREATE UNIQUE INDEX postings_stem ON postings (stem, segment);
CREATE INDEX vocabulaire_longueur ON vocabulaire (longueur);
CREATE INDEX vocabulaire_son ON vocabulaire (son);
CREATE INDEX synonymes_stem ON synonymes (stem);
CREATE INDEX expansions_cle ON expansions (cle);
"""


try:  # the C scanner of the json module, without the module (see `loads`)
    from _json import make_scanner as _make_scanner
except ImportError:  # pragma: no cover - other interpreters
    _make_scanner = None


class _JsonDefaults:
    """What the json module's C scanner reads of a decoder: the settings of `json.loads`."""

    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    parse_constant = {"-Infinity": float("-inf"), "Infinity": float("inf"), "NaN": float("nan")}.__getitem__


_scan = _make_scanner(_JsonDefaults) if _make_scanner is not None else None


def loads(text: str) -> Any:
    """`json.loads` of what the store holds, without importing json (~1 ms at every start: its
    three modules compile six regular expressions): the scanner json.loads itself runs, with its
    settings, for a text that is one JSON value and nothing else; anything else (a damaged row)
    goes to json.loads, which says what is wrong as it always does."""
    if _scan is not None and type(text) is str:
        try:
            value, end = _scan(text, 0)
        except (StopIteration, ValueError):
            pass
        else:
            if end == len(text):
                return value
    import json

    return json.loads(text)


_ENCODE = None


def _encode(value: Any) -> str:
    """JSON of a record as the store keeps it (one encoder for every record: json.dumps with an
    option builds a new one at each call)."""
    global _ENCODE
    if _ENCODE is None:
        import json

        _ENCODE = json.JSONEncoder(ensure_ascii=False).encode
    return _ENCODE(value)


class DamagedStore(Exception):
    """The database is not one of ours, or not whole: it must be rebuilt, never trusted."""


def sort_title(titre: str) -> str:
    """The key `--tri titre` sorts on: accents and leading quotes or brackets ignored."""
    return fold_text(titre).lstrip("«»\"'“” ([-")  # not `fold`: titles would fill its cache


# ---------------------------------------------------------------------------- writing


class Writer:
    """Fills an empty database, record by record, then writes the index (one transaction)."""

    BATCH = 2000

    def __init__(self, conn: sqlite3.Connection, parallel: Path | None = None):
        """`parallel`: a scratch file for the index built in a second process (ParallelIndex),
        for large catalogues; None builds it here."""
        from .fields import theme_search_text
        from .search.index import IndexBuilder, ParallelIndex
        from .thematiques import load as load_themes

        self.conn = conn
        conn.execute("PRAGMA journal_mode = OFF")  # a new file renamed into place once whole
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        conn.execute(f"PRAGMA user_version = {STORE_FORMAT}")
        conn.executescript(SCHEMA + INDEX_SCHEMA)
        conn.execute("BEGIN")
        self.index = IndexBuilder(conn) if parallel is None else ParallelIndex(parallel, INDEX_SCHEMA, SEARCH_INDEXES)
        self.doc = 0
        self.partenaires: dict[str, int] = {}
        self.territoires: dict[tuple[str, str | None, str | None, str | None], int] = {}
        self.action_texts: dict[int, str] = {}
        self.theme_texts = {t.id: theme_search_text(t) for t in load_themes().values()}
        self.rows: dict[str, list[tuple[Any, ...]]] = {
            "exemples": [],
            "niveaux": [],
            "thematiques": [],
            "exemple_partenaires": [],
            "exemple_territoires": [],
        }

    def add(self, ex: Exemple, raw: dict[str, Any], actions: dict[int, Action], axes: dict[str, Axe]) -> None:
        """One validated record; `raw` is its checked TOML table, stored as is."""
        doc = self.doc
        self.doc += 1
        action = actions[ex.action]
        data = _encode({**raw, "source": ex.source})
        rows = self.rows
        row = (
            *(doc, ex.id, ex.action, action.axe, ex.source, sort_title(ex.titre)),
            *(ex.cout_eur, ex.cout_total, ex.annee_debut, data),
        )
        rows["exemples"].append(row)
        rows["niveaux"] += [(doc, n) for n in ex.niveau]
        rows["thematiques"] += [(doc, t) for t in ex.thematiques]
        names = [(p, "partenaire") for p in dict.fromkeys(ex.partenaires)]
        if ex.pilotage:
            names.append((ex.pilotage, "pilotage"))
        for name, role in names:
            pid = self.partenaires.get(name)
            if pid is None:
                pid = self.partenaires[name] = len(self.partenaires)
            rows["exemple_partenaires"].append((doc, pid, role))
        for t in dict.fromkeys(ex.territoires):
            key = (t.nom, t.departement, t.region, t.pays)
            tid = self.territoires.get(key)
            if tid is None:
                tid = self.territoires[key] = len(self.territoires)
            rows["exemple_territoires"].append((doc, tid))
        text = self.action_texts.get(ex.action)
        if text is None:
            text = self.action_texts[ex.action] = action_search_text(action, axes[action.axe])
        self.index.add_texts(search_text_list(ex, text, self.theme_texts))
        if len(rows["exemples"]) >= self.BATCH:
            self._flush()

    def _flush(self) -> None:
        sql = {
            "exemples": "INSERT INTO exemples VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            "niveaux": "INSERT INTO niveaux VALUES (?, ?)",
            "thematiques": "INSERT INTO thematiques VALUES (?, ?)",
            "exemple_partenaires": "INSERT INTO exemple_partenaires VALUES (?, ?, ?)",
            "exemple_territoires": "INSERT INTO exemple_territoires VALUES (?, ?)",
        }
        for table, rows in self.rows.items():
            if rows:
                self.conn.executemany(sql[table], rows)
                rows.clear()

    def close(self) -> None:
        """Stop a parallel index build that is still running (after an error), remove its file."""
        self.index.close()

    def finish(self, catalogue: Catalogue, meta: dict[str, str]) -> None:
        """The table of contents, the filter tables, the index and the metadata; commit."""
        import json

        from .thematiques import load as load_themes

        self._flush()
        self.index.end()
        conn = self.conn
        conn.executescript(INDEXES)
        conn.executemany(
            "INSERT INTO axes VALUES (?, ?, ?)",
            [(a.id, a.numero, json.dumps(a.to_dict(), ensure_ascii=False)) for a in catalogue.axes],
        )
        conn.executemany(
            "INSERT INTO actions VALUES (?, ?, ?)",
            [(a.numero, a.axe, json.dumps(a.to_dict(), ensure_ascii=False)) for a in catalogue.actions],
        )
        conn.executemany(
            "INSERT INTO partenaires VALUES (?, ?, ?)",
            ((pid, name, " ".join(analyse(name))) for name, pid in self.partenaires.items()),
        )
        conn.executemany(
            "INSERT INTO territoires VALUES (?, ?, ?, ?, ?)", ((t, *k) for k, t in self.territoires.items())
        )
        values = {
            **meta,
            "catalogue": json.dumps(catalogue.meta, ensure_ascii=False, default=str),
            "titres_sources": json.dumps(catalogue.source_titles, ensure_ascii=False),
            "thematiques": json.dumps({t.id: t.libelle for t in load_themes().values()}, ensure_ascii=False),
            "textes_thematiques": json.dumps(self.theme_texts, ensure_ascii=False),
            "exemples": str(self.doc),
        }
        conn.executemany("INSERT INTO meta VALUES (?, ?)", values.items())
        # The facets of the whole catalogue, counted once here: `qpv facettes` reads them.
        from .selection import facets

        store = Store(conn)
        conn.execute(
            "INSERT INTO meta VALUES ('facettes', ?)", (json.dumps(facets(store, "", []), ensure_ascii=False),)
        )
        self.index.write(conn, SEARCH_INDEXES)
        conn.commit()


# ---------------------------------------------------------------------------- reading


class Store:
    """An open store: the table of contents in memory, records and index read on demand."""

    def __init__(self, conn: sqlite3.Connection, path: str | None = None):
        self.conn = conn
        self.path = path  # None: in memory
        try:
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if app_id != APPLICATION_ID or version != STORE_FORMAT:
                raise DamagedStore
            self.meta = dict(conn.execute("SELECT cle, valeur FROM meta"))
            self.catalogue = Catalogue(
                loads(self.meta["catalogue"]),
                tuple(Axe(**loads(d)) for (d,) in conn.execute("SELECT data FROM axes ORDER BY numero")),
                tuple(_action(loads(d)) for (d,) in conn.execute("SELECT data FROM actions ORDER BY numero")),
                (),
                loads(self.meta["titres_sources"]),
                loads(self.meta["thematiques"]),
            )
            self.count = int(self.meta["exemples"])
        except (sqlite3.DatabaseError, KeyError, ValueError, TypeError) as err:
            raise DamagedStore from err

    def close(self) -> None:
        self.conn.close()

    def hold_reads(self) -> None:
        """Read a store file in one read transaction from now on: SQLite takes its shared lock
        and checks the file (journal, change counter) once, not at each query (a search makes
        ~40: ~0.4 ms of system calls), and every read sees one state of the store. For a short
        run (one command): a program that keeps the store open for long should not, as the
        shared lock would keep another qpv's re-signature of the store waiting (`cache._resign`)."""
        if self.path is not None and not self.conn.in_transaction:
            self.conn.execute("BEGIN")

    # -- records

    def exemple(self, id: str) -> Exemple | None:
        row = self.conn.execute("SELECT data FROM exemples WHERE id = ?", (id,)).fetchone()
        return None if row is None else _decode(row[0])

    def exemples_by_doc(self, docs: Sequence[int]) -> dict[int, Exemple]:
        out: dict[int, Exemple] = {}
        for start in range(0, len(docs), 500):
            chunk = list(docs[start : start + 500])
            marks = ",".join("?" * len(chunk))
            for doc, data in self.conn.execute(f"SELECT doc, data FROM exemples WHERE doc IN ({marks})", chunk):
                out[doc] = _decode(data)
        return out

    def ids(self) -> list[str]:
        return [i for (i,) in self.conn.execute("SELECT id FROM exemples ORDER BY doc")]

    def iter_exemples(self, where: str = "", params: Sequence[Any] = (), order: str = "doc") -> Iterator[Exemple]:
        """Records in order, decoded one at a time from a cursor: memory does not grow with
        the catalogue."""
        sql = f"SELECT data FROM exemples e {'WHERE ' + where if where else ''} ORDER BY {order}"
        for (data,) in self.conn.execute(sql, params):
            yield _decode(data)

    def docs(self, where: str = "", params: Sequence[Any] = ()) -> set[int]:
        sql = f"SELECT doc FROM exemples e {'WHERE ' + where if where else ''}"
        return {d for (d,) in self.conn.execute(sql, params)}

    def count_where(self, where: str = "", params: Sequence[Any] = ()) -> int:
        sql = f"SELECT count(*) FROM exemples e {'WHERE ' + where if where else ''}"
        return self.conn.execute(sql, params).fetchone()[0]

    # -- filter tables

    def partner_names(self) -> Iterable[tuple[int, str, str]]:
        return self.conn.execute("SELECT partenaire, nom, mots FROM partenaires")

    def places(self) -> Iterable[tuple[int, str, str | None, str | None, str | None]]:
        return self.conn.execute("SELECT territoire, nom, departement, region, pays FROM territoires")

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self.conn.execute(sql, params).fetchall()


def _action(data: dict[str, Any]) -> Action:
    return Action(**{**data, "sous_actions": tuple(data.get("sous_actions", ()))})


def _decode(data: str) -> Exemple:
    try:
        return Exemple.from_dict(loads(data))
    except (ValueError, TypeError, KeyError) as err:
        raise DamagedStore from err


def connect(path: str | None) -> sqlite3.Connection:
    """A connection to a store file (read-only) or a new in-memory database."""
    if path is None:
        return sqlite3.connect(":memory:", check_same_thread=False)
    from pathlib import Path

    return sqlite3.connect(Path(path).as_uri() + "?mode=ro", uri=True, check_same_thread=False)
