"""Safe file writing: only regular files are replaced, and always atomically.

A regular file (or a new one) is written to a temporary file in the same folder, then
`os.replace`d: a failure, Ctrl-C, SIGTERM or SIGHUP at any point leaves the previous file
intact and no temporary file behind. A symlink is followed: its target is replaced, the link
kept. A FIFO, a character device or a terminal is written into directly, as a shell redirect
(`>`) would, never replaced; a terminal gets the text made safe (terminal.safe). Never an
output: the bundled catalogue, a catalogue being read (compared by real path, through
symlinks and hard links), the cache folder. New files get the permissions the umask gives,
as with a shell redirect.
"""

import contextlib
import errno
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, NamedTuple

from .errors import QpvError, UsageError

NAME_MAX = 255


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def new_file_mode() -> int:
    """The mode a shell redirect gives a new file (0666 less the umask)."""
    return 0o666 & ~_umask()


def _say(path: Path | str) -> str:
    from .terminal import line

    return line(str(path))


def no_folder(path: Path, folder: Path) -> str:
    """`path` cannot be written: its folder does not exist. Said with what to do."""
    from .selection import shell_quote

    return (
        f"{_say(path)} : le dossier « {_say(folder)} » n'existe pas : créez-le d'abord"
        f" (mkdir -p {shell_quote(_say(folder))}) ou indiquez un dossier qui existe."
    )


# Failures to write a file, by errno: what the user is told after the file's name.
_WRITE_PROBLEMS = {
    errno.ENOSPC: "disque plein, le fichier n'a pas été écrit (l'ancien est intact).",
    errno.EDQUOT: "quota disque dépassé, le fichier n'a pas été écrit (l'ancien est intact).",
    errno.EROFS: "le disque est en lecture seule, rien n'a été écrit.",
    errno.ELOOP: "boucle de liens symboliques (un lien qui mène à lui-même).",
    errno.ENAMETOOLONG: "nom de fichier trop long (255 octets au plus par nom).",
    errno.ENOTDIR: "chemin invalide (une partie du chemin n'est pas un dossier).",
}


def _problem(path: Path, err: OSError) -> QpvError:
    """A French message for a failure to write `path`."""
    code = err.errno
    if isinstance(err, PermissionError) or code in (errno.EACCES, errno.EPERM):
        return QpvError(f"{_say(path)} : écriture refusée (permissions du dossier ou du fichier).")
    if code in _WRITE_PROBLEMS:
        return QpvError(f"{_say(path)} : {_WRITE_PROBLEMS[code]}")
    if code == errno.ENOENT:
        return QpvError(no_folder(path, path.parent))
    if code == errno.EISDIR:
        return UsageError(f"{_say(path)} : c'est un dossier ; indiquez un nom de fichier.")
    return QpvError(f"{_say(path)} : écriture impossible ({err.strerror or err}).")


class Target(NamedTuple):
    """Where an output really goes."""

    path: Path  # as given (for messages)
    real: Path  # the file written: a symlink's target, resolved
    exists: bool
    special: bool  # FIFO, character device, terminal: written into, never replaced
    mode: int | None  # the existing regular file's permissions


def _check_names(path: Path) -> None:
    for part in path.parts:
        if len(part.encode("utf-8", "surrogateescape")) > NAME_MAX:
            raise QpvError(
                f"{_say(path)[:80]}… : nom de fichier trop long "
                f"({len(part.encode('utf-8', 'surrogateescape'))} octets ; 255 au plus par nom)."
            )


def _never_outputs(extra: tuple[Path, ...]) -> list[Path]:
    from .sources import bundled_path

    paths = [p for p in (bundled_path(), *extra) if p is not None]
    return paths


def _cache_folder() -> Path | None:
    try:
        from .cache import cache_dir

        return cache_dir()
    except Exception:  # the cache is only a speed-up: never fail an export over it
        return None


def _same(a: Path, b: Path) -> bool:
    try:
        if os.path.realpath(a) == os.path.realpath(b):
            return True
        return os.path.samefile(a, b)
    except (OSError, ValueError):
        return False


def locate(path: Path) -> tuple[os.stat_result | None, Path]:
    """An output path's status (None: it does not exist) and the file really written (a
    symlink's target); French errors for names too long, a NUL byte, a symlink loop."""
    _check_names(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        st = None
    except OSError as err:
        raise _problem(path, err) from None
    except ValueError:
        raise QpvError("nom de fichier invalide (caractère nul).") from None
    try:
        real = Path(os.path.realpath(path, strict=False))
    except (OSError, ValueError) as err:
        raise _problem(path, err if isinstance(err, OSError) else OSError(errno.ELOOP, "")) from None
    return st, real


def target_of(path: Path, *, force: bool, protected: tuple[Path, ...] = ()) -> Target:
    """Check an output path and say where it really goes; French errors (exit 1, or 2 for a
    folder given as a file name)."""
    st, real = locate(path)
    if st is None and os.path.islink(path) and not real.parent.is_dir():
        raise QpvError(f"{_say(path)} : lien symbolique vers « {_say(real)} », dont le dossier n'existe pas.")

    for p in _never_outputs(protected):
        if _same(p, path) or (st is not None and _same(p, real)):
            raise QpvError(f"{_say(path)} : c'est un catalogue en cours de lecture, il ne sera pas écrasé.")
    cache = _cache_folder()
    if cache is not None:
        cache_real = os.path.realpath(cache)
        if real == Path(cache_real) or Path(cache_real) in real.parents:
            raise QpvError(f"{_say(path)} : c'est le dossier du cache de qpv, il ne sera pas écrit.")

    if st is not None:
        mode = st.st_mode
        if stat.S_ISDIR(mode):
            raise UsageError(f"{_say(path)} : c'est un dossier ; indiquez un nom de fichier (-o dossier/export.md).")
        if stat.S_ISBLK(mode):
            raise QpvError(f"{_say(path)} : c'est un disque (périphérique bloc) : qpv n'y écrit pas.")
        if stat.S_ISSOCK(mode):
            raise QpvError(f"{_say(path)} : c'est une socket : qpv n'y écrit pas.")
        if stat.S_ISFIFO(mode) or stat.S_ISCHR(mode):
            return Target(path, real, True, True, None)
        if not force:
            raise QpvError(f"{_say(path)} existe déjà : ajoutez --force pour le remplacer.")
        if not os.access(real, os.W_OK) or not mode & 0o222:
            raise QpvError(
                f"{_say(path)} est en lecture seule : il n'a pas été remplacé "
                f"(chmod u+w {_say(path)} pour l'autoriser)."
            )
        return Target(path, real, True, False, stat.S_IMODE(mode))
    if not real.parent.is_dir():
        raise QpvError(no_folder(path, path.parent))
    return Target(path, real, False, False, None)


@contextlib.contextmanager
def _special(target: Target) -> Iterator[BinaryIO]:
    """A FIFO, device or terminal, opened as a shell redirect opens it (`>`)."""
    try:
        # The name as given: a pipe reached through /dev/stdout has no real path to reopen.
        f = open(target.path, "wb")  # noqa: SIM115 - closed below
    except OSError as err:
        raise _problem(target.path, err) from None
    try:
        if f.isatty():
            from .terminal import GuardedBinary

            stream: BinaryIO = GuardedBinary(f, str(target.path), True, "utf-8")  # type: ignore[assignment]
        else:
            stream = f
        yield stream
        f.flush()
    except BrokenPipeError:
        pass  # the reader of a FIFO went away: as `cmd > fifo` does, stop writing
    except OSError as err:
        if err.errno == errno.EPIPE:
            pass
        else:
            raise _problem(target.path, err) from None
    finally:
        with contextlib.suppress(OSError):
            f.close()


@contextlib.contextmanager
def _atomic(real: Path, label: Path, mode: int | None) -> Iterator[BinaryIO]:
    """A temporary file beside `real`, renamed over it once written; removed on any failure."""
    import tempfile  # only to write a file (~1 ms: random, its seed): not an export to a pipe

    try:
        fd, tmp = tempfile.mkstemp(dir=real.parent, prefix=f".{real.name[:200]}.", suffix=".tmp")
    except OSError as err:
        raise _problem(label, err) from None
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        with contextlib.suppress(OSError):
            os.chmod(tmp, mode if mode is not None else new_file_mode())
        os.replace(tmp, real)
    except BaseException as err:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(err, OSError) and not isinstance(err, BrokenPipeError):
            raise _problem(label, err) from None
        raise


@contextlib.contextmanager
def open_output(path: Path, *, force: bool, protected: tuple[Path, ...] = ()) -> Iterator[BinaryIO]:
    """A binary stream for a user's output file. A regular file is written to a temporary file
    renamed into place when the block ends without error, and removed otherwise (error,
    KeyboardInterrupt, SIGTERM); a FIFO, device or terminal is written into directly. Every
    failure is a French message (QpvError, exit 1)."""
    target = target_of(path, force=force, protected=protected)
    if target.special:
        with _special(target) as stream:
            yield stream
        return
    with _atomic(target.real, target.path, target.mode) as stream:
        yield stream


def write_output(path: Path, data: bytes, *, force: bool, protected: tuple[Path, ...] = ()) -> None:
    """Write a user's output file, refusing to overwrite without --force or to touch a catalogue
    being read; every failure is a French message (exit 1)."""
    with open_output(path, force=force, protected=protected) as f:
        f.write(data)


def atomic_write_bytes(path: Path, data: bytes, *, mode: int | None = None) -> None:
    """Write `data` to the regular file `path` atomically (QpvError on failure, nothing left
    behind); an existing file keeps its permissions, a new one gets the umask's."""
    if mode is None:
        with contextlib.suppress(OSError):
            mode = stat.S_IMODE(os.stat(path).st_mode)
    with _atomic(path, path, mode) as f:
        f.write(data)


# ---------------------------------------------------------------------------- locks


class LockTimeout(Exception):
    """Another process held the lock for longer than we would wait."""


def _try_lock(fd: int) -> bool:
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
        except OSError:
            return False
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except (BlockingIOError, PermissionError):
        return False
    return True


@contextlib.contextmanager
def exclusive_lock(lock_file: Path, timeout: float, mode: int = 0o644, remove: bool = False) -> Iterator[None]:
    """Hold an exclusive lock on `lock_file` (created if needed; `flock` on POSIX, `msvcrt` on
    Windows), waiting for it at most `timeout` seconds (LockTimeout). Closing the file releases
    the lock, so a killed process never leaves it held. OSError if the file cannot be made.

    `remove`: the file is deleted when the lock is released, so none is left behind. Safe with
    waiting writers: a lock taken on a file that is no longer the one at `lock_file` (deleted
    meanwhile by the writer before) is dropped and taken again on the current one, so two
    writers never hold locks on two different files."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        fd = os.open(lock_file, os.O_RDWR | os.O_CREAT, mode)
        try:
            while not _try_lock(fd):
                if time.monotonic() > deadline:
                    raise LockTimeout
                time.sleep(0.02)
            if not remove or _still_linked(lock_file, fd):
                break
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)
    try:
        yield
    finally:
        if remove:
            with contextlib.suppress(OSError):  # Windows cannot delete an open file: it stays
                os.unlink(lock_file)
        os.close(fd)


def _still_linked(path: Path, fd: int) -> bool:
    """Whether `path` still names the file open as `fd`."""
    try:
        st = os.stat(path)
    except OSError:
        return False
    mine = os.fstat(fd)
    return (st.st_dev, st.st_ino) == (mine.st_dev, mine.st_ino)
