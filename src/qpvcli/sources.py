"""Where catalogues come from and how their bytes are read: the bundled report, the user's
files (--data, QPV_DATA), UTF-8 decoding with French errors. Kept apart from the validator
(catalogue.py) so that a run served from the cache never imports it."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from .errors import CatalogueError, Problem

SCHEMA_VERSION = 1
BUNDLED_SOURCE = "rapport"
MAX_FILE_BYTES = 512 * 1024 * 1024


def bundled_text() -> str:
    """The report's catalogue shipped inside the package.

    Read as a plain file next to this module when it is one (an installed wheel), which spares
    importing importlib.resources (~5 ms at every start); through importlib.resources
    otherwise (zipped installs); from data/ in a source checkout.
    """
    here = Path(__file__).with_name("data") / "examples.toml"
    if here.is_file():
        return here.read_text(encoding="utf-8")
    from importlib import resources

    resource = resources.files("qpvcli").joinpath("data/examples.toml")
    if resource.is_file():
        return resource.read_text(encoding="utf-8")
    return (Path(__file__).resolve().parents[2] / "data" / "examples.toml").read_text(encoding="utf-8")


def user_paths(options: Sequence[Path] = (), env: str | None = None) -> list[Path]:
    """Catalogue paths from QPV_DATA (separated as PATH is) then from --data, in that order;
    a file given twice (in both, or twice in one) is kept once, where it first appears."""
    return list(user_origins(options, env))


def user_origins(options: Sequence[Path] = (), env: str | None = None) -> dict[Path, str]:
    """`user_paths`, each with where it was given: "QPV_DATA" or "--data"."""
    value = os.environ.get("QPV_DATA", "") if env is None else env
    given = [(Path(p.strip()).expanduser(), "QPV_DATA") for p in value.split(os.pathsep) if p.strip()]
    given += [(Path(p), "--data") for p in options]
    out: dict[Path, str] = {}
    seen: set[str] = set()
    for path, origin in given:
        try:
            key = str(path.resolve())
        except (OSError, RuntimeError):
            key = str(path)
        if key not in seen:
            seen.add(key)
            out[path] = origin
    return out


def is_regular(path: Path) -> bool:
    """A regular file (or one that cannot be examined: reading it will say why). Pipes,
    /dev/stdin and devices are read once and never cached."""
    import stat

    try:
        return stat.S_ISREG(path.stat().st_mode)
    except OSError:
        return True


def read_bytes(path: Path, label: str) -> bytes:
    """A catalogue file's bytes, with French errors for a missing, unreadable or huge file."""
    try:
        if path.is_dir():
            raise CatalogueError([Problem(label, "c'est un dossier, pas un fichier de catalogue")])
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise CatalogueError([Problem(label, f"fichier trop gros ({size // 2**20} Mo, maximum 512 Mo)")])
        return path.read_bytes()
    except FileNotFoundError:
        raise CatalogueError([Problem(label, "fichier introuvable")]) from None
    except PermissionError:
        raise CatalogueError([Problem(label, "lecture refusée (permissions du fichier)")]) from None
    except IsADirectoryError:
        raise CatalogueError([Problem(label, "c'est un dossier, pas un fichier de catalogue")]) from None
    except OSError as err:
        raise CatalogueError([Problem(label, f"lecture impossible ({err.strerror or err})")]) from None


def decode(data: bytes, label: str) -> str:
    """UTF-8 text (a byte-order mark accepted, UTF-16 with its BOM too), or a French error
    pointing at the first byte that is not UTF-8."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        col = err.start - data.rfind(b"\n", 0, err.start)
        message = (
            "le fichier n'est pas en UTF-8 (enregistré en Windows-1252 ou Latin-1 ?) : "
            "rouvrez-le et enregistrez-le en « UTF-8 »"
        )
        raise CatalogueError([Problem(label, message, line, col)]) from None
