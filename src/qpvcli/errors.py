"""Error types and exit codes: the one place where failures become French messages."""

from __future__ import annotations

from enum import IntEnum
from typing import NamedTuple


class ExitStatus(IntEnum):
    SUCCESS = 0
    ERROR = 1
    USAGE = 2
    INTERRUPTED = 130


class QpvError(Exception):
    """An error the user can act on; `str()` is the French message shown to them."""

    exit_status = ExitStatus.ERROR


class UsageError(QpvError):
    """A bad option value or argument (exit 2)."""

    exit_status = ExitStatus.USAGE


class Problem(NamedTuple):
    """One problem found in a catalogue file, located as precisely as the source allows."""

    fichier: str
    message: str
    ligne: int | None = None
    colonne: int | None = None
    gravite: str = "erreur"  # "erreur" or "avertissement"

    def __str__(self) -> str:
        where = self.fichier
        if self.ligne is not None:
            where += f":{self.ligne}"
            if self.colonne is not None:
                where += f":{self.colonne}"
        prefix = "" if self.gravite == "erreur" else "avertissement : "
        return f"{where}: {prefix}{self.message}"


class CatalogueError(QpvError):
    """A catalogue that cannot be used; carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        errors = [p for p in problems if p.gravite == "erreur"]
        lines = [str(p) for p in errors[:20]]
        if len(errors) > 20:
            lines.append(f"… et {len(errors) - 20} autres erreurs (voir « qpv valider »)")
        super().__init__("\n".join(lines))
