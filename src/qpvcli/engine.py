"""The catalogue and its search index, kept in an on-disk cache between runs.

Parsing and validating TOML, then analysing every text for the index, is the slow part of a
run (the bundled 40 examples included). The result is kept in the user's cache folder and
reused while the source files are byte-for-byte unchanged: the cache is keyed on the content
of the bundled catalogue and of every user file, on the program and index versions and on
the Python version. It is checked with a checksum before use and read with `marshal` (plain
data, no code runs on load): a stale, foreign or damaged cache is rebuilt, never trusted.
The index is built only when a search needs it.
"""

from __future__ import annotations

import json
import marshal
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__
from .errors import CatalogueError, Problem
from .model import Action, Axe, Catalogue, Exemple
from .sources import bundled_text, read_bytes

if TYPE_CHECKING:
    from .search import Hit, Index, Result
    from .selection import Filtres

try:  # hashlib's import also loads OpenSSL (~4 ms); BLAKE2 is built into CPython
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - other interpreters
    from hashlib import blake2b

# Bump when the layout of the cache, the records or the search index changes.
CACHE_FORMAT = 2
MAGIC = b"QPVCACHE" + bytes([CACHE_FORMAT]) + b"\n"
DIGEST = 32


def cache_dir() -> Path:
    """QPV_CACHE_DIR, else the platform's user cache folder."""
    if os.environ.get("QPV_CACHE_DIR"):
        return Path(os.environ["QPV_CACHE_DIR"])
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "qpv"


class Engine:
    """Records (decoded on demand from the cache) and, once a search asked for it, the index."""

    def __init__(
        self,
        catalogue: Catalogue,
        encoded: list[str],
        index: Index | None = None,
        cache_path: Path | None = None,
        cache_key: bytes = b"",
        *,
        from_cache: bool = False,
    ):
        self.catalogue = catalogue  # meta, axes and actions; records stay encoded until needed
        self.encoded = encoded
        self.index = index
        self.cache_path = cache_path
        self.cache_key = cache_key
        self.from_cache = from_cache
        self._decoded: dict[int, Exemple] = {}

    def __len__(self) -> int:
        return len(self.encoded)

    def exemple(self, doc: int) -> Exemple:
        ex = self._decoded.get(doc)
        if ex is None:
            ex = self._decoded[doc] = Exemple.from_dict(json.loads(self.encoded[doc]))
        return ex

    def full_catalogue(self) -> Catalogue:
        c = self.catalogue
        return Catalogue(c.meta, c.axes, c.actions, tuple(self.exemple(i) for i in range(len(self))))

    def ensure_index(self) -> Index:
        if self.index is None:
            from .search import Index, field_texts

            cat = self.catalogue
            # Records decoded one at a time and dropped: the index build holds no record.
            self.index = Index.build(
                field_texts(self._decoded.get(i) or Exemple.from_dict(json.loads(text)), cat)
                for i, text in enumerate(self.encoded)
            )
            if self.cache_path is not None:
                save_cache(self.cache_path, self.cache_key, self)
        return self.index

    def search(
        self, query: str, filtres: Filtres | None = None, limit: int | None = None
    ) -> tuple[list[tuple[Exemple, Hit]], Result]:
        from .search import field_texts, run

        index = self.ensure_index()
        accept = None
        if filtres:
            cat = self.catalogue

            def accept(doc: int) -> bool:
                return filtres.matches(self.exemple(doc), cat)

        result = run(
            index, query, accept=accept, texts=lambda d: field_texts(self.exemple(d), self.catalogue), limit=limit
        )
        return [(self.exemple(h.doc), h) for h in result.hits], result


def _encode(e: Exemple) -> str:
    return json.dumps({**e.to_dict(), "source": e.source}, ensure_ascii=False)


def build(catalogue: Catalogue) -> Engine:
    """An engine over an already loaded catalogue (no cache)."""
    c = catalogue
    engine = Engine(Catalogue(c.meta, c.axes, c.actions, ()), [_encode(e) for e in c.exemples])
    engine._decoded = dict(enumerate(c.exemples))
    return engine


def _key(parts: Sequence[bytes]) -> bytes:
    h = blake2b(digest_size=DIGEST)
    h.update(f"qpv {__version__} cache {CACHE_FORMAT} python {sys.version_info[:2]}".encode())
    for p in parts:
        h.update(len(p).to_bytes(8, "little"))
        h.update(p)
    return h.digest()


def open_engine(paths: Sequence[Path] = (), *, with_report: bool = True) -> Engine:
    """The bundled catalogue and the user's files, from the cache when it is valid."""
    raw = [(str(p), read_bytes(p, str(p))) for p in paths]
    bundled = bundled_text() if with_report else None
    if not raw and bundled is None:
        raise CatalogueError([Problem("qpv", "aucun catalogue : --sans-rapport demande au moins un fichier --data")])
    key = _key([(bundled or "").encode(), *(label.encode() + b"\0" + data for label, data in raw)])
    # One cache file per set of sources: a changed file replaces its cache, never piles up.
    labels = "\0".join(str(Path(label).resolve()) for label, _ in raw) + ("\0rapport" if with_report else "")
    path = cache_dir() / f"qpv-{blake2b(labels.encode(), digest_size=12).hexdigest()}.cache"
    engine = load_cache(path, key)
    if engine is not None:
        return engine
    from . import catalogue  # parsing and validation: only when the cache cannot serve

    sources = [catalogue.Source(catalogue.BUNDLED_SOURCE, bundled)] if bundled is not None else []
    sources += [catalogue.Source(label, catalogue.decode(data, label)) for label, data in raw]
    engine = build(catalogue.build(sources)[0])
    engine.cache_path, engine.cache_key = path, key
    save_cache(path, key, engine)
    return engine


def _payload(engine: Engine) -> bytes:
    c = engine.catalogue
    state: dict[str, Any] = {
        "meta": json.dumps(c.meta, ensure_ascii=False, default=str),
        "axes": [a.to_dict() for a in c.axes],
        "actions": [a.to_dict() for a in c.actions],
        "records": engine.encoded,
        "index": engine.index.to_state() if engine.index is not None else None,
    }
    return marshal.dumps(state)


def save_cache(path: Path, key: bytes, engine: Engine) -> bool:
    """Write the cache atomically; a cache that cannot be written is only a lost speed-up."""
    from .export.files import atomic_write_bytes

    payload = _payload(engine)
    blob = MAGIC + key + blake2b(payload, digest_size=DIGEST).digest() + payload
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(path, blob)
        return True
    except OSError:
        return False


def load_cache(path: Path, key: bytes) -> Engine | None:
    """The cached engine if the file is ours, for these exact sources, and intact; else None."""
    try:
        blob = path.read_bytes()
    except OSError:
        return None
    head = len(MAGIC) + 2 * DIGEST
    if len(blob) < head or not blob.startswith(MAGIC) or blob[len(MAGIC) : len(MAGIC) + DIGEST] != key:
        return None
    payload = memoryview(blob)[head:]
    if blake2b(payload, digest_size=DIGEST).digest() != blob[len(MAGIC) + DIGEST : head]:
        return None
    try:
        state = marshal.loads(payload)
        catalogue = Catalogue(
            json.loads(state["meta"]),
            tuple(Axe(**a) for a in state["axes"]),
            tuple(Action(**{**a, "sous_actions": tuple(a.get("sous_actions", ()))}) for a in state["actions"]),
            (),
        )
        index = None
        if state["index"] is not None:
            from .search import Index

            index = Index.from_state(state["index"])
        return Engine(catalogue, state["records"], index, path, key, from_cache=True)
    except (ValueError, EOFError, TypeError, KeyError):
        return None
