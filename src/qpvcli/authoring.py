"""Adding a record to a user's catalogue: id, validation, and an append that keeps every byte
already in the file (comments and layout included), written atomically.

Writers cooperate: each takes an exclusive lock (a lock file beside the catalogue, `flock` on
POSIX, `msvcrt.locking` on Windows), reads the file under it, appends, validates and replaces
the file atomically. An editor does not take the lock: the file is compared with what was read
just before it is replaced, and the append is done again on the new content when it changed
(refused, with a French message, when the record no longer fits it). A symlink's target is
written, the link kept; a read-only file, a special file, a non-UTF-8 file are refused; the
file's byte-order mark and line endings are kept."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .catalogue import Source, build, read_sources, report_frame
from .errors import CatalogueError, InvalidValue, InvalidValues, QpvError
from .export.toml import record_lines
from .files import _say, atomic_write_bytes, new_file_mode, no_folder
from .sources import SCHEMA_VERSION, decode, encoding_of, read_bytes
from .territoires import DEPARTEMENTS
from .text import fold_text

NEW_TITLE = "Mes exemples"  # the title of a catalogue `qpv nouveau` creates
HEADER = f"""[catalogue]
titre = "{NEW_TITLE}"
version_schema = {SCHEMA_VERSION}
"""


def slugify(title: str, limit: int = 60) -> str:
    words = re.sub(r"[^a-z0-9]+", " ", fold_text(title)).split()
    slug = ""
    for w in words:
        if len(slug) + len(w) + 1 > limit:
            break
        slug = f"{slug}-{w}" if slug else w
    return slug or "exemple"


def unique_id(base: str, taken: set[str]) -> str:
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


LOCK_TIMEOUT_S = 60.0
ATTEMPTS = 3


def _lock_timeout() -> float:
    import os

    try:
        return max(0.1, float(os.environ.get("QPV_DELAI_VERROU", "") or LOCK_TIMEOUT_S))
    except ValueError:
        return LOCK_TIMEOUT_S


def lock_path(real: Path) -> Path:
    """The lock file of a catalogue: beside it, hidden, there only while a writer works (see
    files.exclusive_lock: deleted safely when the lock is released)."""
    return real.parent / f".{real.name[:240]}.lock"


@contextmanager
def catalogue_lock(real: Path, label: Path) -> Iterator[None]:
    """Hold the exclusive lock of a catalogue; wait for it at most QPV_DELAI_VERROU seconds."""
    from .files import LockTimeout, _problem, exclusive_lock

    timeout = _lock_timeout()
    try:
        with exclusive_lock(lock_path(real), timeout, new_file_mode(), remove=True):
            yield
    except LockTimeout:
        raise QpvError(
            f"{_say(label)} : une autre commande qpv y ajoute un exemple depuis plus de {timeout:g} s ; "
            "réessayez dans un moment (rien n'a été écrit)."
        ) from None
    except OSError as err:  # the lock file cannot be made beside the catalogue
        raise _problem(label, err) from None


def _target(path: Path) -> tuple[Path, int | None]:
    """The file really written (a symlink's target) and its permissions (None: new file)."""
    import errno
    import os
    import stat

    from .files import _problem, _same, locate
    from .sources import bundled_path

    st, real = locate(path)
    bundled = bundled_path()
    if bundled is not None and (_same(bundled, path) or _same(bundled, real)):
        raise QpvError(f"{_say(path)} : c'est le catalogue du rapport, livré avec qpv : il ne sera pas modifié.")
    if st is None:
        if not real.parent.is_dir():
            raise QpvError(no_folder(path, real.parent))
        return real, None
    if stat.S_ISDIR(st.st_mode):
        raise _problem(path, OSError(errno.EISDIR, "Is a directory"))
    if not stat.S_ISREG(st.st_mode):
        raise QpvError(
            f"{_say(path)} n'est pas un fichier ordinaire (tube, périphérique, terminal) : "
            "« qpv nouveau » ajoute à un fichier catalogue .toml."
        )
    if not os.access(real, os.W_OK) or not st.st_mode & 0o222:
        raise QpvError(
            f"{_say(path)} est en lecture seule : l'exemple n'a pas été ajouté (chmod u+w {_say(path)} pour l'autoriser)."
        )
    return real, stat.S_IMODE(st.st_mode)


def _snapshot(real: Path, label: str) -> bytes | None:
    return read_bytes(real, label) if real.exists() else None


def add_example(
    path: Path,
    *,
    with_report: bool,
    other_paths: list[Path],
    **fields: Any,
) -> dict[str, Any]:
    """Validate the new record against everything loaded with it, then append it, under the
    catalogue's lock. `other_paths` may name `path` itself (QPV_DATA, --data): it is then read
    once, as the file being written, whatever its spelling (relative, absolute, a symlink)."""
    from .files import _same

    real, mode = _target(path)
    others = [p for p in other_paths if not _same(p, path) and not _same(p, real)]
    sources = read_sources(others, with_report=with_report)
    frame = None if with_report else report_frame()  # the report's axes and actions, lent
    with catalogue_lock(real, path):
        changed = False
        for _ in range(ATTEMPTS):
            existing = _snapshot(real, str(path))
            try:
                record, data = _appended(path, existing, sources, fields, frame)
            except (CatalogueError, InvalidValues) as err:  # an id taken by the editor's change, for one
                if not changed:
                    raise
                raise QpvError(
                    f"{_say(path)} a été modifié par un autre programme pendant l'ajout, et l'exemple ne peut plus "
                    f"y être ajouté : rien n'a été écrit. Relancez la commande.\n{err}"
                ) from None
            if _snapshot(real, str(path)) != existing:  # saved by an editor meanwhile: again
                changed = True
                continue
            atomic_write_bytes(real, data, mode=mode)
            return record
    raise QpvError(
        f"{_say(path)} change sans cesse (un autre programme l'écrit) : l'exemple n'a pas été ajouté. "
        "Fermez-le dans votre éditeur et relancez la commande."
    )


def _appended(
    path: Path, existing: bytes | None, sources: list[Source], fields: dict[str, Any], frame: Any = None
) -> tuple[dict[str, Any], bytes]:
    """The record and the file's new bytes: `existing` (kept to the byte) plus the record."""
    if existing is not None:
        encoding = encoding_of(existing)
        if encoding not in ("utf-8", "utf-8-sig"):
            raise QpvError(
                f"{_say(path)} est en {encoding.upper()} : « qpv nouveau » n'écrit qu'en UTF-8. Convertissez-le "
                f"d'abord (dans votre éditeur : « enregistrer sous », codage UTF-8 ; ou : iconv -f {encoding.upper()} "
                f"-t UTF-8 {_say(path.name)} > {_say(path.stem)}-utf8.toml), puis relancez."
            )
        text = decode(existing, str(path))
    else:
        text = HEADER
    newline = "\r\n" if text.count("\r\n") * 2 > text.count("\n") else "\n"
    label = str(path)
    catalogue, _ = build([*sources, Source(label, text)], frame=frame)  # the file as it is must already be valid
    record = _record(catalogue, **fields)
    wrong = _field_problems(record, catalogue, fields)
    if wrong:  # said as values given (the CLI names their options), not as lines of a file
        raise InvalidValues(wrong)

    block = newline.join(["", "[[exemples]]", *record_lines(record), ""])
    new_text = text + ("" if text.endswith("\n") or not text else newline) + block
    try:
        build([*sources, Source(label, new_text)], frame=frame)
    except CatalogueError as err:
        problems = [p for p in err.problems if p.fichier == label]
        raise CatalogueError(problems or err.problems) from None
    prefix = existing if existing is not None else HEADER.encode("utf-8")
    return record, prefix + new_text[len(text) :].encode("utf-8")


def typed_number(value: int | str) -> int | str:
    """An action's number as typed (« 8 », « 08 »), else the text itself (named as wrong)."""
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return value


def _record(
    catalogue: Any,
    *,
    identifiant: str | None,
    action: int | str,
    titre: str,
    description: str,
    partenaires: list[str],
    echelle: str | None,
    niveau: str | None,
    commune: str | None,
    departement: str | None,
    cout: str | None,
    cout_eur: int | str | None,
    contacts: list[str],
    liens: list[str],
) -> dict[str, Any]:
    """The record the values make; a value that cannot be used is left out here and named by
    `_field_problems`, with every other one, at once."""
    record: dict[str, Any] = {
        "id": identifiant.strip()
        if identifiant is not None
        else unique_id(slugify(titre), {e.id for e in catalogue.exemples}),
        "action": typed_number(action),
        "titre": titre.strip(),
        "description": description.strip(),
    }
    if partenaires:
        record["partenaires"] = [p.strip() for p in partenaires]
    if echelle is not None:
        record["echelle"] = echelle.strip()
    if niveau:
        from .selection import resolve_niveau

        record["niveau"] = resolve_niveau(niveau)
    if commune is not None or departement is not None:
        from .selection import departement_code

        code = departement_code(departement) if departement is not None else None
        nom = commune if commune is not None else DEPARTEMENTS[code][0] if code else None
        if nom is not None:
            territoire: dict[str, str] = {"nom": nom.strip()}
            if code:
                territoire["departement"] = code
                territoire["region"] = DEPARTEMENTS[code][1]
            record["territoires"] = [territoire]
    if cout is not None:
        record["cout"] = cout.strip()
    if cout_eur is not None:
        from .selection import resolve_montant

        with contextlib.suppress(InvalidValue):  # named by _field_problems
            record["cout_eur"] = resolve_montant(cout_eur, "cout_eur")
    if liens:
        record["ressources"] = [{"url": u.strip()} for u in liens]
    if contacts:
        record["contacts"] = [{"email": c.strip()} for c in contacts]

    return record


# The fields of a new record, by the name its values are given under (`add_example`'s keywords).
_GIVEN_AS = {
    "id": "identifiant",
    "titre": "titre",
    "description": "description",
    "partenaires": "partenaires",
    "echelle": "echelle",
    "cout": "cout",
    "commune": "commune",
    "contacts": "contacts",
    "ressources": "liens",
}


def _not_a_web_address(text: str) -> str:
    """Why a link is refused, with the one to write (« www.ville.fr » -> « https://www.ville.fr »)."""
    reason = f"« {text} » n'est pas une adresse web (elle commence par https://)"
    if " " not in text and "." in text and "://" not in text:
        return f"{reason} : écrivez https://{text}"
    return reason + "."


def _field_problems(record: dict[str, Any], catalogue: Any, given: dict[str, Any]) -> list[InvalidValue]:
    """Every value of a new record that the catalogue would refuse, each an InvalidValue naming
    the record's field (`champ`: id, action, titre, contacts, ressources, departement…); the
    reasons are the validator's own, so that `qpv nouveau` and `qpv valider` agree."""
    from .reading import Locator
    from .selection import departement_code
    from .validation import ID_PATTERN, URL_PATTERN, _check_exemple, _Checker

    errors: list[InvalidValue] = []
    for field, key in _GIVEN_AS.items():
        values = given.get(key)
        for value in values if isinstance(values, list) else [values]:
            if isinstance(value, str) and not value.strip():
                errors.append(InvalidValue(field, value, "le texte est vide."))
    departement = given.get("departement")
    if departement is not None and departement_code(departement) is None:
        errors.append(
            InvalidValue(
                "departement",
                departement,
                f"« {departement} » n'est ni un code de département (93, 2A, 974) ni le nom d'un département.",
            )
        )
    for lien in given.get("liens") or []:
        text = lien.strip()  # one with spaces: said by the validator
        if text and not any(c.isspace() for c in text) and not URL_PATTERN.fullmatch(text):
            errors.append(InvalidValue("ressources", lien, _not_a_web_address(text)))
    ident = record["id"]
    if given.get("identifiant") is not None and ident and not (ID_PATTERN.fullmatch(ident) and len(ident) <= 80):
        example = slugify(ident, 80)
        errors.append(
            InvalidValue(
                "id",
                ident,
                f"« {ident} » : un identifiant s'écrit en minuscules sans accents, mots séparés par des tirets"
                f" (par exemple : --id {example}).",
            )
        )
    elif any(e.id == ident for e in catalogue.exemples):
        errors.append(
            InvalidValue(
                "id", ident, f"« {ident} » est déjà l'identifiant d'un autre exemple : choisissez-en un autre."
            )
        )
    cout_eur = given.get("cout_eur")
    if cout_eur is not None:
        from .selection import resolve_montant

        try:
            resolve_montant(cout_eur, "cout_eur")
        except InvalidValue as err:
            errors.append(err)
    action = given.get("action")
    if isinstance(action, str) and not isinstance(typed_number(action), int):
        errors.append(
            InvalidValue(
                "action", action, f"« {action} » : le numéro d'une action est attendu (1 à 11 pour le rapport)."
            )
        )
    # Fields already said above are not said again by the validator.
    said = {e.champ for e in errors} | (
        {"territoires"} if {"commune", "departement"} & {e.champ for e in errors} else set()
    )

    class _Fields(_Checker):
        """The validator's problems, by field instead of by line."""

        def add(self, table: str, index: int | None, key: str | None, message: str, gravite: str = "erreur") -> None:
            if gravite == "erreur" and key not in said:
                name = f"exemple « {ident} » : "
                reason = message[len(name) :] if message.startswith(name) else message
                errors.append(InvalidValue(key or "exemple", None, reason + "."))

    actions = {a.numero: a for a in catalogue.actions}
    _check_exemple(_Fields("", Locator(None)), 0, record, actions)
    return errors
