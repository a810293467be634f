"""Merging catalogues: the report's and the user's files, read, validated and combined in
order (ids unique across files, axes and actions defined once), for the store or a caller."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from .errors import CatalogueError, Problem
from .model import Action, Axe, Catalogue, Exemple
from .reading import FileSource, Locator, Source, SourceText, _ChunkFailed, parse_toml
from .sources import BUNDLED_SOURCE, SCHEMA_VERSION, DecodingError, bundled_text, decode, read_bytes
from .text import closest
from .validation import (
    TOP_LEVEL_KEYS,
    _check_actions,
    _check_axes,
    _check_exemple,
    _Checker,
    _lint_exemple,
    _lint_raw,
    _lint_titles,
)

__all__ = ["FileSource", "Source", "build", "lends", "load", "load_bundled", "read_sources", "report_frame", "validate"]


def build(
    sources: Sequence[Source | FileSource],
    *,
    strict_header: bool = True,
    lint: bool = False,
    sink: Callable[[Exemple, dict[str, Any], dict[int, Action], dict[str, Axe]], None] | None = None,
    duplicates: list[str] | None = None,
    frame: Catalogue | None = None,
) -> tuple[Catalogue, list[Problem]]:
    """Validate and merge catalogues in order; all problems of all files are collected.

    Valid records go to `sink(record, raw_table, actions, axes)` one by one when given (the
    returned catalogue then holds none; the raw table, already checked, spares re-serialising
    the record; the actions and axes are those defined so far), else into the returned
    catalogue. Raises CatalogueError when any error is found.

    A record found again with the same id and the same content (a catalogue exported by qpv and
    read back with the report) is the same record: kept once, its id added to `duplicates`.
    The same id with another content is an error.

    `frame` (the report's catalogue, with --sans-rapport) lends its axes and actions to the
    files: a record may refer to them without its file defining them. A file may define its own
    under the same id or number (theirs replace the report's, unless a record above already
    used the report's). Lent axes and actions are kept when the files define none of their own
    (the report's table of contents, whole), else only those the records and actions use.
    """
    problems: list[Problem] = []
    meta: dict[str, Any] = {}
    axes: dict[str, Axe] = {}
    actions: dict[int, Action] = {}
    exemples: list[Exemple] = []
    where: dict[str, tuple[str, int | None, int]] = {}
    linted: list[tuple[Exemple, str, int, Locator]] = []
    titles: dict[str, str] = {}
    lent_axes: set[str] = set()  # the frame's, not (yet) defined by a file
    lent_actions: set[int] = set()
    used: set[int] = set()  # the actions of the records read so far
    own = False  # a file defines axes or actions
    if frame is not None:
        axes.update((a.id, a) for a in frame.axes)
        actions.update((a.numero, a) for a in frame.actions)
        lent_axes, lent_actions = set(axes), set(actions)

    for src in sources:
        # Read once here (a FileSource reads its file at each `.text`), or streamed from a big file.
        text = SourceText.of(src)
        locator = text.locator
        check = _Checker(src.label, locator)
        try:
            data, raws = text.records()
        except DecodingError:  # as when the file is decoded whole: said alone, at once
            raise
        except CatalogueError as err:
            problems.extend(err.problems)
            continue
        header = data.get("catalogue")
        if header is None and strict_header and text.top_line("exemples") == (None, None):
            check.problems.append(
                Problem(
                    src.label,
                    "ni section [catalogue] ni exemple [[exemples]] : ce fichier est-il bien un catalogue ? "
                    "(voir docs/catalogue-personnel.md)",
                    1,
                    1,
                )
            )
        elif header is None:
            if strict_header and src.label != BUNDLED_SOURCE:
                check.problems.append(
                    Problem(
                        src.label,
                        f"pas de section [catalogue] : lu comme un catalogue de version {SCHEMA_VERSION} "
                        f"(ajoutez en tête « [catalogue] » et « version_schema = {SCHEMA_VERSION} » pour le préciser)",
                        1,
                        1,
                        "information",
                    )
                )
        elif not isinstance(header, dict):
            check.problems.append(Problem(src.label, "[catalogue] doit être une table", *text.top_line("catalogue")))
        else:
            _check_version(check, src.label, text, header)
            for key in ("exemples", "axes", "actions"):
                if key in header:  # « exemples = [...] » written after [catalogue] belongs to it
                    check.problems.append(
                        Problem(
                            src.label,
                            f"« {key} » est écrit dans la section [catalogue] (toute clé écrite après "
                            f"[catalogue] lui appartient) : il serait ignoré. Écrivez chaque élément sous "
                            f"[[{key}]], ou placez « {key} = [...] » avant [catalogue]",
                            *text.top_line(key),
                        )
                    )
            if not meta:
                meta = dict(header)
            if isinstance(header.get("titre"), str):
                titles[src.label] = header["titre"]
        for key in sorted(set(data) - TOP_LEVEL_KEYS):
            hint = closest(key, TOP_LEVEL_KEYS)
            if hint in ("exemples", "axes", "actions") and isinstance(data[key], list):
                message = f"section [[{key}]] inconnue : écrivez [[{hint}]]" + (
                    ", avec un s" if hint == key + "s" else ""
                )
            else:
                message = f"section « {key} » inconnue" + (f" (vouliez-vous dire « {hint} » ?)" if hint else "")
            check.problems.append(
                Problem(
                    src.label,
                    message,
                    *text.top_line(key),
                )
            )
        for table in ("axes", "actions", "exemples"):
            if table in data and not isinstance(data[table], list):
                check.problems.append(
                    Problem(
                        src.label,
                        f"« {table} » doit s'écrire [[{table}]] (liste de tables)",
                        *text.top_line(table),
                    )
                )
                data[table] = []

        for i, axe in _check_axes(check, data.get("axes", [])):
            own = True
            if axe.id in lent_axes:  # the file's own replaces the report's
                lent_axes.discard(axe.id)
                axes[axe.id] = axe
            if axe.id in axes and axes[axe.id] != axe:
                check.add("axes", i, "titre", f"axe « {axe.id} » déjà défini avec un autre titre ou numéro")
            axes.setdefault(axe.id, axe)
        for i, action in _check_actions(check, data.get("actions", []), axes):
            own = True
            if action.numero in lent_actions and action.numero not in used:
                lent_actions.discard(action.numero)
                actions[action.numero] = action
            if action.numero in lent_actions and actions[action.numero] != action:
                check.add(
                    "actions",
                    i,
                    "numero",
                    f"action {action.numero} : les exemples lus avant ce fichier renvoient déjà à l'action "
                    f"{action.numero} du rapport (« {actions[action.numero].titre} ») ; pour qu'ils renvoient à "
                    "la vôtre, donnez ce fichier avant eux (son --data en premier)",
                )
            elif action.numero in actions and actions[action.numero] != action:
                check.add(
                    "actions",
                    i,
                    "numero",
                    f"action {action.numero} déjà définie autrement (« {actions[action.numero].titre} »)",
                )
            actions.setdefault(action.numero, action)
        if not isinstance(raws, Iterator):
            raws = iter(raws)
        for i, raw in _enumerate_records(raws, src.label, text, check):
            ex = _check_exemple(check, i, raw, actions)
            if ex is None:
                # Its id and warnings are still checked: every problem is said at once, not
                # only once the others are fixed.
                if lint and isinstance(raw, dict) and src.label != BUNDLED_SOURCE:
                    _lint_raw(check, i, raw)
                ident = raw.get("id") if isinstance(raw, dict) else None
                if not isinstance(ident, str) or not ident:
                    continue
                if ident not in where:
                    where[ident] = (src.label, i, hash(repr(raw)))
                elif where[ident][2] != hash(repr(raw)):
                    _taken(check, sources, locator, i, ident, where[ident])
                continue
            if ex.id in where:
                other_label, other_index, other_hash = where[ex.id]
                if other_hash == _content_hash(ex):  # the same record again (an export re-read)
                    if duplicates is not None:
                        duplicates.append(ex.id)
                    if lint:
                        line, col = locator.locate("exemples", i, "id")
                        check.problems.append(
                            Problem(
                                src.label,
                                f"exemple « {ex.id} » identique à celui de {_place(sources, other_label, other_index)} : lu une seule fois",
                                line,
                                col,
                                "information",
                            )
                        )
                    continue
                _taken(check, sources, locator, i, ex.id, where[ex.id])
                if lint and src.label != BUNDLED_SOURCE:
                    _lint_exemple(check, i, ex)
                continue
            where[ex.id] = (src.label, i, _content_hash(ex))
            used.add(ex.action)
            if sink is None:
                exemples.append(ex)
            else:
                sink(ex, raw, actions, axes)
            if lint:
                linted.append((ex, src.label, i, locator))
                if src.label != BUNDLED_SOURCE:
                    _lint_exemple(check, i, ex)
        problems.extend(check.problems)
        if not lint:  # let this file's text go before the next one is read
            del text, locator, check, data, raws
    if lint:
        _lint_titles(problems, linted)
    # In the order of the files, and of the lines in each file (the checks find them by kind).
    order = {src.label: n for n, src in enumerate(sources)}
    problems.sort(key=lambda p: (order.get(p.fichier, len(order)), p.ligne or 0, p.colonne or 0))

    if not meta and sources:
        meta = {"titre": "Catalogue", "version_schema": SCHEMA_VERSION}
    if any(p.gravite == "erreur" for p in problems):
        raise CatalogueError(problems)
    if own:  # the report's axes and actions that nothing here uses are left out
        for numero in lent_actions - used:
            del actions[numero]
        for axe_id in lent_axes - {a.axe for a in actions.values()}:
            del axes[axe_id]
    catalogue = Catalogue(
        meta,
        tuple(sorted(axes.values(), key=lambda a: a.numero)),
        tuple(sorted(actions.values(), key=lambda a: a.numero)),
        tuple(exemples),
        titles,
    )
    return catalogue, problems


def _enumerate_records(raws: Iterator[Any], label: str, text: SourceText, check: _Checker) -> Iterator[tuple[int, Any]]:
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
            data = parse_toml(text.whole(), label)
        except DecodingError:  # further on in a file read in blocks: said alone, at once
            raise
        except CatalogueError as err:
            check.problems.extend(err.problems)
            return
        rest = data.get("exemples", [])
        if not isinstance(rest, list):
            check.problems.append(
                Problem(
                    label,
                    "« exemples » doit s'écrire [[exemples]] (liste de tables)",
                    *text.top_line("exemples"),
                )
            )
            return
        for i in range(index, len(rest)):
            yield i, rest[i]


def _taken(
    check: _Checker,
    sources: Sequence[Source | FileSource],
    locator: Locator,
    index: int,
    ident: str,
    first: tuple[str, int | None, int],
) -> None:
    line, col = locator.locate("exemples", index, "id")
    here = _place(sources, first[0], first[1])
    message = f"identifiant « {ident} » déjà utilisé ({here}) par un exemple différent : changez l'un des deux « id »"
    check.problems.append(Problem(check.label, message, line, col))


_SOURCE = Exemple._fields.index("source")


def _content_hash(ex: Exemple) -> int:
    """What makes two records the same: every field but where they were read from (sliced
    out: `_replace` is Python code, run for every record of a big catalogue)."""
    return hash((ex[:_SOURCE], ex[_SOURCE + 1 :]))


def _check_version(check: _Checker, label: str, text: SourceText, header: dict[str, Any]) -> None:
    """No version_schema: the current one (an information); another one: a French error."""
    where = text.top_line("version_schema")
    if where == (None, None):
        where = text.top_line("catalogue")
    if "version_schema" not in header:
        if label != BUNDLED_SOURCE:
            message = (
                f"pas de « version_schema » dans [catalogue] : lu comme la version {SCHEMA_VERSION} "
                f"(ajoutez « version_schema = {SCHEMA_VERSION} » pour le préciser)"
            )
            check.problems.append(Problem(label, message, *where, "information"))
        return
    version = header["version_schema"]
    if version == SCHEMA_VERSION and type(version) is int:
        return
    if isinstance(version, str) and version.strip() == str(SCHEMA_VERSION):
        found = f"le texte « {version} » entre guillemets ; écrivez version_schema = {SCHEMA_VERSION}, sans guillemets"
    elif isinstance(version, int) and not isinstance(version, bool) and version > SCHEMA_VERSION:
        found = f"{version}, une version plus récente que celle que lit ce qpv ({SCHEMA_VERSION}) : mettez qpv à jour"
    else:
        shown = f"« {version} »" if isinstance(version, str) else str(version).lower()
        found = f"{shown} ; ce qpv lit la version {SCHEMA_VERSION} : écrivez version_schema = {SCHEMA_VERSION}"
    check.problems.append(Problem(label, f"version_schema : trouvé {found}", *where))


def _place(sources: Sequence[Source | FileSource], label: str, index: int | None) -> str:
    line = _line_in(sources, label, index)
    return f"{label}:{line}" if line else label


def _line_in(sources: Sequence[Source | FileSource], label: str, index: int | None) -> int | None:
    for src in sources:
        if src.label == label:
            try:
                return Locator(src.text).locate("exemples", index, "id")[0]
            except CatalogueError:  # too big to be read whole: named without its line
                return None
    return None


# ---------------------------------------------------------------------------- entry points


def report_frame(text: str | None = None) -> Catalogue:
    """The report's catalogue, whose axes and actions frame the user's files with
    --sans-rapport (its records are left out)."""
    return build([Source(BUNDLED_SOURCE, bundled_text() if text is None else text)])[0]


def lends(frame: Catalogue | None, catalogue: Catalogue) -> bool:
    """Whether the report lent axes or actions to this catalogue (cited as its frame)."""
    return frame is not None and any(a in frame.actions for a in catalogue.actions)


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
    return build(sources, frame=None if with_report else report_frame())[0]


def validate(paths: Sequence[Path], *, with_report: bool) -> tuple[list[Problem], int]:
    """Every error and warning of these files (`qpv valider`), and how many valid records they hold."""
    problems: list[Problem] = []
    sources = read_sources(paths, with_report=with_report, problems=problems)
    duplicates: list[str] = []
    order = {str(p): n for n, p in enumerate(paths)}

    def in_order(found: list[Problem]) -> list[Problem]:  # files that cannot be read among the others
        return sorted(problems + found, key=lambda p: order.get(p.fichier, -1))

    try:
        frame = None if with_report else report_frame()
        catalogue, found = build(sources, lint=True, duplicates=duplicates, frame=frame)
    except CatalogueError as err:
        return in_order(err.problems), 0
    count = sum(1 for e in catalogue.exemples if e.source != BUNDLED_SOURCE) + len(duplicates)
    return in_order(found), count


def load_bundled() -> Catalogue:
    return load(())
