"""Safe file writing: a temporary file in the same folder, then `os.replace`.

A failure or Ctrl-C at any point leaves the previous file intact and no temporary file behind.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from pathlib import Path

from .errors import QpvError


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write `data` to `path` atomically (OSError propagates, nothing is left behind)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if path.exists():
            with contextlib.suppress(OSError):
                os.chmod(tmp, path.stat().st_mode & 0o7777)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_output(path: Path, data: bytes, *, force: bool, protected: tuple[Path, ...] = ()) -> None:
    """Write a user's output file, refusing to overwrite without --force or to touch a catalogue
    being read; every failure is a French message (exit 1)."""
    try:
        target = path.resolve()
    except OSError:
        target = path.absolute()
    for p in protected:
        try:
            if p.exists() and target.exists() and os.path.samefile(p, target):
                raise QpvError(f"{path} : c'est un catalogue en cours de lecture, il ne sera pas écrasé.")
        except OSError:
            continue
    if path.is_dir():
        raise QpvError(f"{path} : c'est un dossier ; indiquez un nom de fichier.")
    if path.exists() and not force:
        raise QpvError(f"{path} existe déjà : ajoutez --force pour le remplacer.")
    if not path.parent.exists():
        raise QpvError(f"{path} : le dossier « {path.parent} » n'existe pas.")
    try:
        atomic_write_bytes(path, data)
    except PermissionError:
        raise QpvError(f"{path} : écriture refusée (permissions du dossier ou du fichier).") from None
    except OSError as err:
        if err.errno == errno.ENOSPC:
            raise QpvError(f"{path} : disque plein, le fichier n'a pas été écrit (l'ancien est intact).") from None
        raise QpvError(f"{path} : écriture impossible ({err.strerror or err}).") from None
