"""Reading catalogue files: TOML parsed with French errors located by line, big files one
[[exemples]] block at a time, and the line of any record or key found again for messages."""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Callable, Iterator
from pathlib import Path
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
    # tomli 2.x: a backslash in a text (hints below say more for a Windows path).
    ("Unescaped '\\' in a string", "barre oblique inverse « \\ » seule dans un texte : doublez-la (\\\\)"),
    ("Invalid hex value", "code \\u… ou \\U… invalide après une barre oblique inverse « \\ »"),
    ("Escaped character is not a Unicode scalar value", "code \\u… ou \\U… invalide après une barre « \\ »"),
    ("Expected ']]' at the end of an array declaration", "« ]] » manquant à la fin de [[…]]"),
    ("Expected ']' at the end of a table declaration", "« ] » manquant à la fin de l'en-tête [ … ]"),
    ("Cannot redefine namespace", "table déjà définie, elle ne peut être redéfinie"),
    ("Found invalid character", "caractère de contrôle interdit (dans un commentaire ou un texte)"),
    ("Expected \"'''\"", "texte de plusieurs lignes non terminé : fermez-le par '''"),
    ('Expected "\'"', "apostrophe fermante manquante : terminez le texte par ' sur la même ligne"),
    ("Expected", "caractère attendu manquant"),
)
_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)|\s*\(at end of document\)")


def _toml_problem(label: str, err: Exception, text: str, first_line: int = 1) -> Problem:
    raw = str(err)
    line = getattr(err, "lineno", None)
    col = getattr(err, "colno", None)
    match = _TOML_POSITION.search(raw)
    if match and match.group(1):
        line, col = int(match.group(1)), int(match.group(2))
    elif line is None:
        line = text.count("\n") + 1
    reason = _TOML_POSITION.sub("", getattr(err, "msg", raw) or raw)
    twice = _defined_twice(text, line, reason, first_line)
    if twice is not None:
        col, message = twice
        return Problem(label, f"syntaxe TOML : {message}", line, col)
    hint = _hand_editing_hint(text, line, reason)
    if hint is not None:
        hint_line, hint_col, message = hint
        if hint_line != line or "Unterminated string" in reason:  # where the unterminated text began
            line, col = hint_line, hint_col
        return Problem(label, f"syntaxe TOML : {message}", line, col)
    french = next((fr for key, fr in _TOML_MESSAGES if key in reason), None)
    message = f"syntaxe TOML : {french}" if french else f"syntaxe TOML invalide ({reason})"
    return Problem(label, message, line, col)


_TWICE = re.compile(
    r"Cannot overwrite a value|Cannot declare \((.*)\) twice|Cannot mutate immutable namespace \((.*)\)"
)
_INLINE_TWICE = re.compile(r"Duplicate inline table key '(.*)'")
_KEY_PART = re.compile(r'\s*("(?:[^"\\]|\\.)*"|\'[^\']*\'|[A-Za-z0-9_-]+)\s*(\.|$)')


def _key_parts(key: str) -> tuple[str, ...] | None:
    """`a . "b c"` as ("a", "b c"); None when it is not a plain TOML key."""
    parts = []
    pos = 0
    while pos < len(key):
        m = _KEY_PART.match(key, pos)
        if m is None or m.end() == pos:
            return None
        parts.append(m.group(1).strip("\"'"))
        pos = m.end()
    return tuple(parts) or None


def _statements(text: str) -> Iterator[tuple[int, int, str, tuple[str, ...], str]]:
    """Each header and key of a TOML text, outside multi-line strings: (line, column, kind,
    full path, the key as written), kind "table", "array" or "key"; an element of an array of tables is a path of
    its own (`exemples#3`), so the same key in two [[exemples]] is not the same key."""
    inside = _multiline_strings(text)
    table: tuple[str, ...] = ()
    counts: dict[tuple[str, ...], int] = {}
    offset = 0
    for n, raw in enumerate(text.split("\n"), 1):
        start = offset
        offset += len(raw) + 1
        if bisect.bisect_right(inside, start) % 2:
            continue
        stripped = raw.strip()
        col = len(raw) - len(raw.lstrip()) + 1
        header = re.match(r"^(\[\[?)\s*([^\[\]]+?)\s*\]\]?\s*(?:#.*)?$", stripped)
        if header:
            parts = _key_parts(header.group(2))
            if parts is None:
                continue
            if header.group(1) == "[[":
                counts[parts] = counts.get(parts, 0) + 1
                table = (*parts[:-1], f"{parts[-1]}#{counts[parts]}")
                yield n, col, "array", parts, ".".join(parts)
            else:
                table = parts
                yield n, col, "table", parts, ".".join(parts)
            continue
        key, eq, _ = stripped.partition("=")
        parts = _key_parts(key) if eq and not stripped.startswith("#") else None
        if parts:
            yield n, col, "key", (*table, *parts), ".".join(parts)


def _defined_twice(text: str, line: int | None, reason: str, first_line: int = 1) -> tuple[int, str] | None:
    """A key or a table written twice, named, with the line where it was first written:
    (column, message), or None for any other error. `text` starts at line `first_line` of its
    file (a block of a big file)."""
    inline = _INLINE_TWICE.search(reason)
    if inline:
        return (
            None
            if line is None
            else (1, f"clé « {inline[1]} » écrite deux fois entre les mêmes accolades {{ … }} : gardez-en une seule")
        )
    if line is None or not _TWICE.search(reason):
        return None
    statements = list(_statements(text))
    here = next((s for s in statements if s[0] == line), None)
    if here is None:
        return None
    _, col, kind, path, written = here

    def conflicts(other: tuple[int, int, str, tuple[str, ...], str]) -> bool:
        if other[2] != "key" and len(other[3]) < len(path):  # the table that holds this key
            return False
        return other[3][: len(path)] == path or path[: len(other[3])] == other[3]

    first = next((s for s in statements if s[0] < line and conflicts(s)), None)
    at = f" (ligne {first[0] + first_line - 1})" if first else ""
    again = f" (d'abord ligne {first[0] + first_line - 1})" if first else ""
    if kind == "key":
        if first is not None and first[2] == "key" and len(first[3]) < len(path):
            return (
                col,
                f"clé « {written} » : « {first[4]} » a déjà une valeur{at}, elle ne peut pas contenir d'autre clé",
            )
        if first is not None and first[2] != "key":
            return col, f"clé « {written} » : [{first[4]}] est déjà une table{at}"
        return col, f"clé « {written} » écrite deux fois dans la même table{again} : gardez-en une seule"
    name = f"[[{written}]]" if kind == "array" else f"[{written}]"
    if first is not None and first[2] == "key":
        return col, f"table {name} : « {first[4]} » a déjà une valeur{at}"
    if first is not None and first[2] == "array" and kind == "table":
        return col, f"table {name} : « {written} » est déjà une liste [[{written}]]{at}"
    return col, f"table {name} écrite deux fois{again} : réunissez ses clés sous un seul {name}"


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
    if "Unescaped '\\'" in reason or "Invalid hex value" in reason or "Unicode scalar" in reason:
        return _backslash_hint(raw, line)
    header = re.match(r"^\s*(\[\[?)\s*([\w.-]+)", raw)
    if header and ("Expected ']]'" in reason or "Expected ']'" in reason):
        closing = "]]" if header[1] == "[[" else "]"
        what = "[[…]]" if closing == "]]" else "l'en-tête [ … ]"
        return line, col, f"« {closing} » manquant à la fin de {what} : écrivez {header[1]}{header[2]}{closing}"
    if eq and "Invalid value" in reason and bare.lower() in _BOOLEAN_WORDS and name in _boolean_fields():
        return (
            line,
            col,
            f"« {bare} » : écrivez {name} = true ou {name} = false, en minuscules et sans guillemets",
        )
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


_BOOLEAN_WORDS = {"true", "false", "vrai", "faux", "oui", "non", "yes", "no"}


def _boolean_fields() -> set[str]:
    from .fields import FIELDS

    return {f.name for f in FIELDS if f.kind == "booleen"}


def _backslash_hint(raw: str, line: int) -> tuple[int, int, str]:
    """A backslash in a text between double quotes, most often a Windows or network path
    (`C:\\Users`, `\\\\serveur\\partage`): the text as it can be written instead."""
    slash = raw.find("\\")
    before = [m for m in re.finditer(r'([\w-]+)\s*=\s*"', raw) if m.end() <= slash]
    name, value = "fichier", None
    if before:
        found = before[-1]
        name = found[1]
        end = raw.find('"', found.end())
        value = raw[found.end() : end if end >= 0 else len(raw)]
    example = f"{name} = '{value}'" if value and "'" not in value else f"{name} = 'C:\\dossier\\fichier.pdf'"
    return (
        line,
        slash + 1,
        "barre oblique inverse « \\ » dans un texte entre guillemets (chemin Windows ?) : entourez le texte "
        f"d'apostrophes, {example}, ou doublez chaque barre (\\\\)",
    )


def _missing_quote(name: str) -> str:
    return (
        f'guillemet fermant manquant : terminez le texte par " sur la même ligne ({name} = "…"), '
        'ou entourez un texte de plusieurs lignes de """ … """'
    )


def parse_toml(text: str, label: str, first_line: int = 1) -> dict[str, Any]:
    """`text` parsed, or a CatalogueError located in its file (`text` starts at `first_line`)."""
    # tomli is the standard library's tomllib compiled with mypyc: the same parser and the
    # same error messages, about three times faster on a big catalogue.
    try:
        import tomli as parser
    except ImportError:  # pragma: no cover - tomli is a dependency
        import tomllib as parser

    try:
        return parser.loads(text)
    except parser.TOMLDecodeError as err:
        problem = _toml_problem(label, err, text, first_line)
        if problem.ligne is not None and first_line != 1:
            problem = problem._replace(ligne=problem.ligne + first_line - 1)
        raise CatalogueError([problem]) from None
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
    texts of several large files are never in memory together. With its `path`, a big
    regular file is not read whole but in blocks (`SourceText`)."""

    label: str
    read: Callable[[], str]
    path: Path | None = None

    @property
    def text(self) -> str:
        return self.read()


STREAM_ABOVE_BYTES = 1_000_000
STREAM_BATCH = 100
# A run that does not parse alone may be cut inside a multi-line text holding an [[exemples]]
# line: the next runs are added to it, up to this size (beyond, it is an error, located whole).
_MERGED_CHARS = 2 << 20
_EXEMPLES = r"[ \t]*\[\[[ \t]*exemples[ \t]*\]\]"
# A section header that is neither an example nor one of its sub-tables.
_OTHER = r"[ \t]*\[{1,2}[ \t]*(?!exemples[ \t]*\]|exemples\.)[^\[\]\s]"
_EXEMPLES_HEADER = re.compile("^" + _EXEMPLES, re.MULTILINE)
_OTHER_HEADER = re.compile("^" + _OTHER, re.MULTILINE)
# The same lines found by the newline before them: a pattern that starts with a character is
# searched for at C speed, one that starts with `^` is tried at every character (8 times
# slower, over the whole of a big catalogue).
_EXEMPLES_AFTER_NEWLINE = re.compile("\n" + _EXEMPLES)
_OTHER_AFTER_NEWLINE = re.compile("\n" + _OTHER)


def _exemples_headers(text: str, pos: int = 0) -> list[int]:
    """Where the [[exemples]] header lines at or after `pos` start: the starts of
    `_EXEMPLES_HEADER.finditer(text, pos)`."""
    found = [0] if pos == 0 and _EXEMPLES_HEADER.match(text) else []
    found += [m.start() + 1 for m in _EXEMPLES_AFTER_NEWLINE.finditer(text, max(pos - 1, 0))]
    return found


def _first_exemples_header(text: str) -> int | None:
    """Where the first [[exemples]] header line starts (`_EXEMPLES_HEADER.search`), if any."""
    if _EXEMPLES_HEADER.match(text):
        return 0
    m = _EXEMPLES_AFTER_NEWLINE.search(text)
    return None if m is None else m.start() + 1


def _other_header(text: str, pos: int) -> bool:
    """Whether another section header line starts at or after `pos` (`_OTHER_HEADER.search`)."""
    if pos == 0 and _OTHER_HEADER.match(text):
        return True
    return _OTHER_AFTER_NEWLINE.search(text, max(pos - 1, 0)) is not None


class _ChunkFailed(Exception):
    pass


def _records(text: str, label: str) -> tuple[dict[str, Any], Iterator[Any]]:
    """The file's head (catalogue, axes, actions) and its examples, one raw record at a time.

    A big file is parsed one [[exemples]] block at a time, so that its records are never all
    in memory at once. Any doubt (another section after the examples, a head or a block that
    does not parse alone) falls back to parsing the whole file, which also gives exact error
    positions.
    """
    starts = _exemples_headers(text) if len(text) > STREAM_ABOVE_BYTES else []
    if starts and not _other_header(text, starts[0]):
        head = _parsed_head(text[: starts[0]], label)
        if head is not None:

            def chunks() -> Iterator[Any]:
                # A hundred records per parser call: the same memory bound, less overhead.
                bounds = [*starts[::STREAM_BATCH], len(text)]
                for a, b in itertools.pairwise(bounds):
                    yield from _parsed_block(text[a:b])

            return head, chunks()
    data = parse_toml(text, label)
    if isinstance(data.get("exemples", []), list):
        return data, iter(data.pop("exemples", []))
    return data, iter(())  # « [exemples] » as a single table: reported by the caller


def _parsed_head(text: str, label: str) -> dict[str, Any] | None:
    """The head of a file (before its first [[exemples]]) parsed alone, or None when it
    cannot be (it ends inside a multi-line text, it holds « exemples = [...] »)."""
    try:
        head = parse_toml(text, label)
    except CatalogueError:
        return None
    return None if "exemples" in head else head


def _parsed_block(text: str) -> list[Any]:
    """The records of a run of [[exemples]] blocks parsed alone; _ChunkFailed if they cannot be."""
    import tomli

    try:
        return tomli.loads(text)["exemples"]  # type: ignore[no-any-return]
    except (tomli.TOMLDecodeError, RecursionError, KeyError, TypeError):
        raise _ChunkFailed from None


# ---------------------------------------------------------------------------- streaming


def _line_chunks(path: Path, label: str) -> Iterator[tuple[str, int]]:
    """A file's text in pieces of whole lines (a few megabytes each), with the number of the
    first line of each: decoded block by block (`sources.decode_lines`), never held whole."""
    from .sources import decode_lines, read_blocks

    line = 1
    for chunk in decode_lines(read_blocks(path, label), label):
        yield chunk, line
        line += chunk.count("\n")


def _streamable(path: Path, label: str) -> bool:
    """Whether a file can be parsed in blocks: UTF-8 with an [[exemples]] header, and no other
    section after it. Decoded up to its first [[exemples]] header only (the decoding errors of
    its start, a file that is not a text, raise here as `decode` raises them); the rest is read
    as bytes (`_sections_after_exemples`), three times faster than decoding it. A decoding
    error further on is raised when the file is read for its records (`_blocks`): it ends the
    build as it would have here (`sources.DecodingError`)."""
    from .sources import NotUtf8

    try:
        for chunk, _ in _line_chunks(path, label):
            if _first_exemples_header(chunk) is not None:
                break
        else:
            return False
    except NotUtf8:
        return False
    return _sections_after_exemples(path, label) is False


# The header lines of `_EXEMPLES_AFTER_NEWLINE` and `_OTHER_AFTER_NEWLINE`, searched for in the
# bytes of a UTF-8 file: the patterns are ASCII, so the same [[exemples]] lines are found; a
# bytes pattern finds every other section line the text pattern finds (a non-ASCII character
# that is not a space starts with a byte that is neither a bracket nor an ASCII space), and a
# few more (a bracket followed by a non-ASCII space such as U+00A0), which only send the file
# through the whole-file path.
_EXEMPLES_BYTES = re.compile(_EXEMPLES_AFTER_NEWLINE.pattern.encode())
_OTHER_BYTES = re.compile(_OTHER_AFTER_NEWLINE.pattern.encode())


def _sections_after_exemples(path: Path, label: str) -> bool | None:
    """Whether another section header line follows the first [[exemples]] line of a UTF-8
    file; None when it has no [[exemples]] line. Its bytes only, a block at a time (a line cut
    by a block is searched once the next block has ended it)."""
    from .sources import read_blocks

    seen = False
    carry = b"\n"  # the last line, not ended yet, with the line end before it
    start = True
    for block in read_blocks(path, label):
        data = carry + block
        if start:
            if len(data) < 4:  # a byte-order mark, whole
                carry = data
                continue
            start = False
            if data.startswith(b"\n\xef\xbb\xbf"):
                data = b"\n" + data[4:]
        end = data.rfind(b"\n")
        if end <= 0:
            carry = data
            continue
        found = _scan_lines(data, end + 1, seen)
        if found is not None:
            if found:
                return True
            seen = True
        carry = data[end:]
    if start and carry.startswith(b"\n\xef\xbb\xbf"):
        carry = b"\n" + carry[4:]
    found = _scan_lines(carry + b"\n", len(carry) + 1, seen)
    if found:
        return True
    return None if not seen and found is None else False


def _scan_lines(data: bytes, end: int, seen: bool) -> bool | None:
    """In `data[:end]` (whole lines, each after its line end): whether another section line
    follows an [[exemples]] line (one already `seen`, or one found here); None when no
    [[exemples]] line was seen yet."""
    at = 0
    if not seen:
        m = _EXEMPLES_BYTES.search(data, 0, end)
        if m is None:
            return None
        at = m.start()
    return _OTHER_BYTES.search(data, at, end) is not None


def _blocks(path: Path, label: str) -> Iterator[Any]:
    """The text of a file before its first [[exemples]] header, then each run of STREAM_BATCH
    [[exemples]] blocks with the number of its first line: the runs of `_records`, cut as the
    file is read (a header found in whole lines only)."""
    chunks = _line_chunks(path, label)
    head: list[str] = []
    for chunk, first in chunks:
        at = _first_exemples_header(chunk)
        if at is not None:
            head.append(chunk[:at])
            rest = chunk[at:]
            line = first + chunk.count("\n", 0, at)
            break
        head.append(chunk)
    else:
        yield "".join(head)
        return
    yield "".join(head)
    pieces = itertools.chain([rest], (c for c, _ in chunks))
    del head, chunk, rest
    pending = ""
    starts: list[int] = []
    for chunk in pieces:
        base = len(pending)
        pending += chunk
        starts += _exemples_headers(pending, base)
        if len(starts) > STREAM_BATCH:
            bounds = starts[::STREAM_BATCH]
            for a, b in itertools.pairwise(bounds):
                yield pending[a:b], line
                line += pending.count("\n", a, b)
            last = bounds[-1]
            pending = pending[last:]
            starts = [s - last for s in starts[(len(bounds) - 1) * STREAM_BATCH :]]
    if pending:
        yield pending, line


class SourceText:
    """One source's text as `catalogue.build` reads it: its head and records, and lines for
    messages. Held whole (a `Source`, a small file, a pipe), or streamed from a big regular
    file (`FileSource` with a path): read in blocks, parsed one run of [[exemples]] blocks at a
    time, so that neither its bytes nor its text are ever whole in memory. Any doubt sends the
    file through the whole-file path, which locates errors exactly: it is not UTF-8, another
    section follows the examples, its head or a block does not parse alone."""

    def __init__(self, label: str, text: str | None, src: Source | FileSource | None = None, path: Path | None = None):
        self.label = label
        self._text = text
        self._src = src
        self._path = path  # streamed from there while _text is None
        self._head = ""
        self._failed: tuple[str, int] | None = None  # a block that did not parse alone, its line
        self._stream = _StreamLocator(self) if text is None else None
        self.locator: Locator | _StreamLocator = self._stream or Locator(text)

    @classmethod
    def of(cls, src: Source | FileSource) -> SourceText:
        """Reads a small file whole (`src.text`); reads a big regular one through once to
        check it (decoding errors raise here, as `decode` raises them)."""
        path = getattr(src, "path", None)
        if path is not None and _big_regular(path) and _streamable(path, src.label):
            return cls(src.label, None, src, path)
        return cls(src.label, src.text)

    def whole(self) -> str:
        """The whole text (to locate an error exactly). A file too big to be read whole says
        where its block fails to parse, when one did."""
        if self._text is None:
            from .sources import TooBig

            assert self._src is not None
            try:
                self._text = self._src.text
            except TooBig:
                if self._failed is not None:
                    block, line = self._failed
                    parse_toml(block, self.label, first_line=line)
                raise
        return self._text

    def records(self) -> tuple[dict[str, Any], Iterator[Any]]:
        """The head (catalogue, axes, actions) and the raw records, as `_records` gives them."""
        if self._text is not None:
            return _records(self._text, self.label)
        stream, path = self._stream, self._path
        assert stream is not None and path is not None
        blocks = _blocks(path, self.label)
        self._head = next(blocks)
        head = _parsed_head(self._head, self.label)
        if head is None:
            blocks.close()
            from .sources import TooBig

            try:
                text = self.whole()
            except TooBig:
                parse_toml(self._head, self.label)  # its own error, at its place (the file's start)
                raise
            return _records(text, self.label)
        stream.head = Locator(self._head)

        def give_up(block: str, line: int) -> _ChunkFailed:
            self._failed = block, line
            stream.at(None, 0, 0, 1)
            return _ChunkFailed()

        def records() -> Iterator[Any]:
            index = 0
            failed: tuple[str, int] | None = None  # a run that did not parse alone
            for run, first in itertools.chain(blocks, [(None, 0)]):
                if run is None:
                    if failed is not None:
                        raise give_up(*failed)
                    return
                # Cut inside a multi-line text? The run is read on to its end.
                block, line = (failed[0] + run, failed[1]) if failed is not None else (run, first)
                try:
                    raws = _parsed_block(block)
                except _ChunkFailed:
                    if len(block) > _MERGED_CHARS:  # an error, not a long text: the whole-file path
                        raise give_up(block, line) from None
                    failed = block, line
                    continue
                failed = None
                stream.at(block, index, len(raws), line)
                yield from raws
                index += len(raws)

        return head, records()

    def top_line(self, key: str) -> tuple[int | None, int | None]:
        """`_top_line` of the whole text: searched in the head, then in the file as it is read."""
        if self._text is not None:
            return _top_line(self._text, key)
        found = _top_line(self._head, key)
        if found != (None, None):
            return found
        assert self._path is not None
        pattern = _top_pattern(key)
        for chunk, line in _line_chunks(self._path, self.label):
            m = pattern.search(chunk)
            if m:
                return line + chunk.count("\n", 0, m.start()), 1
        return None, None


def _big_regular(path: Path) -> bool:
    import stat

    try:
        st = path.stat()
    except (OSError, ValueError):
        return False
    return stat.S_ISREG(st.st_mode) and st.st_size > STREAM_ABOVE_BYTES


class _StreamLocator:
    """`Locator` for a streamed file: a record of the run being read is found in that run's
    text, the head's tables in the head; anything else in the whole text, read again (only to
    place an error; nowhere when it cannot be read whole)."""

    def __init__(self, source: SourceText):
        self._source = source
        self.head = Locator(None)
        self._block = Locator(None)
        self._first = self._count = 0
        self._line = 1
        self._whole: Locator | None = None

    def at(self, block: str | None, first: int, count: int, line: int) -> None:
        self._block = Locator(block)
        self._first, self._count, self._line = first, count, line

    def locate(self, table: str, index: int | None, key: str | None = None) -> tuple[int | None, int | None]:
        if self._source._text is None:  # still streamed (not sent through the whole-file path)
            if table != "exemples":
                return self.head.locate(table, index, key)
            if index is not None and self._first <= index < self._first + self._count:
                line, col = self._block.locate(table, index - self._first, key)
                return (None if line is None else line + self._line - 1), col
        if self._whole is None:
            try:
                self._whole = Locator(self._source.whole())
            except CatalogueError:
                return None, None
        return self._whole.locate(table, index, key)


def _top_pattern(key: str) -> re.Pattern[str]:
    return re.compile(rf"^[ \t]*(\[\[?[ \t]*{re.escape(key)}\b|{re.escape(key)}[ \t]*=)", re.MULTILINE)


def _top_line(text: str, key: str) -> tuple[int | None, int | None]:
    m = _top_pattern(key).search(text)
    if not m:
        return None, None
    return text.count("\n", 0, m.start()) + 1, 1
