"""Terminal output: rich on a terminal, tab-separated text in a pipe, JSON on request.

rich is imported only on the terminal path. Catalogue text is always printed as data: never
as rich markup, and with control characters made visible (terminal.safe, the one sanitiser)
instead of reaching the terminal: every text given to rich below goes through `safe`.
"""

import os
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, TextIO

from .fields import niveau_labels
from .model import Catalogue, Exemple
from .terminal import safe, trusted

if TYPE_CHECKING:
    from .api import Found


def cell(text: Any) -> str:
    """One TSV cell: no tab or line break inside."""
    return safe(str(text).replace("\t", " ").replace("\r\n", " ").replace("\n", " ").replace("\r", " "))


class Output(NamedTuple):
    stream: TextIO
    is_tty: bool

    def console(self) -> Any:
        from rich.console import Console

        return Console(
            file=trusted(self.stream),  # its styling passes; what it is given is made safe here
            highlight=False,
            force_terminal=self.is_tty,
            no_color=bool(os.environ.get("NO_COLOR")) or None,
            emoji=False,
        )

    def tsv(self, rows: Sequence[Sequence[Any]]) -> None:
        self.stream.write("".join("\t".join(cell(v) for v in row) + "\n" for row in rows))

    def json(self, data: Any) -> None:
        import json  # only for --format json (~1 ms at every start otherwise)

        self.stream.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")

    def json_array(self, items: Iterable[Any]) -> None:
        """A JSON array written item by item (the same text as `json`), for long selections."""
        import json

        first = True
        for item in items:
            body = json.dumps(item, ensure_ascii=False, indent=2).replace("\n", "\n  ")
            self.stream.write(("[\n  " if first else ",\n  ") + body)
            first = False
        self.stream.write("[]\n" if first else "\n]\n")


def exemple_json(ex: Exemple, **extra: Any) -> dict[str, Any]:
    out = ex.to_dict()
    if ex.source != "rapport":
        out["source"] = ex.source
    out.update(extra)
    return out


def _niveau(ex: Exemple) -> str:
    return ", ".join(ex.niveau)


def _niveau_lu(ex: Exemple) -> str:
    """The levels as a reader writes them, for the terminal (« intercommunalité »); piped
    output keeps the ids that --echelle takes."""
    return niveau_labels(ex, ", ")


LIST_HEADER = ("id", "action", "titre", "niveau", "cout_tranche", "cout_eur")


def _list_row(ex: Exemple) -> list[Any]:
    return [ex.id, ex.action, ex.titre, _niveau(ex), ex.cout_tranche, "" if ex.cout_eur is None else ex.cout_eur]


def print_list(out: Output, exemples: Iterable[Exemple], title: str | None = None) -> None:
    if not out.is_tty:
        out.tsv([LIST_HEADER])
        for e in exemples:  # streamed: a pipe gets the rows as they are read
            out.tsv([_list_row(e)])
        return
    from rich.table import Table
    from rich.text import Text

    console = out.console()
    chosen = list(exemples)
    # Column widths chosen here, so that an id is never cut: the titles wrap, the costs wrap at
    # their spaces, and when even that leaves too little room, one block per record.
    id_width = max((len(safe(e.id)) for e in chosen), default=10)
    title_width = max((len(safe(e.titre)) for e in chosen), default=10)
    niveau_width = max([len("échelle"), *(len(n) for e in chosen for n in _niveau_lu(e).split(", "))])
    cost_full = max([len("coût"), *(len(e.cout_tranche) for e in chosen)])
    cost_word = max([len("coût"), *(len(w) for e in chosen for w in e.cout_tranche.split())])
    borders = 5 + 2 * 4 + len("act.")
    room = console.width - borders - niveau_width
    if room - cost_full >= id_width:
        cost_width = cost_full
    elif room - cost_word >= id_width:
        cost_width = cost_word
    else:
        _print_stacked(console, chosen, title)
        return
    label_width = min(room - cost_width, max(title_width, id_width, len("exemple (titre, identifiant)")))
    table = Table(title=Text(title) if title else None, header_style="bold", expand=False)
    table.add_column("act.", justify="right", width=len("act."))
    table.add_column("exemple (titre, identifiant)", width=label_width)
    table.add_column("échelle", width=niveau_width)
    table.add_column("coût", width=cost_width)
    for e in chosen:
        label = Text(safe(e.titre)) + Text("\n") + Text(safe(e.id), style="cyan")
        table.add_row(str(e.action), label, Text(_niveau_lu(e).replace(", ", "\n")), Text(e.cout_tranche))
    console.print(table)


def _print_stacked(console: Any, exemples: Sequence[Exemple], title: str | None) -> None:
    """One block per record, for a terminal too narrow for a table: the id whole on its own
    line (the terminal wraps it, nothing is cut), then the title and the rest."""
    from rich.padding import Padding
    from rich.text import Text

    if title:
        console.print(Text(title, style="bold"))
        console.print()
    for e in exemples:
        console.print(Text(safe(e.id), style="cyan"), soft_wrap=True)
        console.print(Padding(Text(safe(e.titre)), (0, 0, 0, 2 if console.width > 20 else 0)))
        meta = f"action {e.action} · {_niveau_lu(e) or 'échelle non précisée'} · coût {e.cout_tranche}"
        console.print(Padding(Text(safe(meta), style="dim"), (0, 0, 0, 2 if console.width > 20 else 0)))
        console.print()


def print_search(out: Output, hits: "Sequence[Found]", *, explain: bool) -> None:
    from .search import snippet

    if not out.is_tty:
        rows: list[Sequence[Any]] = [("score", *LIST_HEADER)]
        rows += [(f"{h.score:.2f}", *_list_row(h.exemple)) for h in hits]
        out.tsv(rows)
        if explain:
            out.stream.write("\n")
            out.tsv(
                [("id", "mot", "trouvé", "comment", "champs")]
                + [
                    (h.exemple.id, w, s, how, ",".join(fields))
                    for h in hits
                    for w, ms in h.matches.items()
                    for s, how, fields in ms
                ]
            )
        return
    from rich.text import Text

    from .search.age import ROUTE as AGE_ROUTE

    console = out.console()
    if explain and hits:
        # why a lower score may come first (users read the scores as the order)
        console.print(
            Text(
                "Ordre : d'abord le nombre de mots de la requête trouvés (dans le texte de l'exemple"
                " plutôt que dans l'intitulé de son action ou de ses thèmes), puis le score.",
                style="magenta",
            )
        )
        console.print()
    for rank, h in enumerate(hits, 1):
        e = h.exemple
        line = Text()
        line.append(f"{rank:>2}. ", style="dim")
        line.append_text(_highlighted(e.titre, h.stems, "bold"))
        ident = Text(f"[{safe(e.id)}]", style="cyan")
        if line.cell_len + 2 + ident.cell_len <= console.width:
            console.print(line + Text("  ") + ident)
        else:  # the id on its own line, never cut (the terminal wraps it if it must)
            console.print(line)
            console.print(Text("    ") + ident, soft_wrap=True)
        meta = f"    action {e.action} · {_niveau_lu(e) or 'échelle non précisée'} · coût {e.cout_tranche}"
        if e.territoires:
            meta += " · " + ", ".join(str(t) for t in e.territoires[:3])
        # the age asked (« plus de dix ans de recul »): when the record started
        meta += "".join(f" · {s}" for ms in h.matches.values() for s, how, _ in ms if how == AGE_ROUTE)
        console.print(Text(safe(meta), style="dim"))
        for name in ("description", "resultats", "methode", "partenaires"):
            text = ", ".join(e.partenaires) if name == "partenaires" else getattr(e, name) or ""
            cut, spans = snippet(text, h.stems)
            if spans:
                console.print(Text("    ") + _with_spans(cut, spans, "bold yellow"))
                break
        if explain:
            words = f"{h.coverage} mot{'s' if h.coverage > 1 else ''} trouvé{'s' if h.coverage > 1 else ''}"
            console.print(Text(f"    score {h.score:.2f}, {words}", style="magenta"))
            for word, ms in h.matches.items():
                for s, how, fields in ms:
                    explained = f"      « {word} » → {s} ({how}) dans {', '.join(fields)}"
                    console.print(Text(safe(explained), style="magenta"))
        console.print()


def _highlighted(text: str, stems: frozenset[str], base: str) -> Any:
    from .search import highlight_spans
    from .text import normalise

    text = normalise(text)
    return _with_spans(text, highlight_spans(text, stems), "bold yellow", base)


def _with_spans(text: str, spans: Sequence[tuple[int, int]], style: str, base: str = "") -> Any:
    from rich.text import Text

    out = Text(safe(text), style=base)
    for a, b in spans:
        out.stylize(style, a, b)
    return out


def print_show(out: Output, catalogue: Catalogue, e: Exemple) -> None:
    from .fields import detail_rows

    rows = detail_rows(catalogue, e)
    if not out.is_tty:
        out.stream.write(f"{safe(e.titre)}\n\n")
        for label, value in rows:
            lines = [safe(v) for v in value.split("\n")]
            if len(lines) == 1:
                out.stream.write(f"{safe(label)} : {lines[0]}\n")
            else:
                out.stream.write(f"{safe(label)} :\n" + "".join(f"  {v}\n" for v in lines))
        return
    from rich.table import Table
    from rich.text import Text

    console = out.console()
    console.print(Text(safe(e.titre), style="bold"))
    console.print()
    label_width = max(len(label) for label, _ in rows)
    if console.width < label_width + 2 + 20:  # too narrow for two columns: label above value
        for label, value in rows:
            console.print(Text(label, style="bold cyan"))
            for line in value.split("\n"):
                console.print(Text("  ") + _linked(line), soft_wrap=_has_long_word(line, console.width - 2))
        return
    value_width = console.width - label_width - 2
    grid = None
    for label, value in rows:
        if any(_has_long_word(line, value_width) for line in value.split("\n")):
            # An id or an address longer than the column: printed whole, never cut or folded.
            if grid is not None:
                console.print(grid)
                grid = None
            for i, line in enumerate(value.split("\n")):
                head = Text((label if i == 0 else "").ljust(label_width + 2), style="bold cyan")
                console.print(head + _linked(line), soft_wrap=_has_long_word(line, value_width))
            continue
        if grid is None:
            grid = Table.grid(padding=(0, 2))
            grid.add_column(style="bold cyan", no_wrap=True, min_width=label_width)
            grid.add_column(ratio=1, overflow="fold")
        grid.add_row(Text(label), _linked(value))
    if grid is not None:
        console.print(grid)


_URL = r"https?://[^\s<>\"]+"  # compiled on a terminal's first `show` (re caches it)


def _has_long_word(text: str, width: int) -> bool:
    return any(len(word) > width for word in text.split())


def _linked(text: str) -> Any:
    """Text with its web addresses clickable (OSC 8, where the terminal supports it)."""
    from rich.style import Style
    from rich.text import Text

    out = Text(safe(text))
    for m in re.finditer(_URL, out.plain, re.IGNORECASE):
        if m.group().isascii() and m.group().isprintable():  # a plain address, nothing smuggled in
            out.stylize(Style(link=m.group().rstrip(".,;)"), underline=True), m.start(), m.end())
    return out


def print_actions(out: Output, catalogue: Catalogue, axes: Sequence[str], counts: dict[int, int]) -> None:
    chosen = [a for a in catalogue.axes if not axes or a.id in axes]
    if not out.is_tty:
        rows: list[Sequence[Any]] = [("axe", "action", "titre", "exemples")]
        for axe in chosen:
            rows += [(axe.id, a.numero, a.titre, counts.get(a.numero, 0)) for a in catalogue.actions if a.axe == axe.id]
        out.tsv(rows)
        return
    from rich.text import Text

    console = out.console()
    for axe in chosen:
        console.print(Text(safe(f"Axe {axe.numero} — {axe.titre}  [{axe.id}]"), style="bold"))
        for a in catalogue.actions:
            if a.axe != axe.id:
                continue
            n = counts.get(a.numero, 0)
            console.print(
                Text(f"  {a.numero:>2}. {safe(a.titre)}") + Text(f"  ({n} exemple{'s' if n > 1 else ''})", style="dim")
            )
            for sub in a.sous_actions:
                console.print(Text(f"        – {safe(sub)}", style="dim"))
        console.print()


FACET_LABELS = {
    "axe": "Axe",
    "action": "Action",
    "niveau": "Échelle",
    "cout": "Coût (total de l'action)",
    "thematique": "Thématique",
    "partenaire": "Partenaires (cités dans au moins 2 exemples)",
    "departement": "Département",
}


def _facet_label(key: str, value: str) -> str:
    """A facet's value as a reader writes it, with its accents (« 3 habitabilité »,
    « intercommunalité »); the ids stay in the tab-separated and JSON outputs."""
    from .model import AXE_LIBELLES, NIVEAU_LIBELLES

    if key == "niveau":
        return NIVEAU_LIBELLES.get(value, value)
    if key == "axe":
        number, _, axe = value.partition(" ")
        return f"{number} {AXE_LIBELLES.get(axe, axe)}"
    return value


def print_facets(out: Output, facets: dict[str, list[tuple[str, int]]], total: int) -> None:
    if not out.is_tty:
        out.tsv([("facette", "valeur", "exemples")] + [(k, v, n) for k, values in facets.items() for v, n in values])
        return
    from rich.table import Table
    from rich.text import Text

    console = out.console()
    console.print(
        Text(f"{total} exemple{'s' if total > 1 else ''} sélectionné{'s' if total > 1 else ''}", style="bold")
    )
    for key, values in facets.items():
        if not values:
            continue
        console.print(Text(safe(FACET_LABELS.get(key, key)), style="bold"))
        table = Table(show_header=False, box=None, padding=(0, 1))
        table.add_column(ratio=1)
        table.add_column(justify="right")
        for value, n in values:
            table.add_row(Text(safe(_facet_label(key, value))), str(n))
        console.print(table)
        console.print()
