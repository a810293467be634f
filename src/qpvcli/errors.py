"""Error types and exit codes: the one place where failures become French messages."""

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
    gravite: str = "erreur"  # "erreur", "avertissement" or "information"

    def __str__(self) -> str:
        where = self.fichier
        if self.ligne is not None:
            where += f":{self.ligne}"
            if self.colonne is not None:
                where += f":{self.colonne}"
        prefix = "" if self.gravite == "erreur" else f"{self.gravite} : "
        from .terminal import line, safe  # a message quotes the catalogue: never raw controls

        return f"{line(where)}: {prefix}{safe(self.message)}"


class CatalogueError(QpvError):
    """A catalogue that cannot be used; carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        errors = [p for p in problems if p.gravite == "erreur"]
        lines = [str(p) for p in errors[:20]]
        if len(errors) > 20:
            lines.append(f"… et {len(errors) - 20} autres erreurs (voir « qpv valider »)")
        super().__init__("\n".join(lines))


class InvalidValue(UsageError):
    """A value the library cannot use for one of its criteria (`champ`: axe, niveau, action,
    cout_max, partenaire, territoire, tri, limite, requete...). The message names the criterion;
    the command line says which option it was (see cli.OPTION_OF)."""

    def __init__(self, champ: str, value: object, reason: str, choices: tuple[str, ...] = (), hint: str | None = None):
        self.champ = champ
        self.value = value
        self.reason = reason
        self.choices = choices
        self.hint = hint
        super().__init__(self.message(champ))

    def message(self, name: str | None) -> str:
        """The message, naming the criterion as `name` (an option), or not at all (None)."""
        text = f"{name} : {self.reason}" if name else self.reason
        if self.choices:
            text += f" Valeurs possibles : {', '.join(self.choices)}."
        if self.hint:
            text += f" Vouliez-vous dire « {self.hint} » ?"
        return text


class InvalidValues(UsageError):
    """Several values a record cannot take, all found at once (`qpv nouveau`): each an
    InvalidValue naming the record's field; the command line says which option gave it."""

    def __init__(self, errors: list[InvalidValue]):
        self.errors = errors
        super().__init__("\n".join(e.message(e.champ) for e in errors))

    def messages(self, option_of: dict[str, str]) -> str:
        return "\n".join(e.message(option_of.get(e.champ, e.champ)) for e in self.errors)
