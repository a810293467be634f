"""Common French words, to tell a word the catalogue lacks from a misspelling of one it has.

Typo tolerance looks for catalogue words one or two edits away from a query word that the
catalogue does not have. That is right for « concierje » (no such word: « concierge ») and wrong
for « plage », « émissions » or « plastique »: real words, which the catalogue does not treat,
were read as « place », « missions » and « pratique ». A spell checker corrects non-words only;
so does qpv: a query word found in this list is a word of its own, searched as typed (and
reported absent when no record has it), never corrected nor offered a « vouliez-vous dire ».

The list is pyspellchecker's French frequency list (about 140,000 words from subtitles, MIT),
folded as qpv folds words, words of 4 letters or more only (shorter words are never corrected
nor completed as the beginning of a longer one). A word met often in the list's corpus is not
completed either (« vent » is not « vente » being typed; « vegeta », a name seen 50 times, is
« végétalisation » being typed).
It is read from the installed package, once, into a small SQLite file in qpv's cache folder
(about 2 MB, built in 0.3 s, written to a temporary file then renamed into place, so that
concurrent first runs each leave a whole file); later runs look words up there (~0.1 ms each).
Without it (package missing, cache unusable) qpv corrects as before: only a speed-up of
judgement, never a reason to fail.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from functools import lru_cache
from pathlib import Path

LEXICON_FORMAT = 3  # bump when the words kept or their folding change
MIN_LETTERS = 4  # shorter words are never corrected (text.typo_budget) nor completed
COMMON = 1000  # times met in the list's corpus: « vent », « concert » (not « vegeta », 50)


def is_word(folded: str) -> bool:
    """Whether a folded query word is a French word of the list (see the module's docstring)."""
    return times_met(folded) > 0


def available() -> bool:
    """Whether the word list could be read (else every word is « not met »)."""
    return _lexicon() is not None


def times_met(folded: str) -> int:
    """How many times the list's corpus meets a folded word, 0 when it is not in the list (or
    shorter than MIN_LETTERS). From COMMON on, it is not the beginning of a longer word being
    typed: the list also holds rare names (« vegeta »)."""
    if len(folded) < MIN_LETTERS:
        return 0
    conn = _lexicon()
    if conn is None:
        return 0
    try:
        found = conn.execute("SELECT n FROM lexique WHERE mot = ?", (folded,)).fetchone()
    except sqlite3.Error:
        return 0
    return 0 if found is None else found[0]


def _source() -> Path | None:
    """pyspellchecker's French list, found without importing the package."""
    from importlib.util import find_spec

    try:
        spec = find_spec("spellchecker")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "resources" / "fr.json.gz"
    return path if path.is_file() else None


@lru_cache(maxsize=1)
def _lexicon() -> sqlite3.Connection | None:
    """The lexicon of this process: the cached file, built when missing; else in memory."""
    from .cache import cache_dir

    source = _source()
    if source is None:
        return None
    # Named by the list's size (a new list of pyspellchecker has another), not its date: each
    # installation of the same version would otherwise leave its own copy in a shared cache.
    name = f"lexique-fr-{LEXICON_FORMAT}-{source.stat().st_size}.sqlite"
    folder = cache_dir()
    if folder is not None:
        path = folder / name
        try:
            if not path.is_file():
                _build_file(source, path)
            try:
                return _opened(path)
            except sqlite3.DatabaseError:  # damaged (a truncated copy): written again
                _build_file(source, path)
                return _opened(path)
        except (OSError, sqlite3.Error):
            pass  # a read-only cache: this run keeps the lexicon in memory
        except _UNREADABLE:
            return None
    try:
        conn = sqlite3.connect(":memory:")
        _fill(conn, source)
        return conn
    except (OSError, sqlite3.Error, *_UNREADABLE):
        return None


# The list itself cannot be read (a damaged installation): no lexicon, as without the package.
_UNREADABLE = (ValueError, EOFError, AttributeError)


def _opened(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        conn.execute("SELECT mot, n FROM lexique LIMIT 1")  # a list of another form: written again
    except sqlite3.Error:
        conn.close()
        raise
    return conn


def _build_file(source: Path, path: Path) -> None:
    """Build into a temporary file, rename it into place, then remove older lists."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        conn = sqlite3.connect(tmp)
        try:
            _fill(conn, source)
        finally:
            conn.close()
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    for old in path.parent.glob("lexique-fr-*.sqlite"):
        if old != path:
            with contextlib.suppress(OSError):  # in use by a run of another version (Windows)
                old.unlink()


def _fill(conn: sqlite3.Connection, source: Path) -> None:
    import gzip
    import json

    from .text import fold

    with gzip.open(source, "rt", encoding="utf-8") as f:
        listed = json.load(f)
    counts: dict[str, int] = {}
    for word, n in listed.items():
        if isinstance(word, str) and isinstance(n, int) and len(word) >= MIN_LETTERS:
            folded = fold(word)
            counts[folded] = counts.get(folded, 0) + n  # « été » and « ete » are one word
    with conn:
        conn.execute("CREATE TABLE lexique (mot TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID")
        conn.executemany("INSERT INTO lexique VALUES (?, ?)", sorted(counts.items()))
