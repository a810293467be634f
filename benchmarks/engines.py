"""Reference search engines on the same synthetic records: bare SQLite FTS5 and tantivy.

Run:  python benchmarks/engines.py [--n 100000] [--file CATALOGUE.toml] [--workdir /tmp/qpv-engines]
                                   [--engines sqlite tantivy] [--json FILE]
Needs `pip install tantivy` for the tantivy engine (imported only in its own processes).

Both engines index the same four fields of each record and store only its id:
- title: titre; partners: partenaires; places: territoires' names, département and région
  names, echelle; body: description, méthode, résultats;
- weights title 5 > partners 3 > places 2 > body 1 (FTS5: bm25() column weights; tantivy: boosts
  of each field's BM25 score);
- words are runs of letters and digits, lower-cased, accents removed (FTS5: unicode61
  remove_diacritics 2; tantivy: simple tokenizer + lowercase + ascii_fold), no stemming;
- a query's words must all match (in any field); the last one as a prefix when it has 3
  letters or more (FTS5: "word"*, every expansion; tantivy: the 64 expansions of the term
  dictionary with the most documents, per field, as term queries).
Top 10 ids are returned.

Each step runs in its own process so that its peak memory (ru_maxrss) is its own:
- parse: read the TOML record by record (tomli) and extract the fields, nothing else;
- build: parse + build the on-disk index (FTS5: one transaction, then 'optimize'; tantivy: one
  writer, commit, wait for merges);
- cold: `python -c` opening the on-disk index and running one query, median of 7 (wall time
  includes the interpreter start: the `python -c pass` row is the floor);
- warm: one process runs the query list once to warm up, then 5 passes: median and p95.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from scale import cold_runs, latency_ms, peak_mb, timed_process  # noqa: E402

COLD_QUERY = "îlots de fraîcheur"
QUERIES = [
    # the field's own words and phrases
    "îlots de fraîcheur",
    "jardin partagé",
    "vélo",
    "concierge",
    "punaises de lit",
    "participation citoyenne",
    "insertion professionnelle",
    "végétalisation",
    "eaux pluviales",
    "économie sociale et solidaire",
    "recyclerie",
    "npnru",
    # very common words, alone and together
    "de",
    "la",
    "les habitants",
    "quartier",
    "quartiers prioritaires",
    "association",
    "régie de quartier",
    "office public de l'habitat",
    "saint",
    # places and organisations
    "ademe",
    "cerema",
    "seine-saint-denis",
    "Île-de-France",
    # prefixes of a word being typed
    "végéta",
    "concier",
    "biodiversité urb",
    # nothing
    "zorglub",
]
N_RARE = 4  # plus rare words of the file itself (see rare_words)

FIELDS = ("title", "partners", "places", "body")
WEIGHTS = (5.0, 3.0, 2.0, 1.0)


# ---- records ---------------------------------------------------------------------------


def toml_loads():
    try:
        import tomli

        return tomli.loads
    except ImportError:
        import tomllib

        return tomllib.loads


def iter_tables(path: Path) -> Iterator[dict]:
    """Each [[exemples]] table of the file as parsed, one table at a time so that memory does
    not grow with the file."""
    loads = toml_loads()
    block: list[str] = []

    def flush() -> Iterator[dict]:
        if block and block[0].strip() == "[[exemples]]":
            yield from loads("".join(block))["exemples"]

    with path.open(encoding="utf-8") as f:
        for line in f:
            if line.startswith("[") and line.lstrip("[").split("]")[0].strip() in ("exemples", "catalogue", "axes"):
                yield from flush()
                block = []
            block.append(line)
    yield from flush()


def fields_of(r: dict) -> tuple[str, str, str, str, str]:
    """(id, title, partners, places, body) of a parsed record."""
    places = [v for t in r.get("territoires", ()) for v in (t.get("nom"), t.get("region"), t.get("pays")) if v]
    if r.get("echelle"):
        places.append(r["echelle"])
    body = " ".join(r.get(k, "") for k in ("description", "methode", "resultats"))
    return r["id"], r["titre"], " ; ".join(r.get("partenaires", ())), " ; ".join(places), body


def iter_records(path: Path) -> Iterator[tuple[str, str, str, str, str]]:
    """(id, title, partners, places, body) of each [[exemples]], streamed."""
    return map(fields_of, iter_tables(path))


def rare_words(path: Path, k: int = N_RARE) -> list[str]:
    """A few rare words of the file: the longest word of the description of k fixed records."""
    picks, wanted = [], {7, 1234, 31337, 77777, 250001, 999}
    for i, rec in enumerate(iter_records(path)):
        if i in wanted:
            picks.append(max(re.findall(r"\w+", rec[4]), key=len))
            if len(picks) == k:
                break
    return picks


# ---- engines ---------------------------------------------------------------------------
# Each engine's query code is a self-contained source text: the cold one-query process runs it
# with `python -c`, the warm process execs the same text.

SQLITE_CODE = r"""
import re, sqlite3

def open_index(path):
    return sqlite3.connect(path)

def match(q):
    # The FTS5 query of what was typed: every word, the last as a prefix from 3 letters.
    words = re.findall(r"\w+", q)
    terms = ['"%s"' % w for w in words]
    if words and len(words[-1]) >= 3:
        terms[-1] += "*"
    return " ".join(terms)

def search(db, q, limit=10):
    if not match(q):
        return []
    rows = db.execute(
        "SELECT ids.id FROM (SELECT rowid FROM docs WHERE docs MATCH ? ORDER BY rank LIMIT ?) AS hit"
        " JOIN ids ON ids.rowid = hit.rowid",
        (match(q), limit),
    ).fetchall()
    return [r[0] for r in rows]
"""

TANTIVY_CODE = r"""
import tantivy
from tantivy import Occur, Query

BOOSTS = {"title": 5.0, "partners": 3.0, "places": 2.0, "body": 1.0}
EXPANSIONS = 64

def analyzer():
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(40))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
        .build()
    )

def open_index(path):
    index = tantivy.Index.open(path)
    index.register_tokenizer("fr", analyzer())
    return index, index.searcher(), analyzer()

def search(handle, q, limit=10):
    index, searcher, an = handle
    schema = index.schema
    words = an.analyze(q)
    if not words:
        return []
    must = []
    for i, w in enumerate(words):
        should = []
        for field, boost in BOOSTS.items():
            if i == len(words) - 1 and len(w) >= 3:
                found = searcher.terms_with_prefix(field, w)
                found.sort(key=lambda t: -t[1])
                terms = [t for t, _ in found[:EXPANSIONS]]
            else:
                terms = [w]
            should += [Query.boost_query(Query.term_query(schema, field, t), boost) for t in terms]
        if not should:
            return []
        must.append((Occur.Must, Query.boolean_query([(Occur.Should, s) for s in should])))
    hits = searcher.search(Query.boolean_query(must), limit, count=False).hits
    return [searcher.doc(a)["id"][0] for _, a in hits]
"""

ENGINES = {"sqlite": SQLITE_CODE, "tantivy": TANTIVY_CODE}


def index_path(engine: str, workdir: Path) -> Path:
    return workdir / ("fts5.sqlite" if engine == "sqlite" else "tantivy")


def build_sqlite(path: Path, out: Path, records: bool = False) -> None:
    """The FTS5 index (contentless) and the ids; with `records`, each record's JSON too, in a
    `records` table of the same database (rowid = the index's rowid)."""
    import sqlite3

    out.unlink(missing_ok=True)
    db = sqlite3.connect(out)
    db.executescript(
        """
        CREATE TABLE ids (rowid INTEGER PRIMARY KEY, id TEXT NOT NULL);
        CREATE VIRTUAL TABLE docs USING fts5(
            title, partners, places, body, content='', tokenize='unicode61 remove_diacritics 2'
        );
        """
    )
    weights = ", ".join(map(str, WEIGHTS))
    db.execute("INSERT INTO docs(docs, rank) VALUES ('rank', ?)", (f"bm25({weights})",))
    if records:
        db.execute("CREATE TABLE records (rowid INTEGER PRIMARY KEY, json TEXT NOT NULL)")
    with db:
        for rowid, table in enumerate(iter_tables(path), 1):
            rid, *fields = fields_of(table)
            db.execute("INSERT INTO ids VALUES (?, ?)", (rowid, rid))
            db.execute(
                "INSERT INTO docs(rowid, title, partners, places, body) VALUES (?, ?, ?, ?, ?)", (rowid, *fields)
            )
            if records:
                db.execute(
                    "INSERT INTO records VALUES (?, ?)", (rowid, json.dumps(table, ensure_ascii=False, default=str))
                )
    with db:
        db.execute("INSERT INTO docs(docs) VALUES ('optimize')")
    db.execute("VACUUM")
    db.close()


def build_tantivy(path: Path, out: Path, records: Path | None = None) -> None:
    """The tantivy index in the folder `out`; with `records`, each record's JSON in that SQLite
    file beside it (table records: id primary key, json)."""
    import sqlite3

    import tantivy

    ns: dict = {}
    exec(TANTIVY_CODE, ns)
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw", index_option="basic")
    for field in FIELDS:
        builder.add_text_field(field, stored=False, tokenizer_name="fr", index_option="position")
    schema = builder.build()
    index = tantivy.Index(schema, path=str(out), reuse=False)
    index.register_tokenizer("fr", ns["analyzer"]())
    writer = index.writer(heap_size=256_000_000)
    db = None
    if records is not None:
        records.unlink(missing_ok=True)
        db = sqlite3.connect(records)
        db.execute("CREATE TABLE records (id TEXT PRIMARY KEY, json TEXT NOT NULL)")
        db.execute("BEGIN")
    for table in iter_tables(path):
        rid, *fields = fields_of(table)
        writer.add_document(tantivy.Document(id=rid, **dict(zip(FIELDS, fields, strict=True))))
        if db is not None:
            db.execute("INSERT INTO records VALUES (?, ?)", (rid, json.dumps(table, ensure_ascii=False, default=str)))
    writer.commit()
    writer.wait_merging_threads()
    if db is not None:
        db.commit()
        db.close()


def disk_size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


# ---- steps (each in its own process) ---------------------------------------------------


def child(step: str, engine: str, path: Path, workdir: Path) -> dict:
    out = index_path(engine, workdir)
    start = time.perf_counter()
    if step == "parse":
        n = sum(1 for _ in iter_records(path))
        return {"seconds": time.perf_counter() - start, "peak_mb": peak_mb(), "records": n}
    if step == "build":
        (build_sqlite if engine == "sqlite" else build_tantivy)(path, out)
        return {"seconds": time.perf_counter() - start, "peak_mb": peak_mb(), "bytes": disk_size(out)}
    if step == "warm":
        ns: dict = {}
        exec(ENGINES[engine], ns)
        handle = ns["open_index"](str(out))
        queries = QUERIES + rare_words(path)
        hits = {q: ns["search"](handle, q) for q in queries}  # warm-up
        times = []
        for _ in range(5):
            for q in queries:
                t = time.perf_counter()
                ns["search"](handle, q)
                times.append(time.perf_counter() - t)
        return {**latency_ms(times), "peak_mb": peak_mb(), "queries": len(queries), "hits": hits}
    raise ValueError(step)


def run_child(step: str, engine: str, path: Path, workdir: Path) -> dict:
    argv = [sys.executable, __file__, "--child", step, engine, str(path), "--workdir", str(workdir)]
    out = subprocess.run(argv, capture_output=True, text=True, check=False)
    if out.returncode:
        sys.exit(f"{step} {engine} failed:\n{out.stderr}")
    return json.loads(out.stdout)


def cold(engine: str, workdir: Path, runs: int = 7) -> dict:
    code = ENGINES[engine] + f"\nprint(search(open_index({str(index_path(engine, workdir))!r}), {COLD_QUERY!r}))\n"
    return cold_runs([sys.executable, "-c", code], None, runs)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100000)
    parser.add_argument("--file", type=Path, help="a catalogue to reuse (default: generate WORKDIR/synthetique-N.toml)")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/qpv-engines"))
    parser.add_argument("--engines", nargs="+", default=list(ENGINES), choices=list(ENGINES))
    parser.add_argument("--json", type=Path)
    parser.add_argument("--child", nargs=3, metavar=("STEP", "ENGINE", "FILE"))
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    if args.child:
        step, engine, file = args.child
        print(json.dumps(child(step, engine, Path(file), args.workdir), ensure_ascii=False))
        return

    path = args.file
    if path is None:
        path = args.workdir / f"synthetique-{args.n}.toml"
        if not path.exists():
            from synthetic import write

            t = time.perf_counter()
            with path.open("w", encoding="utf-8", buffering=1 << 20) as f:
                write(f, args.n)
            print(f"generated {path} in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    parse = run_child("parse", "sqlite", path, args.workdir)
    print(f"parse: {parse}", file=sys.stderr)
    floor = statistics.median(timed_process([sys.executable, "-c", "pass"])[0] for _ in range(7))
    results = {}
    for engine in args.engines:
        build = run_child("build", engine, path, args.workdir)
        print(f"{engine} build: {build}", file=sys.stderr)
        one = cold(engine, args.workdir)
        print(f"{engine} cold: {one}", file=sys.stderr)
        warm = run_child("warm", engine, path, args.workdir)
        print(f"{engine} warm: { {k: v for k, v in warm.items() if k != 'hits'} }", file=sys.stderr)
        results[engine] = {"build": build, "cold": one, "warm": warm}

    n = parse["records"]
    size = path.stat().st_size
    count = f"{n:,}".replace(",", "\u202f")
    print(
        f"{count} exemples ({size / 1e6:.0f} Mo de TOML, {path.name}) ; Python {sys.version.split()[0]}, "
        f"{os.cpu_count()} cœurs ; lecture du TOML seule : {parse['seconds']:.1f} s, {parse['peak_mb']:.0f} Mo ; "
        f"`python -c pass` : {1000 * floor:.0f} ms\n"
    )
    names = {"sqlite": "SQLite FTS5 (unicode61, bm25)", "tantivy": "tantivy (Python)"}
    print(
        "| moteur | construction (lecture comprise) | mémoire max (construction) | index sur disque "
        f"| requête à froid (`python -c`, « {COLD_QUERY} ») | mémoire max (à froid) "
        f"| requête : médiane | requête : p95 | mémoire max (requêtes) |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for engine, r in results.items():
        b, c, w = r["build"], r["cold"], r["warm"]
        print(
            f"| {names[engine]} | {b['seconds']:.1f} s | {b['peak_mb']:.0f} Mo | {b['bytes'] / 1e6:.0f} Mo "
            f"| {1000 * c['median_s']:.0f} ms | {c['peak_mb']:.0f} Mo | {w['median_ms']:.2f} ms | {w['p95_ms']:.2f} ms "
            f"| {w['peak_mb']:.0f} Mo |"
        )
    print(f"\n{results[next(iter(results))]['warm']['queries']} requêtes × 5 passes après une passe de chauffe.")
    if len(results) == 2:
        a, b = (r["warm"]["hits"] for r in results.values())
        shared = [len(set(a[q]) & set(b[q])) / max(len(a[q]), len(b[q])) for q in a if a[q] or b[q]]
        print(
            f"Mêmes fiches dans les 10 premiers résultats des deux moteurs : {100 * statistics.mean(shared):.0f} % en moyenne."
        )
    if args.json:
        doc = {"file": str(path), "bytes": size, "parse": parse, "python_pass_s": floor, "engines": results}
        args.json.write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
