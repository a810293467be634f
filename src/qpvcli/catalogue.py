"""Load catalogue files (bundled and the user's), validate them, and say where each problem is."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from .errors import CatalogueError, Problem
from .model import (
    NIVEAUX,
    Action,
    Axe,
    Catalogue,
    Contact,
    Correction,
    Exemple,
    Ressource,
    Territoire,
)
from .sources import BUNDLED_SOURCE, SCHEMA_VERSION, bundled_text, decode, read_bytes
from .text import fold_text

ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
DEPARTEMENT_PATTERN = re.compile(r"^(?:0[1-9]|[1-8]\d|9[0-5]|2[AB]|97[1-6])$")
EMAIL_PATTERN = re.compile(r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
URL_PATTERN = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)

# Field name -> (type check, French description of what is expected).
_STR = (lambda v: isinstance(v, str) and v.strip() != "", "un texte non vide")
_INT = (lambda v: isinstance(v, int) and not isinstance(v, bool), "un nombre entier")
_BOOL = (lambda v: isinstance(v, bool), "true ou false")
_STR_LIST = (
    lambda v: isinstance(v, list) and all(isinstance(x, str) and x.strip() for x in v),
    "une liste de textes",
)
_TABLE_LIST = (
    lambda v: isinstance(v, list) and all(isinstance(x, dict) for x in v),
    "une liste de tables { ... }",
)

EXEMPLE_FIELDS: dict[str, tuple[Any, str]] = {
    "id": _STR,
    "action": _INT,
    "titre": _STR,
    "titre_original": _STR,
    "description": _STR,
    "partenaires": _STR_LIST,
    "partenaires_texte": _STR,
    "echelle": _STR,
    "niveau": (
        lambda v: isinstance(v, str) or (isinstance(v, list) and all(isinstance(x, str) for x in v)),
        "un niveau ou une liste de niveaux",
    ),
    "territoires": _TABLE_LIST,
    "methode": _STR,
    "resultats": _STR,
    "cout": _STR,
    "cout_eur": _INT,
    "duree": _STR,
    "annee_debut": _INT,
    "annee_fin": _INT,
    "en_cours": _BOOL,
    "pilotage": _STR,
    "prise_en_main": _STR,
    "ressources": _TABLE_LIST,
    "contacts": _TABLE_LIST,
    "credit_photo": _STR,
    "corrections": _TABLE_LIST,
}
_EXEMPLE_KEYS = frozenset(EXEMPLE_FIELDS)
REQUIRED_EXEMPLE_FIELDS = ("id", "action", "titre", "description")
SUB_FIELDS = {
    "territoires": (Territoire, {"nom", "departement", "region", "pays"}, {"nom"}),
    "ressources": (Ressource, {"url", "libelle", "fichier"}, set()),
    "contacts": (Contact, {"nom", "fonction", "email"}, set()),
    "corrections": (Correction, {"champ", "avant", "apres", "raison"}, {"champ", "avant", "apres", "raison"}),
}
TOP_LEVEL_KEYS = {"catalogue", "axes", "actions", "exemples"}


def _closest(word: str, choices: Iterable[str]) -> str | None:
    from difflib import get_close_matches

    found = get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return found[0] if found else None


# ---------------------------------------------------------------------------- reading


_TOML_MESSAGES = (
    ("Cannot declare", "clé ou table déclarée deux fois"),
    ("Cannot overwrite a value", "valeur déjà définie, elle ne peut être redéfinie"),
    ("Cannot mutate immutable namespace", "table déjà définie, elle ne peut être étendue"),
    ("Unterminated string", "texte non terminé (guillemet fermant manquant)"),
    ("Expected '=' after a key", "« = » attendu après la clé"),
    ("Invalid initial character for a key part", "nom de clé invalide"),
    ("Illegal character", "caractère interdit dans un texte (utilisez \\n pour un saut de ligne)"),
    ("Invalid value", "valeur invalide (texte sans guillemets ?)"),
    ("Invalid statement", "instruction invalide"),
    ("Expected newline or end of document", "fin de ligne attendue après la valeur"),
    ("Unclosed array", "liste non fermée (« ] » manquant)"),
    ("Unclosed inline table", "table non fermée (« } » manquant)"),
    ("Invalid date or datetime", "date invalide"),
    ("escape sequence", "séquence d'échappement invalide (doublez la barre : \\\\)"),
)
_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)|\s*\(at end of document\)")


def _toml_problem(label: str, err: Exception, text: str) -> Problem:
    raw = str(err)
    line = getattr(err, "lineno", None)
    col = getattr(err, "colno", None)
    match = _TOML_POSITION.search(raw)
    if match and match.group(1):
        line, col = int(match.group(1)), int(match.group(2))
    elif line is None:
        line = text.count("\n") + 1
    reason = _TOML_POSITION.sub("", getattr(err, "msg", raw) or raw)
    french = next((fr for key, fr in _TOML_MESSAGES if key in reason), None)
    message = f"syntaxe TOML : {french}" if french else f"syntaxe TOML invalide ({reason})"
    return Problem(label, message, line, col)


def parse_toml(text: str, label: str) -> dict[str, Any]:
    # tomli is the standard library's tomllib compiled with mypyc: the same parser and the
    # same error messages, about three times faster on a big catalogue.
    try:
        import tomli as parser
    except ImportError:  # pragma: no cover - tomli is a dependency
        import tomllib as parser

    try:
        return parser.loads(text)
    except parser.TOMLDecodeError as err:
        raise CatalogueError([_toml_problem(label, err, text)]) from None
    except RecursionError:
        raise CatalogueError([Problem(label, "imbrication de listes ou de tables trop profonde")]) from None


# ---------------------------------------------------------------------------- locating


class Locator:
    """Finds the line of a record or of one of its keys in the source text, lazily."""

    _HEADER = re.compile(r"^[ \t]*\[\[[ \t]*(\w+)[ \t]*\]\]", re.MULTILINE)

    def __init__(self, text: str | None):
        self.text = text
        self._starts: dict[str, list[int]] | None = None
        self._all_starts: list[int] = []
        self._line_offsets: list[int] | None = None

    def _index(self) -> None:
        text = self.text or ""
        self._starts = {}
        for m in self._HEADER.finditer(text):
            self._starts.setdefault(m.group(1), []).append(m.start())
            self._all_starts.append(m.start())
        offsets = [0]
        offsets.extend(i + 1 for i, c in enumerate(text) if c == "\n")
        self._line_offsets = offsets

    def _line_of(self, offset: int) -> int:
        import bisect

        assert self._line_offsets is not None
        return bisect.bisect_right(self._line_offsets, offset)

    def locate(self, table: str, index: int | None, key: str | None = None) -> tuple[int | None, int | None]:
        if not self.text:
            return None, None
        if self._starts is None:
            self._index()
        assert self._starts is not None
        starts = self._starts.get(table, [])
        if index is None or index >= len(starts):
            return None, None
        begin = starts[index]
        import bisect

        after = bisect.bisect_right(self._all_starts, begin)
        end = self._all_starts[after] if after < len(self._all_starts) else len(self.text)
        if key:
            m = re.compile(rf"^[ \t]*{re.escape(key)}[ \t]*=", re.MULTILINE).search(self.text, begin, end)
            if m:
                offset = m.start() + len(m.group()) - len(m.group().lstrip())
                line = self._line_of(offset)
                assert self._line_offsets is not None
                return line, offset - self._line_offsets[line - 1] + 1
        return self._line_of(begin), 1


# ---------------------------------------------------------------------------- validating


class _Checker:
    """Collects the problems of one file, each located on its line."""

    def __init__(self, label: str, locator: Locator):
        self.label = label
        self.locator = locator
        self.problems: list[Problem] = []

    def add(self, table: str, index: int | None, key: str | None, message: str, gravite: str = "erreur") -> None:
        line, col = self.locator.locate(table, index, key)
        self.problems.append(Problem(self.label, message, line, col, gravite))


def _record_name(table: str, index: int, record: dict[str, Any]) -> str:
    ident = record.get("id") if table == "exemples" else record.get("numero", record.get("id"))
    singular = {"exemples": "exemple", "actions": "action", "axes": "axe"}[table]
    return f"{singular} « {ident} »" if isinstance(ident, str | int) else f"{singular} n° {index + 1}"


def _build_sub(check: _Checker, index: int, name: str, key: str, items: list[dict[str, Any]]) -> tuple[Any, ...]:
    if not items:
        return ()
    cls, allowed, required = SUB_FIELDS[key]
    built = []
    for item in items:
        bad = sorted(set(item) - allowed)
        for k in bad:
            hint = _closest(k, allowed)
            check.add(
                "exemples",
                index,
                key,
                f"{name} : champ « {k} » inconnu dans « {key} »"
                + (f" (vouliez-vous dire « {hint} » ?)" if hint else ""),
            )
        missing = sorted(required - set(item))
        for k in missing:
            check.add("exemples", index, key, f"{name} : « {k} » manque dans un élément de « {key} »")
        wrong = [k for k in allowed & set(item) if not (isinstance(item[k], str) and item[k].strip())]
        for k in wrong:
            check.add("exemples", index, key, f"{name} : « {key}.{k} » doit être un texte non vide")
        if bad or missing or wrong:
            continue
        built.append(cls(**item))
    return tuple(built)


def _check_exemple(check: _Checker, index: int, raw: Any, actions: dict[int, Action]) -> Exemple | None:
    if not isinstance(raw, dict):
        check.add("exemples", index, None, f"exemple n° {index + 1} : une table [[exemples]] est attendue")
        return None
    name = _record_name("exemples", index, raw)
    ok = True
    for key in sorted(raw.keys() - _EXEMPLE_KEYS):
        hint = _closest(key, EXEMPLE_FIELDS)
        check.add(
            "exemples",
            index,
            key,
            f"{name} : champ « {key} » inconnu" + (f" (vouliez-vous dire « {hint} » ?)" if hint else ""),
        )
        ok = False
    for key in REQUIRED_EXEMPLE_FIELDS:
        if key not in raw:
            check.add("exemples", index, None, f"{name} : champ obligatoire « {key} » manquant")
            ok = False
    wrong_type = set()
    for key, value in raw.items():
        spec = EXEMPLE_FIELDS.get(key)
        if spec and not spec[0](value):
            check.add("exemples", index, key, f"{name} : « {key} » doit être {spec[1]}")
            wrong_type.add(key)
            ok = False
    # Every problem of the record is reported at once: the checks below skip only the fields
    # already found missing or of the wrong type.
    if "id" in raw and "id" not in wrong_type and (not ID_PATTERN.fullmatch(raw["id"]) or len(raw["id"]) > 80):
        check.add(
            "exemples",
            index,
            "id",
            f"{name} : l'identifiant doit être en minuscules sans accents, mots séparés par des tirets (ex. « paris-ilots-de-fraicheur »)",
        )
        ok = False
    if "action" in raw and "action" not in wrong_type and raw["action"] not in actions:
        check.add(
            "exemples",
            index,
            "action",
            f"{name} : action {raw['action']} inconnue (actions définies : {', '.join(map(str, sorted(actions))) or 'aucune'})",
        )
        ok = False

    def valid(key: str) -> bool:
        return key in raw and key not in wrong_type

    niveaux = ((raw["niveau"],) if isinstance(raw["niveau"], str) else tuple(raw["niveau"])) if valid("niveau") else ()
    for niveau in niveaux:
        if niveau not in NIVEAUX:
            hint = _closest(niveau, NIVEAUX)
            check.add(
                "exemples",
                index,
                "niveau",
                f"{name} : niveau « {niveau} » inconnu (valeurs : {', '.join(NIVEAUX)})"
                + (f" ; vouliez-vous dire « {hint} » ?" if hint else ""),
            )
            ok = False
    if valid("cout_eur") and raw["cout_eur"] < 0:
        check.add("exemples", index, "cout_eur", f"{name} : « cout_eur » ne peut pas être négatif")
        ok = False
    for key in ("annee_debut", "annee_fin"):
        if valid(key) and not 1800 <= raw[key] <= 2200:
            check.add("exemples", index, key, f"{name} : « {key} » doit être une année (ex. 2024)")
            ok = False
    if valid("annee_debut") and valid("annee_fin") and raw["annee_debut"] > raw["annee_fin"]:
        check.add("exemples", index, "annee_fin", f"{name} : « annee_fin » précède « annee_debut »")
        ok = False

    subs = {key: _build_sub(check, index, name, key, raw[key] if valid(key) else []) for key in SUB_FIELDS}
    n_before = len(check.problems)  # only errors are added here (warnings come from lint)
    for t in subs["territoires"]:
        if t.departement is not None and not DEPARTEMENT_PATTERN.fullmatch(t.departement):
            check.add(
                "exemples",
                index,
                "territoires",
                f'{name} : département « {t.departement} » invalide (code INSEE en texte : "01", "2A", "93", "974")',
            )
    for r in subs["ressources"]:
        if r.url is None and r.fichier is None:
            check.add("exemples", index, "ressources", f"{name} : une ressource doit avoir « url » ou « fichier »")
        elif (
            r.url is not None
            and not URL_PATTERN.fullmatch(r.url)
            and (not r.url.strip() or any(c.isspace() for c in r.url.strip()))
        ):
            check.add(
                "exemples", index, "ressources", f"{name} : adresse « {r.url} » invalide (vide ou avec des espaces)"
            )
    for c in subs["contacts"]:
        if c.email is None and c.nom is None:
            check.add("exemples", index, "contacts", f"{name} : un contact doit avoir « nom » ou « email »")
        elif c.email is not None and not EMAIL_PATTERN.fullmatch(c.email):
            check.add("exemples", index, "contacts", f"{name} : adresse électronique « {c.email} » invalide")
    if not ok or len(check.problems) > n_before:
        return None
    if any(len(subs[k]) != len(raw.get(k, [])) for k in SUB_FIELDS if valid(k)):
        return None  # an element of a sub-list was rejected above

    values = {k: v for k, v in raw.items() if k not in SUB_FIELDS}
    values["partenaires"] = tuple(raw.get("partenaires", ()))
    values["niveau"] = niveaux
    values.update(subs)
    values["source"] = check.label
    return Exemple(**values)


def _check_axes(check: _Checker, raws: list[Any]) -> list[tuple[int, Axe]]:
    axes = []
    for i, raw in enumerate(raws):
        if not isinstance(raw, dict):
            check.add("axes", i, None, f"axe n° {i + 1} : une table [[axes]] est attendue")
            continue
        name = _record_name("axes", i, raw)
        errors = [k for k in ("id", "titre") if not _STR[0](raw.get(k))]
        errors += [k for k in ("numero",) if not _INT[0](raw.get(k))]
        for k in errors:
            check.add("axes", i, k if k in raw else None, f"{name} : « {k} » manquant ou invalide")
        for k in sorted(set(raw) - {"id", "numero", "titre"}):
            check.add("axes", i, k, f"{name} : champ « {k} » inconnu")
        if not errors and not set(raw) - {"id", "numero", "titre"}:
            if not ID_PATTERN.fullmatch(raw["id"]):
                check.add(
                    "axes",
                    i,
                    "id",
                    f"{name} : l'identifiant doit être en minuscules sans accents (ex. « habitabilite »)",
                )
                continue
            axes.append((i, Axe(raw["id"], raw["numero"], raw["titre"])))
    return axes


def _check_actions(check: _Checker, raws: list[Any], axes: dict[str, Axe]) -> list[tuple[int, Action]]:
    actions = []
    allowed = {"numero", "axe", "titre", "titre_variante", "sous_actions"}
    for i, raw in enumerate(raws):
        if not isinstance(raw, dict):
            check.add("actions", i, None, f"action n° {i + 1} : une table [[actions]] est attendue")
            continue
        name = _record_name("actions", i, raw)
        bad = [k for k in ("axe", "titre") if not _STR[0](raw.get(k))]
        bad += [k for k in ("numero",) if not _INT[0](raw.get(k)) or raw.get(k, 0) < 1]
        if "titre_variante" in raw and not _STR[0](raw["titre_variante"]):
            bad.append("titre_variante")
        if "sous_actions" in raw and not _STR_LIST[0](raw["sous_actions"]):
            bad.append("sous_actions")
        for k in bad:
            check.add("actions", i, k if k in raw else None, f"{name} : « {k} » manquant ou invalide")
        for k in sorted(set(raw) - allowed):
            check.add("actions", i, k, f"{name} : champ « {k} » inconnu")
        if bad or set(raw) - allowed:
            continue
        if raw["axe"] not in axes:
            check.add("actions", i, "axe", f"{name} : axe « {raw['axe']} » inconnu (axes : {', '.join(axes)})")
            continue
        action = Action(
            raw["numero"], raw["axe"], raw["titre"], raw.get("titre_variante"), tuple(raw.get("sous_actions", ()))
        )
        actions.append((i, action))
    return actions


_FREE = re.compile(r"libre accès|gratuit|pris en charge", re.IGNORECASE)
_AMOUNT_MILLIONS = re.compile(r"(\d+(?:[,.]\d+)?)\s*(?:millions?\s*(?:d'euros|€)|M\s*€|M€|Md?€)", re.IGNORECASE)
_AMOUNT_PLAIN = re.compile(r"(\d{1,3}(?:[ \u00a0\u202f.]\d{3})+|\d+)(?:[,.]\d+)?\s*(k€|€|euros?)", re.IGNORECASE)


def amounts_in(text: str) -> list[int]:
    """Amounts in euros written in a cost text: « 4,6 millions € », « 0,230M € », « 100 000€ »,
    « 18 k€ »; 0 for « libre accès » or a full coverage of costs."""
    found = [0] if _FREE.search(text) else []
    for m in _AMOUNT_MILLIONS.finditer(text):
        found.append(round(float(m.group(1).replace(",", ".")) * 1_000_000))
    for m in _AMOUNT_PLAIN.finditer(text):
        value = int(re.sub(r"\D", "", m.group(1)))
        found.append(value * 1000 if m.group(2).lower() == "k€" else value)
    return found


def _lint_exemple(check: _Checker, index: int, ex: Exemple) -> None:
    """Legal but suspicious: said as warnings by `qpv valider`."""
    name = f"exemple « {ex.id} »"
    if not ex.contacts:
        check.add("exemples", index, "id", f"{name} : aucun contact", "avertissement")
    for r in ex.ressources:
        if r.url is not None and not URL_PATTERN.fullmatch(r.url):
            check.add(
                "exemples",
                index,
                "ressources",
                f"{name} : le lien « {r.url} » n'est pas une adresse web http(s)",
                "avertissement",
            )
    if ex.cout_eur is not None and ex.cout and ex.cout_eur not in amounts_in(ex.cout):
        check.add(
            "exemples",
            index,
            "cout_eur",
            f"{name} : le montant {ex.cout_eur} n'apparaît pas dans le texte du coût « {ex.cout} »",
            "avertissement",
        )


NEAR_DUPLICATE_LIMIT = 5000  # pairwise title comparison is quadratic: exact duplicates only beyond


def _lint_titles(problems: list[Problem], records: list[tuple[Exemple, str, int, Locator]]) -> None:
    """Near-duplicate titles (same words once folded, or a very close spelling)."""
    seen: dict[str, Exemple] = {}
    for ex, label, index, locator in records:
        key = re.sub(r"[^a-z0-9]+", " ", fold_text(ex.titre)).strip()
        other = seen.get(key)
        if other is None and len(records) <= NEAR_DUPLICATE_LIMIT and ex.source != BUNDLED_SOURCE:
            from rapidfuzz import fuzz, process

            close = process.extractOne(key, list(seen), scorer=fuzz.ratio, score_cutoff=92)
            other = seen[close[0]] if close else None
        if other is not None and ex.source != BUNDLED_SOURCE:
            line, col = locator.locate("exemples", index, "titre")
            message = f"exemple « {ex.id} » : titre presque identique à celui de « {other.id} »"
            problems.append(Problem(label, message, line, col, "avertissement"))
        seen.setdefault(key, ex)


class Source(NamedTuple):
    """One catalogue file to load: its label in messages, and its text once read."""

    label: str
    text: str


STREAM_ABOVE_BYTES = 1_000_000
STREAM_BATCH = 100
_EXEMPLES_HEADER = re.compile(r"^[ \t]*\[\[[ \t]*exemples[ \t]*\]\]", re.MULTILINE)
# A section header that is neither an example nor one of its sub-tables.
_OTHER_HEADER = re.compile(r"^[ \t]*\[{1,2}[ \t]*(?!exemples[ \t]*\]|exemples\.)[^\[\]\s]", re.MULTILINE)


class _ChunkFailed(Exception):
    pass


def _records(text: str, label: str) -> tuple[dict[str, Any], Iterator[Any]]:
    """The file's head (catalogue, axes, actions) and its examples, one raw record at a time.

    A big file is parsed one [[exemples]] block at a time, so that its records are never all
    in memory at once. Any doubt (another section after the examples, a block that does not
    parse alone) falls back to parsing the whole file, which also gives exact error positions.
    """
    starts = [m.start() for m in _EXEMPLES_HEADER.finditer(text)] if len(text) > STREAM_ABOVE_BYTES else []
    if starts and _OTHER_HEADER.search(text, starts[0]) is None:
        head = parse_toml(text[: starts[0]], label)
        if "exemples" not in head:

            def chunks() -> Iterator[Any]:
                import tomli

                # A hundred records per parser call: the same memory bound, less overhead.
                bounds = [*starts[::STREAM_BATCH], len(text)]
                for a, b in itertools.pairwise(bounds):
                    try:
                        yield from tomli.loads(text[a:b])["exemples"]
                    except (tomli.TOMLDecodeError, RecursionError, KeyError, TypeError):
                        raise _ChunkFailed from None

            return head, chunks()
    data = parse_toml(text, label)
    if isinstance(data.get("exemples", []), list):
        return data, iter(data.pop("exemples", []))
    return data, iter(())  # « [exemples] » as a single table: reported by the caller


def build(
    sources: Sequence[Source],
    *,
    strict_header: bool = True,
    lint: bool = False,
    sink: Callable[[Exemple, dict[str, Any], dict[int, Action], dict[str, Axe]], None] | None = None,
) -> tuple[Catalogue, list[Problem]]:
    """Validate and merge catalogues in order; all problems of all files are collected.

    Valid records go to `sink(record, raw_table, actions, axes)` one by one when given (the
    returned catalogue then holds none; the raw table, already checked, spares re-serialising
    the record; the actions and axes are those defined so far), else into the returned
    catalogue. Raises CatalogueError when any error is found.
    """
    problems: list[Problem] = []
    meta: dict[str, Any] = {}
    axes: dict[str, Axe] = {}
    actions: dict[int, Action] = {}
    exemples: list[Exemple] = []
    where: dict[str, tuple[str, int | None]] = {}
    linted: list[tuple[Exemple, str, int, Locator]] = []
    titles: dict[str, str] = {}

    for src in sources:
        locator = Locator(src.text)
        check = _Checker(src.label, locator)
        try:
            data, raws = _records(src.text, src.label)
        except CatalogueError as err:
            problems.extend(err.problems)
            continue
        for key in sorted(set(data) - TOP_LEVEL_KEYS):
            hint = _closest(key, TOP_LEVEL_KEYS)
            check.problems.append(
                Problem(
                    src.label,
                    f"section « {key} » inconnue" + (f" (vouliez-vous dire « {hint} » ?)" if hint else ""),
                    *_top_line(src.text, key),
                )
            )
        header = data.get("catalogue")
        if header is None:
            if strict_header:
                check.problems.append(
                    Problem(src.label, "section [catalogue] manquante (avec au moins version_schema = 1)", 1, 1)
                )
        elif not isinstance(header, dict):
            check.problems.append(
                Problem(src.label, "[catalogue] doit être une table", *_top_line(src.text, "catalogue"))
            )
        else:
            version = header.get("version_schema")
            if version != SCHEMA_VERSION:
                check.problems.append(
                    Problem(
                        src.label,
                        f"version_schema = {SCHEMA_VERSION} attendu dans [catalogue] (trouvé : {version!r})",
                        *_top_line(src.text, "catalogue"),
                    )
                )
            if not meta:
                meta = dict(header)
            if isinstance(header.get("titre"), str):
                titles[src.label] = header["titre"]
        for table in ("axes", "actions", "exemples"):
            if table in data and not isinstance(data[table], list):
                check.problems.append(
                    Problem(
                        src.label,
                        f"« {table} » doit s'écrire [[{table}]] (liste de tables)",
                        *_top_line(src.text, table),
                    )
                )
                data[table] = []

        for i, axe in _check_axes(check, data.get("axes", [])):
            if axe.id in axes and axes[axe.id] != axe:
                check.add("axes", i, "titre", f"axe « {axe.id} » déjà défini avec un autre titre ou numéro")
            axes.setdefault(axe.id, axe)
        for i, action in _check_actions(check, data.get("actions", []), axes):
            if action.numero in actions and actions[action.numero] != action:
                check.add(
                    "actions",
                    i,
                    "numero",
                    f"action {action.numero} déjà définie autrement (« {actions[action.numero].titre} »)",
                )
            actions.setdefault(action.numero, action)
        if not isinstance(raws, Iterator):
            raws = iter(raws)
        for i, raw in _enumerate_records(raws, src, check):
            ex = _check_exemple(check, i, raw, actions)
            if ex is None:
                continue
            if ex.id in where:
                other_label, other_index = where[ex.id]
                line, col = locator.locate("exemples", i, "id")
                other_line = _line_in(sources, other_label, other_index)
                here = f"{other_label}:{other_line}" if other_line else other_label
                check.problems.append(Problem(src.label, f"identifiant « {ex.id} » déjà utilisé ({here})", line, col))
                continue
            where[ex.id] = (src.label, i)
            if sink is None:
                exemples.append(ex)
            else:
                sink(ex, raw, actions, axes)
            if lint:
                linted.append((ex, src.label, i, locator))
                if src.label != BUNDLED_SOURCE:
                    _lint_exemple(check, i, ex)
        problems.extend(check.problems)
    if lint:
        _lint_titles(problems, linted)

    if not meta and sources:
        meta = {"titre": "Catalogue", "version_schema": SCHEMA_VERSION}
    if any(p.gravite == "erreur" for p in problems):
        raise CatalogueError(problems)
    catalogue = Catalogue(
        meta,
        tuple(sorted(axes.values(), key=lambda a: a.numero)),
        tuple(sorted(actions.values(), key=lambda a: a.numero)),
        tuple(exemples),
        titles,
    )
    return catalogue, problems


def _enumerate_records(raws: Iterator[Any], src: Source, check: _Checker) -> Iterator[tuple[int, Any]]:
    """Records with their index; a streamed block that fails to parse alone sends the whole
    file through the parser, which either reads it (the split was wrong) or locates the error."""
    index = 0
    try:
        for raw in raws:
            if isinstance(raw, list):  # « exemples = [...] » written inline
                raise _ChunkFailed
            yield index, raw
            index += 1
    except _ChunkFailed:
        try:
            data = parse_toml(src.text, src.label)
        except CatalogueError as err:
            check.problems.extend(err.problems)
            return
        rest = data.get("exemples", [])
        if not isinstance(rest, list):
            check.problems.append(
                Problem(
                    src.label,
                    "« exemples » doit s'écrire [[exemples]] (liste de tables)",
                    *_top_line(src.text, "exemples"),
                )
            )
            return
        for i in range(index, len(rest)):
            yield i, rest[i]


def _top_line(text: str, key: str) -> tuple[int | None, int | None]:
    m = re.search(rf"^[ \t]*(\[\[?[ \t]*{re.escape(key)}\b|{re.escape(key)}[ \t]*=)", text, re.MULTILINE)
    if not m:
        return None, None
    return text.count("\n", 0, m.start()) + 1, 1


def _line_in(sources: Sequence[Source], label: str, index: int | None) -> int | None:
    for src in sources:
        if src.label == label:
            return Locator(src.text).locate("exemples", index, "id")[0]
    return None


# ---------------------------------------------------------------------------- entry points


def read_sources(paths: Sequence[Path], *, with_report: bool, problems: list[Problem] | None = None) -> list[Source]:
    """The report's catalogue (unless excluded), then the user's files, read and decoded.

    A file that cannot be read raises CatalogueError, or, when `problems` is given, is
    reported there and left out (to check every file at once)."""
    sources = [Source(BUNDLED_SOURCE, bundled_text())] if with_report else []
    for path in paths:
        try:
            sources.append(Source(str(path), decode(read_bytes(path, str(path)), str(path))))
        except CatalogueError as err:
            if problems is None:
                raise
            problems.extend(err.problems)
    return sources


def load(paths: Sequence[Path] = (), *, with_report: bool = True) -> Catalogue:
    """The catalogue a command works on: the report's (unless excluded), then the user's files."""
    sources = read_sources(paths, with_report=with_report)
    if not sources:
        raise CatalogueError([Problem("qpv", "aucun catalogue : --sans-rapport demande au moins un fichier --data")])
    return build(sources)[0]


def validate(paths: Sequence[Path], *, with_report: bool) -> tuple[list[Problem], int]:
    """Every error and warning of these files (`qpv valider`), and how many valid records they hold."""
    problems: list[Problem] = []
    sources = read_sources(paths, with_report=with_report, problems=problems)
    try:
        catalogue, found = build(sources, lint=True)
    except CatalogueError as err:
        return problems + err.problems, 0
    return problems + found, sum(1 for e in catalogue.exemples if e.source != BUNDLED_SOURCE)


def load_bundled() -> Catalogue:
    return load(())
