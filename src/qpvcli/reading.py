"""Reading catalogue files: TOML parsed with French errors located by line, big files one
[[exemples]] block at a time, and the line of any record or key found again for messages."""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

from .errors import CatalogueError, Problem

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
    hint = _hand_editing_hint(text, line, reason)
    if hint is not None:
        hint_line, hint_col, message = hint
        if hint_line != line or "Unterminated string" in reason:  # where the unterminated text began
            line, col = hint_line, hint_col
        return Problem(label, f"syntaxe TOML : {message}", line, col)
    french = next((fr for key, fr in _TOML_MESSAGES if key in reason), None)
    message = f"syntaxe TOML : {french}" if french else f"syntaxe TOML invalide ({reason})"
    return Problem(label, message, line, col)


_CURLY = "“”„‟«»‘’‚‛"
_GROUPED_NUMBER = re.compile(r"^-?\d{1,3}(?:[ \t\u00a0\u202f.,']\d{3})+$")
_NUMBER_WITH_UNIT = re.compile(r"^(-?\d[\d \t\u00a0\u202f]*)\s*(€|euros?|eur|k€|k)$", re.IGNORECASE)


def _odd_quotes(value: str) -> bool:
    """A one-line value whose straight double quotes do not pair up (ignoring \\")."""
    return value.replace("\\\\", "").replace('\\"', "").count('"') % 2 == 1


def _hand_editing_hint(text: str, line: int | None, reason: str) -> tuple[int, int, str] | None:
    """The commonest mistakes of a catalogue edited by hand, said with their fix: (line,
    column, message), or None when the parser's own message is the best one can say."""
    lines = text.split("\n")
    if "Unterminated string" in reason or line is None or not 1 <= line <= len(lines):
        for n, raw in enumerate(lines, 1):  # the line that opened the unterminated text
            key, eq, value = raw.partition("=")
            if eq and '"""' not in value and _odd_quotes(value):
                return n, len(key) + len(value) - len(value.lstrip()) + 2, _missing_quote(key.strip())
        return None
    raw = lines[line - 1]
    if "\r" in raw.rstrip("\r"):
        return (
            line,
            raw.index("\r") + 1,
            "fin de ligne « retour chariot » seule (ancien format Mac) : enregistrez le fichier avec des fins "
            "de ligne Windows (CRLF) ou Unix (LF)",
        )
    key, eq, value = raw.rstrip("\r").partition("=")
    col = len(key) + 2
    name = key.strip().strip('"')
    bare = value.strip()
    if eq and any(c in bare for c in _CURLY) and (bare[:1] in _CURLY or _odd_quotes(bare)):
        found = next(c for c in bare if c in _CURLY)
        return (
            line,
            col,
            f"guillemets typographiques « {found} » (collés depuis Word ?) : entourez le texte de guillemets "
            f'droits, {name} = "…"',
        )
    number = bare.split("#")[0].strip()
    if eq and _GROUPED_NUMBER.match(number):
        digits = re.sub(r"\D", "", number)
        sign = "-" if number.startswith("-") else ""
        return (
            line,
            col,
            f"nombre écrit avec des séparateurs de milliers : écrivez {name} = {sign}{digits} (chiffres collés)",
        )
    unit = _NUMBER_WITH_UNIT.match(number) if eq else None
    if unit:
        digits = int(re.sub(r"\D", "", unit.group(1))) * (1000 if unit.group(2).lower() in ("k", "k€") else 1)
        return line, col, f"montant suivi d'une unité : écrivez {name} = {digits} (en euros, sans « {unit.group(2)} »)"
    if eq and bare.startswith("'") and bare.count("'") > 2:
        return (
            line,
            col,
            f'apostrophe dans un texte entre apostrophes : entourez le texte de guillemets droits, {name} = "…"',
        )
    if eq and _odd_quotes(bare) and "Illegal character" in reason:
        return line, col, _missing_quote(name)
    if eq and "Invalid value" in reason and re.match(r"^[^\W\d]", bare) and bare not in ("true", "false"):
        return line, col, f'texte sans guillemets : entourez-le de guillemets droits, {name} = "{bare}"'
    if "Expected '=' after a key" in reason and re.match(r"^\s*[\w-]+[ \t]+[\w-]+\s*=", raw):
        fixed = re.sub(r"[ \t]+", "_", key.strip())
        return (
            line,
            1,
            f"nom de champ avec une espace ou une tabulation : écrivez {fixed} (sans espace, avec « _ » si besoin)",
        )
    return None


def _missing_quote(name: str) -> str:
    return (
        f'guillemet fermant manquant : terminez le texte par " sur la même ligne ({name} = "…"), '
        'ou entourez un texte de plusieurs lignes de """ … """'
    )


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


# Anything that can hold a quote without opening a multi-line string: comments, one-line strings.
_QUOTED = re.compile(r'"""|\'\'\'|"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\'|#[^\n]*')
_CLOSE = {'"""': re.compile(r'(?<!\\)"""'), "'''": re.compile("'''")}


def _multiline_strings(text: str) -> list[int]:
    """Start and end offsets of the multi-line strings of a TOML text, flattened and sorted
    (an offset is inside one when bisect_right gives an odd position)."""
    bounds: list[int] = []
    pos = 0
    while True:
        m = _QUOTED.search(text, pos)
        if m is None:
            return bounds
        token = m.group()
        if token in _CLOSE:
            close = _CLOSE[token].search(text, m.end())
            end = close.end() if close else len(text)
            bounds += [m.start(), end]
            pos = end
        else:
            pos = m.end()


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
        inside = _multiline_strings(text)
        for m in self._HEADER.finditer(text):
            i = bisect.bisect_right(inside, m.start())
            if i % 2:  # a header written inside a multi-line string is text, not a header
                continue
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


class Source(NamedTuple):
    """One catalogue file to load: its label in messages, and its text once read."""

    label: str
    text: str


class FileSource(NamedTuple):
    """A catalogue file read when its turn comes (`read()` gives its text), so that the
    texts of several large files are never in memory together."""

    label: str
    read: Callable[[], str]

    @property
    def text(self) -> str:
        return self.read()


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


def _top_line(text: str, key: str) -> tuple[int | None, int | None]:
    m = re.search(rf"^[ \t]*(\[\[?[ \t]*{re.escape(key)}\b|{re.escape(key)}[ \t]*=)", text, re.MULTILINE)
    if not m:
        return None, None
    return text.count("\n", 0, m.start()) + 1, 1
