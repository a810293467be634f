"""The catalogue and its search index together, with an on-disk cache for big catalogues.

The bundled 40 examples are indexed in a few milliseconds at each run. A user catalogue of
thousands of records is parsed, validated and indexed once; the result is kept in the user's
cache folder and reused while the files are byte-for-byte unchanged. The cache is keyed on
the content of every source file and on the index and program versions; it is checked with
a checksum before use, and read with `marshal` (plain data, no code runs on load): a stale,
foreign or damaged cache is rebuilt, never trusted.
"""

from __future__ import annotations

import hashlib
import json
import marshal
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import __version__
from . import catalogue as cat_mod
from .model import Action, Axe, Catalogue, Exemple
from .search import INDEX_VERSION, Hit, Index, Result, field_texts, run
from .selection import Filtres

CACHE_THRESHOLD_BYTES = 1_000_000  # smaller catalogues are indexed at each run
MAGIC = b"QPVIDX\x01\n"
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


@dataclass
class Engine:
    catalogue: Catalogue  # meta, axes and actions always; records may stay encoded
    index: Index
    _encoded: list[str] | None = None
    _decoded: dict[int, Exemple] = field(default_factory=dict)
    from_cache: bool = False

    def __len__(self) -> int:
        return self.index.n_docs

    def exemple(self, doc: int) -> Exemple:
        if self._encoded is None:
            return self.catalogue.exemples[doc]
        ex = self._decoded.get(doc)
        if ex is None:
            ex = self._decoded[doc] = cat_mod.exemple_from_dict(json.loads(self._encoded[doc]))
        return ex

    def full_catalogue(self) -> Catalogue:
        if self._encoded is None:
            return self.catalogue
        c = self.catalogue
        return Catalogue(c.meta, c.axes, c.actions, tuple(self.exemple(i) for i in range(len(self))))

    def search(self, query: str, filtres: Filtres | None = None) -> tuple[list[tuple[Exemple, Hit]], Result]:
        accept = None
        if filtres:
            cat = self.catalogue

            def accept(doc: int) -> bool:
                return filtres.matches(self.exemple(doc), cat)

        result = run(self.index, query, accept=accept, texts=lambda d: field_texts(self.exemple(d), self.catalogue))
        return [(self.exemple(h.doc), h) for h in result.hits], result


def build(catalogue: Catalogue) -> Engine:
    return Engine(catalogue, Index.build([field_texts(e, catalogue) for e in catalogue.exemples]))


def _key(parts: Sequence[bytes]) -> bytes:
    h = hashlib.blake2b(digest_size=DIGEST)
    h.update(f"qpv {__version__} index {INDEX_VERSION} python {sys.version_info[:2]}".encode())
    for p in parts:
        h.update(len(p).to_bytes(8, "little"))
        h.update(p)
    return h.digest()


def _read_sources(paths: Sequence[Path]) -> list[tuple[str, bytes]]:
    out = []
    for path in paths:
        label = str(path)
        try:
            if path.is_dir():
                raise cat_mod.CatalogueError([cat_mod.Problem(label, "c'est un dossier, pas un fichier de catalogue")])
            if path.stat().st_size > cat_mod.MAX_FILE_BYTES:
                raise cat_mod.CatalogueError([cat_mod.Problem(label, "fichier trop gros (maximum 512 Mo)")])
            out.append((label, path.read_bytes()))
        except FileNotFoundError:
            raise cat_mod.CatalogueError([cat_mod.Problem(label, "fichier introuvable")]) from None
        except PermissionError:
            raise cat_mod.CatalogueError([cat_mod.Problem(label, "lecture refusée (permissions du fichier)")]) from None
        except IsADirectoryError:
            raise cat_mod.CatalogueError(
                [cat_mod.Problem(label, "c'est un dossier, pas un fichier de catalogue")]
            ) from None
    return out


def open_engine(paths: Sequence[Path] = (), *, with_report: bool = True) -> Engine:
    """The engine for the bundled catalogue and the user's files, from the cache when it can."""
    raw = _read_sources(paths)
    bundled = cat_mod.bundled_text() if with_report else None
    if not raw and bundled is None:
        raise cat_mod.CatalogueError(
            [cat_mod.Problem("qpv", "aucun catalogue : --sans-rapport demande au moins un fichier --data")]
        )

    def parse() -> Catalogue:
        sources = [cat_mod.Source(cat_mod.BUNDLED_SOURCE, bundled)] if bundled is not None else []
        sources += [cat_mod.Source(label, cat_mod.decode(data, label)) for label, data in raw]
        return cat_mod.build(sources)[0]

    if sum(len(d) for _, d in raw) < CACHE_THRESHOLD_BYTES:
        return build(parse())

    key = _key([(bundled or "").encode(), *(label.encode() + b"\0" + data for label, data in raw)])
    name = hashlib.blake2b(
        "\0".join(label for label, _ in raw).encode() + bytes([with_report]), digest_size=12
    ).hexdigest()
    path = cache_dir() / f"index-{name}.qpvidx"
    engine = load_cache(path, key)
    if engine is not None:
        return engine
    engine = build(parse())
    save_cache(path, key, engine)
    return engine


def _payload(engine: Engine) -> bytes:
    c = engine.catalogue
    state: dict[str, Any] = {
        "meta": json.dumps(c.meta, ensure_ascii=False, default=str),
        "axes": [a.to_dict() for a in c.axes],
        "actions": [a.to_dict() for a in c.actions],
        "records": [json.dumps({**e.to_dict(), "source": e.source}, ensure_ascii=False) for e in c.exemples],
        "index": engine.index.to_state(),
    }
    return marshal.dumps(state)


def save_cache(path: Path, key: bytes, engine: Engine) -> bool:
    """Write the cache atomically; a cache that cannot be written is only a lost speed-up."""
    from .export.files import atomic_write_bytes

    payload = _payload(engine)
    blob = MAGIC + key + hashlib.blake2b(payload, digest_size=DIGEST).digest() + payload
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
    if hashlib.blake2b(payload, digest_size=DIGEST).digest() != blob[len(MAGIC) + DIGEST : head]:
        return None
    try:
        state = marshal.loads(payload)
        catalogue = Catalogue(
            json.loads(state["meta"]),
            tuple(Axe(**a) for a in state["axes"]),
            tuple(Action(**{**a, "sous_actions": tuple(a.get("sous_actions", ()))}) for a in state["actions"]),
            (),
        )
        return Engine(catalogue, Index.from_state(state["index"]), state["records"], from_cache=True)
    except (ValueError, EOFError, TypeError, KeyError):
        return None


def open_catalogue(paths: Sequence[Path] = (), *, with_report: bool = True) -> Catalogue:
    """The catalogue for commands that do not search: big files still come from the cache."""
    try:
        big = sum(p.stat().st_size for p in paths if p.is_file()) >= CACHE_THRESHOLD_BYTES
    except OSError:
        big = False
    if not big:
        return cat_mod.load(paths, with_report=with_report)
    return open_engine(paths, with_report=with_report).full_catalogue()
