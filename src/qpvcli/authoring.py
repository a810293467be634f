"""Adding a record to a user's catalogue: id, validation, and an append that keeps every byte
already in the file (comments and layout included), written atomically."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .catalogue import Source, build, read_sources
from .errors import CatalogueError, QpvError
from .export.toml import record_lines
from .files import atomic_write_bytes
from .sources import SCHEMA_VERSION, decode, read_bytes
from .territoires import DEPARTEMENTS, normalise_code
from .text import fold_text

HEADER = f"""[catalogue]
titre = "Mes exemples"
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


def add_example(
    path: Path,
    *,
    with_report: bool,
    other_paths: list[Path],
    identifiant: str | None,
    action: int,
    titre: str,
    description: str,
    partenaires: list[str],
    echelle: str | None,
    niveau: str | None,
    commune: str | None,
    departement: str | None,
    cout: str | None,
    cout_eur: int | None,
    contacts: list[str],
    liens: list[str],
) -> dict[str, Any]:
    """Validate the new record against everything loaded with it, then append it."""
    existing = read_bytes(path, str(path)) if path.exists() else None
    text = decode(existing, str(path)) if existing is not None else HEADER
    sources = [*read_sources(other_paths, with_report=with_report), Source(str(path), text)]
    catalogue, _ = build(sources)  # the file as it is must already be valid

    record: dict[str, Any] = {
        "id": identifiant or unique_id(slugify(titre), {e.id for e in catalogue.exemples}),
        "action": action,
        "titre": titre.strip(),
        "description": description.strip(),
    }
    if partenaires:
        record["partenaires"] = [p.strip() for p in partenaires]
    if echelle:
        record["echelle"] = echelle.strip()
    if niveau:
        from .selection import resolve_niveau

        record["niveau"] = resolve_niveau(niveau)
    if commune or departement:
        code = normalise_code(departement) if departement else None
        if departement and code is None:
            raise QpvError(f"--departement : « {departement} » n'est pas un code de département (93, 2A, 974).")
        territoire: dict[str, str] = {"nom": (commune or DEPARTEMENTS[code][0]).strip()}  # type: ignore[index]
        if code:
            territoire["departement"] = code
            territoire["region"] = DEPARTEMENTS[code][1]
        record["territoires"] = [territoire]
    if cout:
        record["cout"] = cout.strip()
    if cout_eur is not None:
        record["cout_eur"] = cout_eur
    if liens:
        record["ressources"] = [{"url": u.strip()} for u in liens]
    if contacts:
        record["contacts"] = [{"email": c.strip()} for c in contacts]

    block = "\n".join(["", "[[exemples]]", *record_lines(record), ""])
    new_text = text + ("" if text.endswith("\n") else "\n") + block
    try:
        build([*sources[:-1], Source(str(path), new_text)])
    except CatalogueError as err:
        problems = [p for p in err.problems if p.fichier == str(path)]
        raise CatalogueError(problems or err.problems) from None
    prefix = existing if existing is not None else HEADER.encode("utf-8")
    addition = new_text[len(text) :].encode("utf-8")
    try:
        atomic_write_bytes(path, prefix + addition)
    except PermissionError:
        raise QpvError(f"{path} : écriture refusée (permissions du dossier ou du fichier).") from None
    except OSError as err:
        raise QpvError(f"{path} : écriture impossible ({err.strerror or err}).") from None
    return record
