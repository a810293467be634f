"""The fixed vocabulary of themes (`thematiques`), read from thematiques.toml beside this module.

A theme is qpv's classification of an example, not the report's words: see docs/data-model.md.
The file is read once per process, when a record names a theme, and checked as it is read: a
malformed file is a clear French error (`ThemesFileError`), never a crash later on.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from .errors import QpvError

THEMES_FILE = Path(__file__).resolve().with_name("thematiques.toml")
_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_KEYS = ("id", "libelle", "description", "mots")


class Theme(NamedTuple):
    id: str
    libelle: str
    description: str
    mots: tuple[str, ...]


class ThemesFileError(QpvError):
    """thematiques.toml cannot be used: every problem found, in French."""


def _text(value: Any) -> bool:
    return isinstance(value, str) and value.strip() != ""


def parse(text: str, label: str = "thematiques.toml") -> dict[str, Theme]:
    """Themes by id, in file order, from the text of a themes file; ThemesFileError if malformed."""
    import tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ThemesFileError(f"{label} : fichier TOML illisible ({err})") from None
    raws = data.get("thematiques")
    if not isinstance(raws, list) or not raws:
        raise ThemesFileError(f"{label} : des tables [[thematiques]] sont attendues")
    problems: list[str] = []
    themes: dict[str, Theme] = {}
    for n, raw in enumerate(raws, 1):
        if not isinstance(raw, dict):
            problems.append(f"thématique n° {n} : une table [[thematiques]] est attendue")
            continue
        name = f"thématique « {raw['id']} »" if _text(raw.get("id")) else f"thématique n° {n}"
        bad = [k for k in ("id", "libelle", "description") if not _text(raw.get(k))]
        bad += [f"{k} (une liste de textes non vides)" for k in ("mots",) if not _mots_ok(raw.get(k))]
        problems += [f"{name} : « {k} » manquant ou invalide" for k in bad]
        problems += [f"{name} : champ « {k} » inconnu" for k in sorted(set(raw) - set(_KEYS))]
        if "id" not in bad and not _ID.fullmatch(raw["id"]):
            problems.append(f"{name} : l'identifiant doit être en minuscules sans accents, avec des tirets")
            bad.append("id")
        if "id" not in bad and raw["id"] in themes:
            problems.append(f"{name} : identifiant en double")
            bad.append("id")
        if not bad and not set(raw) - set(_KEYS):
            themes[raw["id"]] = Theme(raw["id"], raw["libelle"], raw["description"], tuple(raw["mots"]))
    if problems:
        raise ThemesFileError(f"{label} : " + " ; ".join(problems))
    return themes


def _mots_ok(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(_text(m) for m in value)


@lru_cache(maxsize=1)
def load() -> dict[str, Theme]:
    """Every theme of the vocabulary, by id, in file order (read once)."""
    return parse(THEMES_FILE.read_text(encoding="utf-8"), str(THEMES_FILE))


def _key(text: str) -> str:
    from .text import fold_text

    return re.sub(r"[^a-z0-9]+", "-", fold_text(text)).strip("-")


def closest(word: str, themes: dict[str, Theme] | None = None) -> str | None:
    """The theme id a user most likely meant by `word`: an id typed with accents or spaces
    (« santé »), a label or one of a theme's words (« îlots de fraîcheur »), the start of an id
    (« chaleur »), or a close spelling (« biodiversté »); None when nothing is close."""
    from difflib import get_close_matches

    themes = load() if themes is None else themes
    key = _key(word)
    if not key:
        return None
    # the word as typed, then its singular (« chaleurs », « déchets »)
    for form in (key, key[:-1]) if len(key) > 3 and key[-1] in "sx" else (key,):
        if form in themes:
            return form
        for theme in themes.values():
            if form == _key(theme.libelle) or any(form == _key(m) for m in theme.mots):
                return theme.id
        parts = [t for t in themes if form in t.split("-") or t.startswith(form + "-")]
        if len(parts) == 1:
            return parts[0]
    found = get_close_matches(key, list(themes), n=1, cutoff=0.6)
    return found[0] if found else None
