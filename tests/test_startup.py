"""Start-up stays lean: the tricks that hold it are checked here, not remembered.

Each case runs the real CLI in a fresh interpreter (the store already built, as on any run but
the first) and lists the heavy modules it imported: rich only on a terminal, rapidfuzz only for
typos and suggestions, the TOML parser and validator only when the store must be (re)built,
the search package only for a search, the départements only for what names them, the json
package only to write JSON (the store's JSON is read by its C scanner alone).
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys

import pytest

PROBE = """
import sys
from qpvcli import cli
code = cli.main(sys.argv[1:])
heavy = ("rich", "rapidfuzz", "tomli", "tomllib", "qpvcli.validation", "qpvcli.catalogue", "qpvcli.reading",
         "Stemmer", "docx", "xlsxwriter", "openpyxl", "lxml", "pydantic", "numpy", "qpvcli.search",
         "qpvcli.territoires", "multiprocessing", "statistics", "json", "unicodedata", "tempfile")
from qpvcli import terminal, text
patterns = [n for n in ("_WORD", "_COMBINING", "_MARK_FLOOD", "_TO_TRANSLATE", "_TO_UNLIGATE", "_NON_ASCII")
            if getattr(text, n).cache_info().currsize]
patterns += ["terminal._CONTROL"] if terminal._control.cache_info().currsize else []
cost = sys.modules.get("qpvcli.search.cost")
patterns += [f"cost.{n}" for n, v in (vars(cost) if cost else {}).items() if getattr(v, "compiled", None) is not None]
modules = [m for m in heavy if m in sys.modules]
import json
sys.stdout.flush()
sys.stderr.write("\\nPATTERNS " + json.dumps(patterns))
sys.stderr.write("\\nMODULES " + json.dumps(modules) + "\\n")
"""


def run_probe(folder, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "QPV_CACHE_DIR": str(folder)}
    env.pop("QPV_DATA", None)
    return subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )


def loaded(folder, *args: str) -> list[str]:
    run = run_probe(folder, *args)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stderr.rsplit("MODULES ", 1)[1])


def compiled(folder, *args: str) -> list[str]:
    """The regular expressions of text analysis and of the terminal sanitiser that a run compiled."""
    run = run_probe(folder, *args)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stderr.rsplit("PATTERNS ", 1)[1].split("\n", 1)[0])


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A cache folder whose store is already built (as on any run but the first), and the
    French word list too (read on the first search of a word the catalogue lacks)."""
    folder = tmp_path_factory.mktemp("cache")
    assert run_probe(folder, "list").returncode == 0
    assert run_probe(folder, "search", "plage").returncode == 0
    assert any(p.name.startswith("lexique-fr-") for p in folder.iterdir())
    return folder


@pytest.mark.parametrize(
    ("args", "allowed"),
    [
        (["--version"], []),
        (["list"], []),
        (["list", "--axe", "habitabilite", "--tri", "cout"], []),
        (["show", "paris-ilots-de-fraicheur"], []),
        (["facettes"], []),
        (["actions"], []),
        # Only a search imports the search package (its index, ranking and expansion).
        # An accented query needs Unicode normalisation (unicodedata); an ASCII run does not.
        (["search", "vélo"], ["qpvcli.search", "unicodedata"]),
        # Several words: the proximity bonus reads the records' places (département names).
        (
            ["search", "îlots de fraîcheur", "--echelle", "commune"],
            ["qpvcli.search", "qpvcli.territoires", "unicodedata"],
        ),
        # A misspelt word needs the typo machinery, and the stemmer for a word the catalogue lacks.
        (["search", "concierje"], ["qpvcli.search", "rapidfuzz", "Stemmer"]),
        (["export", "--format", "csv"], ["qpvcli.territoires"]),  # its département column
    ],
)
def test_piped_commands_import_only_what_they_need(built, args, allowed):
    assert sorted(loaded(built, *args)) == sorted(allowed)


@pytest.mark.parametrize(
    "args",
    [["--version"], ["list"], ["list", "--tri", "titre"], ["show", "paris-ilots-de-fraicheur"], ["actions"]],
)
def test_piped_commands_compile_no_pattern_for_ascii_options(built, args):
    """Folding an ASCII option value and writing catalogue text to a pipe need none of the
    Unicode patterns: they are compiled on first use (a search, an accented value)."""
    assert compiled(built, *args) == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [("îlots de fraîcheur", False), ("comment aider les jeunes ?", False), ("jardin pas cher", True)],
)
def test_a_search_compiles_the_cost_patterns_only_when_it_may_ask_a_cost(built, query, expected):
    found = [p for p in compiled(built, "search", query) if p.startswith("cost.")]
    assert bool(found) == expected, found


@pytest.mark.parametrize("query", ["îlots de fraîcheur", "vélo", "œuvre", "ÉCOLE", "mobilité douce"])
def test_a_short_accented_query_compiles_no_normalisation_pattern(built, query):
    """A query is short: its characters are looked at as sets (text._holds), and the patterns
    of normalisation and folding (0.1-0.4 ms each to compile) are left for long texts."""
    found = compiled(built, "search", query)
    assert not {"_MARK_FLOOD", "_TO_TRANSLATE", "_TO_UNLIGATE", "_COMBINING"} & set(found), found


def test_character_sets_are_the_classes_of_their_patterns():
    """The sets that short texts are looked at with hold exactly what the patterns match."""
    import re

    from qpvcli import text

    for chars, pattern in [
        (text._MARK_CHARS(), f"[{text._MARKS}]"),
        (frozenset(map(chr, text._uncombining())), text._COMBINING().pattern),
        (text._TRANSLATED_CHARS, text._TO_TRANSLATE().pattern),
        (text._LIGATURE_CHARS, text._TO_UNLIGATE().pattern),
    ]:
        matcher = re.compile(pattern).match
        assert chars == {chr(c) for c in range(0x110000) if matcher(chr(c))}


@pytest.mark.parametrize(
    "sample",
    [
        "îlots de fraîcheur",
        "Cœur\u00a0de « quartier » – l\u2019été\u00ad",
        "e\u0301\u0301\u0301\u0301\u0301\u0301\u0301 a\u0300",
        "Straße, łódź, Ærø, đ",
        "\u0627\u064b\u064c\u064d\u064e\u064f\u0650 \u0e01\u0e31\u0e34\u0e35\u0e36\u0e37",
        "x\u20d0\u20d1 \ufe20 \u1ab0 \u3099\u309a\u200b\ufeff",
    ],
)
def test_short_text_paths_agree_with_the_patterns(monkeypatch, sample):
    """Normalising and folding a short text without the patterns gives what they give."""
    from qpvcli import text

    for s in (sample, sample * 3, sample.upper()):
        short = (text.normalise(s), text.bound_marks(s), text._fold_bounded(text.bound_marks(s)))
        monkeypatch.setattr(text, "_SHORT", -1)
        assert (text.normalise(s), text.bound_marks(s), text._fold_bounded(text.bound_marks(s))) == short
        monkeypatch.undo()


@pytest.mark.parametrize(
    "text",
    [
        '{"a": [1, 2.5, -3e2, true, false, null], "é": "\\u00e9\\n", "b": {}}',
        "[]",
        '"x"',
        "12",
        "NaN",
        "[Infinity, -Infinity]",
        " [1]",
        "[1] ",
        "[1] x",
        "",
        "[1,",
        '{"a" 1}',
        '"\x01"',
        "nul",
        b"[1]",
    ],
)
def test_store_json_reading_is_json_loads(text):
    """store.loads (json's C scanner without the json package) reads what json.loads reads,
    and fails where it fails, with the same error."""
    import json

    from qpvcli import store

    try:
        expected = json.loads(text)
    except ValueError as err:
        with pytest.raises(type(err)) as caught:
            store.loads(text)
        assert str(caught.value) == str(err)
    else:
        got = store.loads(text)
        assert repr(got) == repr(expected) and type(got) is type(expected)


def test_store_json_reading_reads_every_row_of_a_store_as_json_loads(tmp_path, monkeypatch):
    import json

    from qpvcli import cache, store

    monkeypatch.setenv("QPV_CACHE_DIR", str(tmp_path))
    opened = cache.open_store().store
    rows = [v for (v,) in opened.conn.execute("SELECT data FROM exemples UNION ALL SELECT data FROM axes")]
    rows += [v for (v,) in opened.conn.execute("SELECT data FROM actions UNION ALL SELECT valeur FROM meta")]
    opened.close()
    for row in rows:
        try:
            expected = json.loads(row)
        except ValueError:
            continue  # a plain text of the metadata
        assert store.loads(row) == expected


def test_first_run_builds_then_validator_is_not_needed(tmp_path):
    assert "qpvcli.validation" in loaded(tmp_path, "list"), "the first run reads and validates the catalogue"
    assert "qpvcli.validation" not in loaded(tmp_path, "list")


@pytest.mark.parametrize(
    ("argv", "commands"),
    [
        (["--version"], []),  # answered by an eager option: no command is built
        (["--data", "f.toml", "--version"], []),
        (["list"], ["list"]),
        (["--sans-rapport", "search", "jardin"], ["search"]),
        (["chercher", "jardin"], ["chercher"]),
    ],
)
def test_typer_builds_only_the_command_run(argv, commands):
    from qpvcli import cli

    built = cli._trimmed_app(argv).registered_commands
    assert [c.name or c.callback.__name__ for c in built] == commands


@pytest.mark.parametrize("argv", [[], ["--help"], ["list", "--help"], ["inconnue"], ["--data", "f.toml"]])
def test_help_and_errors_see_every_command(argv):
    from qpvcli import cli

    assert cli._trimmed_app(argv) is cli.app


def test_unprintable_fast_path_misses_no_control_character():
    """`terminal.safe` returns a printable text as it is, without its regular expression: every
    character that expression catches must therefore be unprintable."""
    import re

    from qpvcli import terminal

    control = re.compile(terminal._CONTROL)
    caught = [chr(c) for c in range(0x110000) if control.match(chr(c))]
    assert caught and not [c for c in caught if c.isprintable()]


def test_ascii_fast_paths_agree_with_the_full_analysis():
    """`text.fold_text` and `text.normalise` skip Unicode work for ASCII: same result."""
    import string
    import unicodedata

    from qpvcli import text

    ascii_text = "".join(map(chr, range(128))) + string.printable + "l`eau, d`un"
    full_fold = text._COMBINING().sub("", unicodedata.normalize("NFKD", ascii_text.casefold()))
    assert text.fold_text(ascii_text) == full_fold
    assert text.normalise(ascii_text) == unicodedata.normalize("NFC", ascii_text).translate(text._TRANSLATE)


@pytest.mark.parametrize(
    "module",
    [
        "qpvcli.model",
        "qpvcli.errors",
        "qpvcli.selection",
        "qpvcli.api",
        "qpvcli.fields",
        "qpvcli.cache",
        "qpvcli.render",
        "qpvcli.files",
        "qpvcli.search.cost",
        "qpvcli.search.ranking",
    ],
)
def test_named_tuples_built_at_every_start_have_evaluated_annotations(module):
    """typing.NamedTuple compiles each annotation written as a string into a ForwardRef (~20 µs
    a field, the case under `from __future__ import annotations`): the modules the piped
    commands import give types."""
    import importlib
    import typing

    mod = importlib.import_module(module)
    classes = [c for c in vars(mod).values() if isinstance(c, type) and c.__module__ == module]
    named = [c for c in classes if issubclass(c, tuple) and hasattr(c, "_fields")]
    assert named
    for c in named:
        assert not [k for k, v in c.__annotations__.items() if isinstance(v, str | typing.ForwardRef)], c.__name__


def test_a_trusted_store_opens_without_reading_its_sources(tmp_path, monkeypatch):
    """Signatures, not contents: a run served from the cache reads neither the report's
    catalogue nor the data files (reading and hashing them cost ~0.5 ms at each start)."""
    from pathlib import Path

    from qpvcli import cache

    monkeypatch.setenv("QPV_CACHE_DIR", str(tmp_path))
    cache.open_store().store.close()  # built, with the signature of every source

    def unread(*args, **kwargs):
        raise AssertionError("a source was read")

    monkeypatch.setattr(cache, "bundled_text", unread)
    monkeypatch.setattr(Path, "read_bytes", unread)
    opened = cache.open_store()
    assert opened.store.count == 40
    opened.store.close()


def test_an_edited_report_catalogue_is_seen_though_not_read_when_untouched(tmp_path, monkeypatch):
    """The report's catalogue is trusted by its signature: an edit (another size or date) makes
    the run compare its content, and rebuild the store."""
    import os

    from qpvcli import cache, sources

    report = tmp_path / "examples.toml"
    report.write_bytes(sources.bundled_text().encode())
    old = 1_600_000_000
    os.utime(report, (old, old))  # long settled: no « racy clean » doubt
    monkeypatch.setattr(cache, "bundled_path", lambda: report)
    monkeypatch.setattr(cache, "bundled_text", lambda: report.read_text(encoding="utf-8"))
    monkeypatch.setenv("QPV_CACHE_DIR", str(tmp_path / "cache"))
    first = cache.open_store().store
    title = first.exemple("paris-ilots-de-fraicheur").titre
    first.close()

    text = report.read_text(encoding="utf-8").replace(title, title + " (modifié)", 1)
    report.write_text(text, encoding="utf-8")
    os.utime(report, (old + 10, old + 10))
    second = cache.open_store().store
    assert second.exemple("paris-ilots-de-fraicheur").titre == title + " (modifié)"
    second.close()


SQL_PROBE = """
import json, sys
from qpvcli import cache, cli, store
statements = []
real = store.connect
def connect(path):
    conn = real(path)
    if path is not None:
        conn.set_trace_callback(lambda sql: statements.append([sql, conn.in_transaction]))
    return conn
cache.connect = connect
hold = store.Store.hold_reads
def hold_reads(self):
    statements.append(["held", True])
    hold(self)
store.Store.hold_reads = hold_reads
cli.main(sys.argv[1:])
sys.stdout.flush()
sys.stderr.write("\\nSQL " + json.dumps(statements) + "\\n")
"""


@pytest.mark.parametrize("args", [["list"], ["show", "paris-ilots-de-fraicheur"], ["search", "îlots de fraîcheur"]])
def test_a_command_reads_its_store_in_one_read_transaction(built, args):
    """Once the store is open (and trusted), a command's queries run in one read transaction:
    SQLite locks and checks the store file once, not at each of them (~40 for a search)."""
    env = {**os.environ, "QPV_CACHE_DIR": str(built)}
    env.pop("QPV_DATA", None)
    run = subprocess.run(
        [sys.executable, "-c", SQL_PROBE, *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )
    assert run.returncode == 0, run.stderr
    statements = json.loads(run.stderr.rsplit("SQL ", 1)[1])
    begin, *after = statements[statements.index(["held", True]) + 1 :]
    assert begin == ["BEGIN", False] and after
    assert [sql for sql, in_transaction in after if not in_transaction] == []


def test_the_library_holds_no_read_transaction(tmp_path, monkeypatch):
    """A program that keeps a store open (the library) holds no shared lock between its reads:
    another qpv can still re-sign the store. Only a command (`Store.hold_reads`) holds one."""
    from qpvcli.api import Qpv

    monkeypatch.setenv("QPV_CACHE_DIR", str(tmp_path))
    qpv = Qpv.open()
    assert qpv.search("vélo", limit=3).hits
    assert list(qpv.select())
    assert not qpv.store.conn.in_transaction
    qpv.store.hold_reads()
    assert qpv.store.conn.in_transaction and len(list(qpv.select())) == 40
    qpv.store.close()


def test_a_command_leaves_no_read_transaction_behind(tmp_path, monkeypatch, capsys):
    """A program that runs commands one after another (`cli.main`) keeps no store open between
    them: its read transaction ends with each command, so that the next can re-sign the store
    at once, not after SQLite's busy wait (half a second per command, measured)."""
    import gc

    from qpvcli import cli

    monkeypatch.setenv("QPV_CACHE_DIR", str(tmp_path))
    data = tmp_path / "c.toml"
    data.write_text(
        '[catalogue]\nversion_schema = 1\n\n[[exemples]]\nid = "a"\naction = 8\ntitre = "Jardin"\n'
        'description = "Texte"\n',
        encoding="utf-8",
    )
    for args in (["list"], ["show", "a"], ["search", "jardin"], ["facettes"]):
        assert cli.main(["--data", str(data), *args]) == 0
        capsys.readouterr()
        held = [c for c in gc.get_objects() if isinstance(c, sqlite3.Connection) and _open_in_transaction(c)]
        assert not held, args


def _open_in_transaction(conn) -> bool:
    try:
        return conn.in_transaction
    except sqlite3.ProgrammingError:  # closed
        return False


def test_a_stale_signature_is_renewed_not_rebuilt(tmp_path, monkeypatch):
    """A store whose sources are unchanged but whose signature is stale is compared, then
    re-signed in place (not rebuilt), so that the next run need not compare again."""
    import sqlite3

    from qpvcli import cache

    monkeypatch.setenv("QPV_CACHE_DIR", str(tmp_path))
    first = cache.open_store().store
    path = first.path
    first.close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE meta SET valeur = '[]' WHERE cle = 'signature'")
    conn.close()
    inode = os.stat(path).st_ino
    second = cache.open_store().store
    second.hold_reads()
    assert second.conn.in_transaction and second.count == 40
    second.close()
    assert os.stat(path).st_ino == inode, "compared and kept, not rebuilt"
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT valeur FROM meta WHERE cle = 'signature'").fetchone()[0] != "[]"
    conn.close()


def test_the_program_freezes_start_up_objects_out_of_the_collectors_sight():
    """`qpv` (its console script and `python -m qpvcli`) runs `cli.run`: start-up's objects are
    frozen (gc.freeze) before the command, whose collections then look only at what it makes;
    `cli.main`, which a host program may call many times, freezes nothing."""
    from importlib.metadata import entry_points

    (script,) = entry_points(group="console_scripts", name="qpv")
    assert script.value == "qpvcli.cli:run"
    probe = "import gc, sys; from qpvcli import cli; sys.argv[1:] = ['--version']; {}(); print(gc.get_freeze_count())"
    for entry, frozen in (("cli.run", True), ("cli.main", False)):
        out = subprocess.run(
            [sys.executable, "-c", probe.format(entry)], capture_output=True, text=True, timeout=60, check=True
        ).stdout
        assert (int(out.split()[-1]) > 0) is frozen, (entry, out)
    as_module = (
        "import atexit, gc, runpy, sys; atexit.register(lambda: print(gc.get_freeze_count())); "
        "sys.argv[1:] = ['--version']; runpy.run_module('qpvcli', run_name='__main__')"
    )
    out = subprocess.run([sys.executable, "-c", as_module], capture_output=True, text=True, timeout=60, check=False)
    out = out.stdout
    assert out.startswith("qpv ") and int(out.split()[-1]) > 0, out
