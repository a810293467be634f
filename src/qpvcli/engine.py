"""The catalogue and its search index, kept in an on-disk cache between runs.

Parsing and validating TOML, then analysing every text for the index, is the slow part of a
run (the bundled 40 examples included). The result is kept in the user's cache folder and
reused while the source files are byte-for-byte unchanged: the cache is keyed on the content
of the bundled catalogue and of every user file, on the program version and on the Python
version. Two files per set of sources:

- `<name>.cache`: magic, key, checksum, then (marshal) metadata, axes, actions, record
  offsets and CRCs;
- `<name>.records`: the records as JSON, one after the other, read only when displayed;
- `<name>.index`: the search index, written by the first search, read only by searches.

The cache is valid for the sources whose content key it holds; when the file system shows the
sources untouched since (same size, times and inode: see `_signature`), they are not even
read again. The payload's CRC is verified before it is decoded with `marshal` (plain data, no
code runs on load); each record's CRC is verified when it is read. A stale, foreign or
damaged cache is rebuilt, never trusted.
"""

from __future__ import annotations

import json
import marshal
import os
import sys
import zlib
from array import array
from collections.abc import Callable, Iterator, Sequence
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
CACHE_FORMAT = 7
MAGIC = b"QPVCACHE" + bytes([CACHE_FORMAT]) + b"\n"
DIGEST = 32
TOKEN = 16


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


class DamagedCache(Exception):
    """A record of the cache does not match its CRC: the cache cannot be trusted."""


class ListStore:
    """Records as JSON strings in memory."""

    def __init__(self, texts: list[str]):
        self.texts = texts

    def __len__(self) -> int:
        return len(self.texts)

    def get(self, i: int) -> str:
        return self.texts[i]


class FileStore:
    """Records as JSON in a file beside the cache, each read on demand and checked."""

    def __init__(self, path: Path, token: bytes, offsets: array, crcs: array):
        self.path, self.token, self.offsets, self.crcs = path, token, offsets, crcs
        self._file: Any = None

    def __len__(self) -> int:
        return len(self.crcs)

    def get(self, i: int) -> str:
        if self._file is None:
            try:
                self._file = open(self.path, "rb")  # noqa: SIM115 - kept open while records are read
            except OSError:
                raise DamagedCache from None
            if self._file.read(TOKEN) != self.token:
                raise DamagedCache
        start, end = self.offsets[i], self.offsets[i + 1]
        self._file.seek(TOKEN + start)
        data = self._file.read(end - start)
        if len(data) != end - start or zlib.crc32(data) != self.crcs[i]:
            raise DamagedCache
        return data.decode("utf-8")


class Engine:
    """Records (decoded on demand) and, once a search asked for it, the index."""

    def __init__(self, catalogue: Catalogue, store: ListStore | FileStore, index: Index | None = None):
        self.catalogue = catalogue  # meta, axes and actions; the records stay in the store
        self.store = store
        self.index = index
        self.from_cache = False
        self.cache_path: Path | None = None
        self.cache_key = b""
        self.signature: list[tuple[str, int, int, int, int]] = []
        self.bundled_key = b""
        self._decoded: dict[int, Exemple] = {}
        self._rebuild: Callable[[], Engine] | None = None

    def __len__(self) -> int:
        return len(self.store)

    def _text(self, doc: int) -> str:
        try:
            return self.store.get(doc)
        except DamagedCache:
            self._recover()
            return self.store.get(doc)

    def _recover(self) -> None:
        """Rebuild from the sources, in memory; the next run writes a fresh cache."""
        if self._rebuild is None:
            raise CatalogueError([Problem("cache", "cache de qpv endommagé et impossible à reconstruire")])
        for path in _cache_files(self.cache_path):
            path.unlink(missing_ok=True)
        fresh = self._rebuild()
        self.store, self.index, self.from_cache = fresh.store, None, False
        self._decoded.clear()

    def exemple(self, doc: int) -> Exemple:
        ex = self._decoded.get(doc)
        if ex is None:
            ex = self._decoded[doc] = Exemple.from_dict(json.loads(self._text(doc)))
        return ex

    def iter_exemples(self) -> Iterator[Exemple]:
        """Every record in order, decoded one at a time and not kept."""
        for i in range(len(self)):
            yield self._decoded.get(i) or Exemple.from_dict(json.loads(self._text(i)))

    def full_catalogue(self) -> Catalogue:
        c = self.catalogue
        return Catalogue(c.meta, c.axes, c.actions, tuple(self.exemple(i) for i in range(len(self))))

    def ensure_index(self) -> Index:
        if self.index is not None:
            return self.index
        from .search import Index, field_texts

        cached = isinstance(self.store, FileStore) and self.cache_path is not None
        if cached:
            found = _read_blob(self.cache_path.with_suffix(".index"))  # type: ignore[union-attr]
            if found is not None and found[0] == self.cache_key and found[1].get("token") == self.store.token:  # type: ignore[union-attr]
                try:
                    self.index = Index.from_state(found[1])
                    return self.index
                except (ValueError, TypeError, KeyError):
                    pass  # not what this version writes: rebuilt below
        cat = self.catalogue
        self.index = Index.build(field_texts(e, cat) for e in self.iter_exemples())
        if cached:
            state = {**self.index.to_state(), "token": self.store.token}  # type: ignore[union-attr]
            _write_blob(self.cache_path.with_suffix(".index"), self.cache_key, state)  # type: ignore[union-attr]
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
    """An engine over an already loaded catalogue, in memory (no cache)."""
    c = catalogue
    engine = Engine(Catalogue(c.meta, c.axes, c.actions, ()), ListStore([_encode(e) for e in c.exemples]))
    engine._decoded = dict(enumerate(c.exemples))
    return engine


def _key(parts: Sequence[bytes]) -> bytes:
    h = blake2b(digest_size=DIGEST)
    h.update(f"qpv {__version__} cache {CACHE_FORMAT} python {sys.version_info[:2]}".encode())
    for p in parts:
        h.update(len(p).to_bytes(8, "little"))
        h.update(p)
    return h.digest()


def _cache_files(path: Path | None) -> list[Path]:
    return [] if path is None else [path, path.with_suffix(".records"), path.with_suffix(".index")]


def _signature(paths: Sequence[Path]) -> list[tuple[str, int, int, int, int]]:
    """What the file system says of each source. Any write changes a file's ctime (which no
    user tool can set back) or its inode (editors that save by renaming): an unchanged
    signature means unchanged content, as git's index assumes, without reading the file."""
    out = []
    for p in paths:
        try:
            st = p.stat()
        except OSError:
            return []
        out.append((str(p.resolve()), st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino))
    return out


def open_engine(paths: Sequence[Path] = (), *, with_report: bool = True) -> Engine:
    """The bundled catalogue and the user's files, from the cache when it is valid."""
    bundled = bundled_text() if with_report else None
    if not paths and bundled is None:
        raise CatalogueError([Problem("qpv", "aucun catalogue : --sans-rapport demande au moins un fichier --data")])
    signature = _signature(paths)
    # The synonym list is part of the index: its change must rebuild the cache too.
    synonyms_bytes = Path(__file__).with_name("synonymes.toml").read_bytes()
    bundled_key = _key([(bundled or "").encode(), synonyms_bytes])
    # One cache per set of sources: a changed file replaces its cache, never piles up.
    labels = "\0".join(str(Path(p).resolve()) for p in paths) + ("\0rapport" if with_report else "")
    path = cache_dir() / f"qpv-{blake2b(labels.encode(), digest_size=12).hexdigest()}.cache"
    raw: list[tuple[str, bytes]] = []

    def read_raw() -> list[tuple[str, bytes]]:
        """The user's files, read once, only if the cache cannot be trusted without them."""
        if len(raw) < len(paths):
            raw[:] = [(str(p), read_bytes(p, str(p))) for p in paths]
        return raw

    def sources_key() -> bytes:
        return _key(
            [(bundled or "").encode(), synonyms_bytes, *(label.encode() + b"\0" + data for label, data in read_raw())]
        )

    def rebuild(*, to_disk: bool) -> Engine:
        from . import catalogue  # parsing and validation: only when the cache cannot serve

        sources = [catalogue.Source(catalogue.BUNDLED_SOURCE, bundled)] if bundled is not None else []
        sources += [catalogue.Source(label, catalogue.decode(data, label)) for label, data in read_raw()]
        writer = _RecordWriter(path.with_suffix(".records")) if to_disk else None
        texts: list[str] = []
        try:
            cat, _ = catalogue.build(sources, sink=writer.add if writer else lambda e, raw: texts.append(_encode(e)))
        except BaseException:
            if writer:
                writer.abort()
            raise
        store = writer.finish() if writer else ListStore(texts)
        if store is None:  # the cache folder cannot be written: keep the records in memory
            return rebuild(to_disk=False)
        return Engine(cat, store)

    cached = _read_blob(path)
    engine = None
    if cached is not None:
        key, state = cached
        fresh = signature and state["signature"] == signature and state["bundled"] == bundled_key
        if fresh or key == sources_key():
            engine = _engine_from_state(path, key, state)
    if engine is None:
        key = sources_key()
        engine = rebuild(to_disk=True)
        if isinstance(engine.store, FileStore):
            engine.cache_path, engine.cache_key = path, key
            engine.signature, engine.bundled_key = signature, bundled_key
            if not _write_cache(path, key, engine):
                engine.cache_path = None
    engine._rebuild = lambda: rebuild(to_disk=False)
    return engine


class _RecordWriter:
    """Streams validated records into the records file (temporary until finished)."""

    def __init__(self, path: Path):
        self.path = path
        self.token = os.urandom(TOKEN)
        self.offsets = array("q", [0])
        self.crcs = array("I")
        self.tmp: Path | None = None
        self.file: Any = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            import tempfile

            fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
            self.tmp = Path(name)
            self.file = os.fdopen(fd, "wb")
            self.file.write(self.token)
        except OSError:
            self.abort()

    def add(self, e: Exemple, raw: dict[str, Any]) -> None:
        if self.file is None:
            return  # the folder could not be written: finish() says so
        # The checked TOML table is the record as written: no need to rebuild it from `e`.
        data = json.dumps({**raw, "source": e.source}, ensure_ascii=False).encode("utf-8")
        try:
            self.file.write(data)
        except OSError:
            self.abort()
            return
        self.offsets.append(self.offsets[-1] + len(data))
        self.crcs.append(zlib.crc32(data))

    def abort(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None
        if self.tmp is not None:
            self.tmp.unlink(missing_ok=True)
            self.tmp = None

    def finish(self) -> FileStore | None:
        if self.file is None or self.tmp is None:
            return None
        try:
            self.file.close()
            os.replace(self.tmp, self.path)
        except OSError:
            self.abort()
            return None
        return FileStore(self.path, self.token, self.offsets, self.crcs)


def _write_blob(path: Path, key: bytes, state: dict[str, Any]) -> bool:
    """MAGIC, key, CRC-32 of the payload, payload (marshal), written atomically. A cache that
    cannot be written is only a lost speed-up."""
    from .export.files import atomic_write_bytes

    payload = marshal.dumps(state)
    try:
        atomic_write_bytes(path, MAGIC + key + zlib.crc32(payload).to_bytes(4, "little") + payload)
        return True
    except OSError:
        return False


def _read_blob(path: Path) -> tuple[bytes, dict[str, Any]] | None:
    """A blob's key and content if the file is ours and intact (CRC-32, as in zip files: it
    catches truncation and damage; the key says whose cache it is)."""
    try:
        blob = path.read_bytes()
    except OSError:
        return None
    head = len(MAGIC) + DIGEST + 4
    if len(blob) < head or not blob.startswith(MAGIC):
        return None
    payload = memoryview(blob)[head:]
    if zlib.crc32(payload) != int.from_bytes(blob[head - 4 : head], "little"):
        return None
    try:
        state = marshal.loads(payload)
    except (ValueError, EOFError, TypeError):
        return None
    if not isinstance(state, dict):
        return None
    return bytes(blob[len(MAGIC) : len(MAGIC) + DIGEST]), state


def _write_cache(path: Path, key: bytes, engine: Engine) -> bool:
    """The catalogue part of the cache; the index has its own file, written by a search."""
    store = engine.store
    assert isinstance(store, FileStore)
    c = engine.catalogue
    state: dict[str, Any] = {
        "signature": engine.signature,
        "bundled": engine.bundled_key,
        "meta": json.dumps(c.meta, ensure_ascii=False, default=str),
        "axes": [a.to_dict() for a in c.axes],
        "actions": [a.to_dict() for a in c.actions],
        "token": store.token,
        "offsets": store.offsets.tobytes(),
        "crcs": store.crcs.tobytes(),
    }
    return _write_blob(path, key, state)


def _engine_from_state(path: Path, key: bytes, state: dict[str, Any]) -> Engine | None:
    try:
        offsets, crcs = array("q"), array("I")
        offsets.frombytes(state["offsets"])
        crcs.frombytes(state["crcs"])
        records = path.with_suffix(".records")
        if len(offsets) != len(crcs) + 1 or records.stat().st_size != TOKEN + offsets[-1]:
            return None
        catalogue = Catalogue(
            json.loads(state["meta"]),
            tuple(Axe(**a) for a in state["axes"]),
            tuple(Action(**{**a, "sous_actions": tuple(a.get("sous_actions", ()))}) for a in state["actions"]),
            (),
        )
    except (ValueError, EOFError, TypeError, KeyError, OSError):
        return None
    engine = Engine(catalogue, FileStore(records, state["token"], offsets, crcs))
    engine.from_cache, engine.cache_path, engine.cache_key = True, path, key
    engine.signature, engine.bundled_key = state["signature"], state["bundled"]
    return engine
