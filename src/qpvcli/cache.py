"""Where stores live and when one can be trusted: one SQLite store per set of sources.

A store is keyed on the content of its sources (the bundled catalogue, the synonym list, every
user file) and on the program version. A later run trusts it without reading the sources (the
bundled catalogue and data files included) when the file system shows them untouched (size, times and inode, as git's index does) and they were
not modified within the timestamp granularity of the moment the store was made (git's "racy
clean" rule: a coarse-timestamp disk can hide a same-size edit made in the same second);
otherwise the sources are read and their content key compared.

A missing, stale, foreign or damaged store is rebuilt under an exclusive lock (two first runs at
once build once), into a temporary file renamed into place (readers never see a half-built
store). When the cache folder cannot be used, or a source is not a regular file (a pipe,
/dev/stdin), the store is built in memory and nothing is left behind.
"""

import itertools
import os
import sqlite3
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import NamedTuple

from . import __version__
from .errors import CatalogueError, Problem
from .sources import BUNDLED_SOURCE, bundled_path, bundled_text, decode, is_regular, read_blocks, read_bytes
from .store import STORE_FORMAT, DamagedStore, Store, Writer, connect, loads

try:  # hashlib's import also loads OpenSSL (~4 ms); BLAKE2 is built into CPython
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - other interpreters
    from hashlib import blake2b

# The data files a store is built from besides the catalogues (thesaurus.THESAURUS_FILE,
# thematiques.THEMES_FILE).
DATA_FILES = ("thesaurus.toml", "thematiques.toml")
# From about 5,000 records, the index is built in a second process (see search.index.ParallelIndex).
PARALLEL_ABOVE_BYTES = 10_000_000
RACY_NS = 3_000_000_000  # timestamps as coarse as FAT's (2 s), with a margin
LOCK_WAIT_S = 600.0  # another process building a very large store


def cache_dir() -> Path | None:
    """QPV_CACHE_DIR, else the platform's user cache folder (XDG on Linux: a relative
    XDG_CACHE_HOME is ignored, as the specification says)."""
    if os.environ.get("QPV_CACHE_DIR"):
        return Path(os.environ["QPV_CACHE_DIR"])
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        xdg = os.environ.get("XDG_CACHE_HOME", "")
        base = Path(xdg) if os.path.isabs(xdg) else Path.home() / ".cache"
    return base / "qpv"


class Opened(NamedTuple):
    store: Store
    notices: list[str]  # what the user should know (the cache could not be used...)


def _digest(*parts: Iterable[bytes]) -> str:
    """One key for byte strings taken one at a time (a large file is hashed, then let go)."""
    h = blake2b(digest_size=32)
    h.update(f"qpv {__version__} store {STORE_FORMAT}".encode())
    for p in itertools.chain(*parts):
        h.update(len(p).to_bytes(8, "little"))
        h.update(p)
    return h.hexdigest()


def _signature(paths: Sequence[Path]) -> list[list[int | str]] | None:
    out: list[list[int | str]] = []
    for p in paths:
        try:
            st = p.stat()
        except OSError:
            return None
        out.append([str(p.resolve()), st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino])
    return out


class _Sources:
    """The sources of one run: their labels, read when needed (not at all when their signature
    shows them untouched). A regular file is read again for each use, one at a time (a large
    catalogue is never held twice, nor beside the others); a pipe can be read once only, so its
    bytes are kept."""

    def __init__(self, paths: Sequence[Path], with_report: bool):
        self.paths = list(paths)
        self.with_report = with_report
        # Everything a store is made of besides the user's files: a change rebuilds it. (The
        # files are read by name: their modules are imported only when a store is built.)
        here = Path(__file__).parent
        self.data_files = [here / name for name in DATA_FILES]
        self._bundled: str | None = None
        self._fixed_key: str | None = None
        self._piped: dict[Path, bytes] = {}

    @property
    def bundled(self) -> str:
        """The report's catalogue, read on first use: its records, or without them (--sans-rapport)
        its axes and actions, which frame the user's files."""
        if self._bundled is None:
            self._bundled = bundled_text()
        return self._bundled

    @property
    def fixed_key(self) -> str:
        """The content key of the report's catalogue (whole, or as a frame) and the data files."""
        if self._fixed_key is None:
            use = b"rapport" if self.with_report else b"cadre"
            self._fixed_key = _digest([use, self.bundled.encode(), *(p.read_bytes() for p in self.data_files)])
        return self._fixed_key

    def signed_paths(self) -> tuple[list[Path], bool]:
        """The files whose signature is recorded in a store: the data files, the report's
        catalogue when it is a plain file, then the user's files; and whether they cover every
        source but the user's (a zipped report is compared by content at each run)."""
        report = bundled_path()
        fixed = [*self.data_files, *([report] if report is not None else [])]
        return fixed + self.paths, report is not None

    def raw(self, path: Path) -> bytes:
        if path in self._piped:
            return self._piped[path]
        data = read_bytes(path, str(path))
        if not is_regular(path):
            self._piped[path] = data
        return data

    def forget(self) -> None:
        """Read the fixed files again next time (their signature is about to be taken)."""
        self._bundled = None
        self._fixed_key = None

    def content_key(self) -> str:
        return _digest([self.fixed_key.encode()], (str(p).encode() + b"\0" + self._file_key(p) for p in self.paths))

    def content_key_later(self) -> Callable[[], str]:
        """`content_key`, hashed in a thread while the build reads the same files (hashing
        and reading release the GIL: the first record is no longer behind a whole read of the
        files); what it returns gives the key, or the thread's error. Read now when a source
        is not a regular file (a pipe is read once, by whoever comes first)."""
        if not all(p not in self._piped and is_regular(p) for p in self.paths):
            key = self.content_key()
            return lambda: key
        import threading

        self.fixed_key  # noqa: B018 -- read here, never by both threads at once
        found: list[str] = []
        failed: list[BaseException] = []

        def run() -> None:
            try:
                found.append(self.content_key())
            except BaseException as err:  # given to the build when it asks for the key
                failed.append(err)

        thread = threading.Thread(target=run, name="qpv-cle", daemon=True)
        thread.start()

        def key() -> str:
            thread.join()
            if failed:
                raise failed[0]
            return found[0]

        return key

    def _file_key(self, path: Path) -> bytes:
        """A file's content hashed block by block (a large catalogue is never held whole)."""
        h = blake2b(digest_size=32)
        for block in read_blocks(path, str(path)) if path not in self._piped and is_regular(path) else [self.raw(path)]:
            h.update(block)
        return h.digest()

    def build(
        self,
        conn: sqlite3.Connection,
        meta: dict[str, str],
        parallel: Path | None = None,
        key: Callable[[], str] | None = None,
    ) -> None:
        """Build the store into `conn`; `parallel`: a scratch file to index in a second process;
        `key`: the content key (`content_key_later`), asked for when the records are in."""
        from . import catalogue

        sources: list[catalogue.Source | catalogue.FileSource] = (
            [catalogue.Source(BUNDLED_SOURCE, self.bundled)] if self.with_report else []
        )
        frame = None if self.with_report else catalogue.report_frame(self.bundled)
        sources += [catalogue.FileSource(str(p), lambda p=p: decode(self.raw(p), str(p)), p) for p in self.paths]
        writer = Writer(conn, parallel)
        try:
            cat, _ = catalogue.build(sources, sink=writer.add, frame=frame)
            if key is not None:
                meta = {**meta, "cle": key()}
            if catalogue.lends(frame, cat):  # cited by the exports as the frame of the records
                import json

                meta = {**meta, "cadre": json.dumps(frame.meta, ensure_ascii=False, default=str)}  # type: ignore[union-attr]
            writer.finish(cat, meta)
        finally:
            writer.close()

    def worth_a_second_process(self) -> bool:
        """Whether the index is worth building in a second process: user files large enough
        that the overlap pays for starting it, and a second core to run it."""
        size = 0
        for p in self.paths:
            try:
                size += p.stat().st_size
            except OSError:
                return False
        return size >= PARALLEL_ABOVE_BYTES and (os.cpu_count() or 1) > 1


def open_store(paths: Sequence[Path] = (), *, with_report: bool = True, use_cache: bool = True) -> Opened:
    """The store of these sources: from the cache when it can be trusted, else built."""
    if not paths and not with_report:
        raise CatalogueError([Problem("qpv", "aucun catalogue : sans le rapport, au moins un fichier est nécessaire")])
    sources = _Sources(paths, with_report)
    folder = cache_dir() if use_cache else None
    if folder is None or not all(is_regular(p) for p in paths):
        return Opened(_in_memory(sources), [])
    labels = "\0".join(str(p.resolve()) for p in paths) + ("\0rapport" if with_report else "")
    path = folder / f"qpv-{blake2b(labels.encode(), digest_size=12).hexdigest()}.sqlite3"

    store = _trusted(path, sources)
    if store is not None:
        return Opened(store, [])
    from .files import LockTimeout, exclusive_lock  # only to build: tempfile costs at every start

    try:
        folder.mkdir(parents=True, exist_ok=True)
        with exclusive_lock(path.with_suffix(".lock"), LOCK_WAIT_S):
            store = _trusted(path, sources)  # built meanwhile by another process
            if store is None:
                _build_file(path, sources)
                store = _trusted(path, sources)
    except (OSError, sqlite3.Error, LockTimeout) as err:
        if isinstance(err, LockTimeout):
            reason = "un autre qpv construit le cache depuis trop longtemps"
        else:
            reason = err.strerror if isinstance(err, OSError) and err.strerror else str(err) or type(err).__name__
        notice = f"dossier de cache inutilisable ({folder} : {reason}) ; catalogue chargé en mémoire."
        return Opened(_in_memory(sources), [notice])
    if store is None:  # written but not readable back: the disk lies, do without it
        return Opened(_in_memory(sources), [f"cache illisible ({path}) ; catalogue chargé en mémoire."])
    return Opened(store, [])


def _in_memory(sources: _Sources) -> Store:
    conn = connect(None)
    sources.build(conn, {"cle": "", "signature": "null", "signe_le": "0"})
    return Store(conn)


def _trusted(path: Path, sources: _Sources) -> Store | None:
    """The store at `path` if it is ours, whole, and made from these very sources."""
    if not path.is_file():
        return None
    try:
        store = Store(connect(str(path)), str(path))
    except (DamagedStore, sqlite3.Error):
        return None
    try:
        meta = store.meta
        if meta.get("qpv") != __version__:
            store.close()
            return None
        # The report, the data files and the user's files untouched since the store was made:
        # nothing is read. Otherwise their contents are compared.
        paths, covered = sources.signed_paths()
        signature = _signature(paths)
        signed_at = int(meta.get("signe_le", "0"))
        unchanged = signature is not None and loads(meta.get("signature", "null")) == signature
        settled = unchanged and all(s[2] < signed_at - RACY_NS and s[3] < signed_at - RACY_NS for s in signature)  # type: ignore[union-attr]
        if settled and (covered or meta.get("fixe") == sources.fixed_key):
            return store
        if meta.get("fixe") != sources.fixed_key or meta.get("cle") != sources.content_key():
            store.close()
            return None
        _resign(path, signature)
        return store
    except (sqlite3.Error, ValueError, TypeError):
        store.close()
        return None


def _resign(path: Path, signature: list[list[int | str]] | None) -> None:
    """Same content, newer file-system signature: record it so the next run need not read the
    sources. Only a speed-up: failing to write it changes nothing."""
    if signature is None:
        return
    import json

    try:
        conn = sqlite3.connect(path, timeout=0.5)
        with conn:
            conn.executemany(
                "UPDATE meta SET valeur = ? WHERE cle = ?",
                [(json.dumps(signature), "signature"), (str(time.time_ns()), "signe_le")],
            )
        conn.close()
    except sqlite3.Error:
        pass


def _build_file(path: Path, sources: _Sources) -> None:
    """Build into a temporary file beside the store, then rename it into place."""
    for stale in path.parent.glob(f".{path.name}.*.tmp"):  # left by a killed build (we hold the lock)
        stale.unlink(missing_ok=True)
    for legacy in path.parent.glob("qpv-*.*"):  # caches of qpv before the SQLite store
        if legacy.suffix in (".cache", ".records", ".index"):
            legacy.unlink(missing_ok=True)
    import json

    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    # The signature is taken before the content is read: an edit in between is seen next time.
    signed_at = time.time_ns()
    signature = _signature(sources.signed_paths()[0])
    sources.forget()
    try:
        conn = sqlite3.connect(tmp)
        try:
            meta = {
                "qpv": __version__,
                "fixe": sources.fixed_key,
                "cle": "",  # hashed while the build reads the files: see content_key_later
                "signature": json.dumps(signature),
                "signe_le": str(signed_at),
            }
            scratch = tmp.with_name(f".{path.name}.{os.getpid()}.index.tmp")
            sources.build(
                conn, meta, scratch if sources.worth_a_second_process() else None, sources.content_key_later()
            )
        finally:
            conn.close()
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
