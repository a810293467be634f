"""The `qpv` command: typer commands that parse options, call the library and print.

No `from __future__ import annotations` here: typer would then evaluate every annotation
string at each start (~10 ms for these commands).
"""

import contextlib
import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from . import __version__
from .errors import ExitStatus, InvalidValue, InvalidValues, QpvError, UsageError

_APP_SETTINGS = {
    "name": "qpv",
    "help": "Les actions clés pour la résilience des quartiers prioritaires de la ville : chercher, filtrer, lire et exporter les exemples du rapport.\n\nLes commandes se tapent aussi en français : chercher (search), lister (list), voir (show), exporter (export), aide. Les options générales (--data, --sans-rapport) se placent avant ou après la commande.",
    "no_args_is_help": True,
    "pretty_exceptions_enable": False,
    "rich_markup_mode": None,
    "context_settings": {"help_option_names": ["-h", "--help"]},
}
app = typer.Typer(**_APP_SETTINGS)

# French verbs (and an English habit) that are commands: real aliases, hidden from the help.
ALIASES = {
    "chercher": "search",
    "rechercher": "search",
    "recherche": "search",
    "lister": "list",
    "liste": "list",
    "voir": "show",
    "montrer": "show",
    "afficher": "show",
    "lire": "show",
    "exporter": "export",
    "verifier": "valider",
    "vérifier": "valider",
    "ajouter": "nouveau",
    "help": "aide",
}


class State:
    """Global options, and the catalogue opened once on first use (through the library's
    front door, `api.Qpv`)."""

    def __init__(self, data: list[Path], with_report: bool):
        from .sources import user_origins

        self.origins = user_origins(data)  # a file given twice is read once
        self.paths = list(self.origins)
        self.with_report = with_report
        self._qpv = None

    def qpv(self):
        if self._qpv is None:
            from .api import Qpv
            from .errors import CatalogueError

            if not self.paths and not self.with_report:
                raise UsageError(
                    "--sans-rapport : aucun catalogue à lire ; indiquez vos fichiers avec --data FICHIER (ou QPV_DATA)"
                )

            try:
                self._qpv = Qpv.open(self.paths, with_report=self.with_report, notify=_error)
            except CatalogueError as err:
                hints = self._leave_out(err.problems)
                if not hints:
                    raise
                raise QpvError("\n".join([str(err), *hints])) from None
            self._qpv.store.hold_reads()  # one command: its reads in one transaction
        return self._qpv

    def close(self) -> None:
        """The store closed at the end of the command: its read transaction must not outlive
        it (a program that runs several commands would keep the next one's re-signature of
        the store waiting on its shared lock)."""
        if self._qpv is not None:
            self._qpv.store.close()
            self._qpv = None

    def _leave_out(self, problems) -> list[str]:
        """For each broken file: where it was given, and how to do without it; or, when a record
        names an action nobody defines (--sans-rapport), which actions it may name."""
        errors = [p for p in problems if p.gravite == "erreur"]
        if not self.with_report and any(" inconnue (actions définies : " in p.message for p in errors):
            return [
                "Avec --sans-rapport, vos exemples peuvent renvoyer aux actions du rapport (1 à 11) sans les"
                " définir, ou à celles que vos fichiers définissent sous [[actions]] (voir docs/catalogue-personnel.md)."
            ]
        broken = {p.fichier for p in errors}
        hints = []
        for path, origin in self.origins.items():
            if str(path) not in broken:
                continue
            if origin == "QPV_DATA":
                how = "retirez-le de QPV_DATA (ou lancez « QPV_DATA= qpv … »)"
            else:
                how = f"retirez « --data {path} » de la commande"
            hints.append(f"{path} vient de {origin} : pour vous en passer, {how}.")
        return hints


def _state(ctx: typer.Context) -> State:
    return ctx.obj  # set by the callback, before any command runs


def stdout_isatty() -> bool:
    """Whether output goes to a terminal (tests replace this, as httpie does)."""
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


class Format(StrEnum):
    auto = "auto"
    table = "table"
    tsv = "tsv"
    json = "json"


# What people type for a format, folded (accents and case ignored), and what it means.
_FORMAT_ALIASES = {
    "tableau": "table",
    "terminal": "table",
    "ecran": "table",
    "tabulations": "tsv",
    "tabulation": "tsv",
    "tab": "tsv",
    "texte": "tsv",
    "text": "tsv",
    "txt": "tsv",
}
# Formats of `qpv export`: asked of another command, they point there.
_EXPORT_FORMATS = {
    "md": "md",
    "markdown": "md",
    "csv": "csv",
    "excel": "csv",
    "tableur": "csv",
    "libreoffice": "csv",
    "xlsx": "csv",
    "xls": "csv",
    "toml": "toml",
}


def _format(value: str, command: str) -> Format:
    """The output format from what was typed for --format: a value, an alias (« tableau »,
    « tabulations »), or a clear error naming the valid values (and `qpv export` for md/csv)."""
    from .text import fold

    key = fold(value.strip()).replace("-", "").replace(" ", "")
    key = _FORMAT_ALIASES.get(key, key)
    if key in Format.__members__:
        return Format(key)
    raise _unknown_format(value, key, command, list(Format), _FORMAT_ALIASES, _EXPORT_FORMATS.get(key))


def _unknown_format(
    given: str, key: str, command: str, valid: list[str], aliases: dict[str, str], export: str | None
) -> UsageError:
    """The error for a --format value a command does not know: a format of `qpv export`
    (`export`) points there, anything else gets the valid values and the closest one."""
    values = ", ".join(valid)
    if export is not None:
        selection = " -o exemples." + export + " » (mêmes filtres)" if command != "show" else " »"
        return UsageError(
            f"--format : « {given} » n'est pas un format de « qpv {command} » ; pour un fichier {export}, "
            f"utilisez « qpv export --format {export}{selection}. Valeurs possibles ici : {values}."
        )
    close = _suggest(key, [*valid, *aliases])
    hint = f" Vouliez-vous dire « {aliases.get(close, close)} » ?" if close else ""
    return UsageError(f"--format : « {given} » inconnu. Valeurs possibles : {values}.{hint}")


def _suggest(word: str, choices) -> str | None:
    from .text import closest

    return closest(word, choices)


def _output(fmt: Format = Format.auto):
    from .render import Output

    tty = stdout_isatty() if fmt is Format.auto else fmt is Format.table
    return Output(sys.stdout, tty)


def _no_result(
    message: str = "Aucun exemple ne correspond à cette sélection.", ctx: typer.Context | None = None
) -> None:
    if ctx is not None and ctx.params.get("territoire"):
        # A place no record is located in, or no place at all (« Atlantide »): said, with what
        # the option reads.
        from .selection import known_place

        unknown = _state(ctx).qpv().unknown_places(_filtres(ctx))
        # A département or a région qpv knows, where no record is located, is said so: not as
        # a name the option could not read (« Haute-Vienne »).
        known = {t: name for t in unknown if (name := known_place(t)) is not None}
        if known:
            message += " Aucun exemple n'est situé en " + ", ".join(known.values()) + "."
        if others := [t for t in unknown if t not in known]:
            names = ", ".join(f"« {t} »" for t in others)
            message += (
                f" Aucun lieu du catalogue ne répond à {names} : --territoire lit un département"
                " (nom ou numéro), une région, une commune ou un pays ; « qpv facettes » liste les lieux."
            )
    typer.echo(message, err=True)


# ---------------------------------------------------------------------------- completion


def _complete_axe(incomplete: str) -> list[str]:
    from .model import AXES

    return [a for a in AXES if a.startswith(incomplete.lower())]


def _complete_niveau(incomplete: str) -> list[str]:
    from .model import NIVEAUX

    return [n for n in NIVEAUX if n.startswith(incomplete.lower())]


def _complete_theme(incomplete: str) -> list[str]:
    from .thematiques import load

    return [t for t in load() if t.startswith(incomplete.lower())]


def _complete_action(incomplete: str) -> list[str]:
    return [str(n) for n in range(1, 12) if str(n).startswith(incomplete)]


def _complete_id(incomplete: str) -> list[str]:
    from .api import Qpv
    from .sources import user_paths

    try:
        return Qpv.open(user_paths()).ids(incomplete)
    except QpvError:
        return []


# ---------------------------------------------------------------------------- shared options

AxeOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--axe",
        metavar="AXE",
        help="Axe : diagnostic, cohesion, habitabilite, economie (ou son numéro, ou son nom). Répétable (OU).",
        autocompletion=_complete_axe,
        rich_help_panel="Filtres",
    ),
]
ActionOpt = Annotated[
    list[int] | None,
    typer.Option(
        "--action",
        metavar="NUMÉRO",
        help="Numéro d'action clé, de 1 à 11. Répétable (OU).",
        autocompletion=_complete_action,
        rich_help_panel="Filtres",
    ),
]
EchelleOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--echelle",
        metavar="NIVEAU",
        help="Niveau : site, quartier, commune, intercommunalite, departement, region, national, international. Répétable (OU).",
        autocompletion=_complete_niveau,
        rich_help_panel="Filtres",
    ),
]
CoutMaxOpt = Annotated[
    str | None,
    typer.Option(
        "--cout-max",
        metavar="MONTANT",
        help="Coût total connu et au plus ce montant en euros (ex. 40000, « 40 000 », 40k, « 1,5 M€ »).",
        rich_help_panel="Filtres",
    ),
]
GratuitOpt = Annotated[
    bool,
    typer.Option("--gratuit", help="Seulement les exemples gratuits ou en libre accès.", rich_help_panel="Filtres"),
]
PartenaireOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--partenaire",
        metavar="NOM",
        help="Organisation partenaire ou pilote (ex. ademe, Cerema, anru). Répétable (OU).",
        rich_help_panel="Filtres",
    ),
]
TerritoireOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--territoire",
        metavar="LIEU",
        help="Code de département (93, 2A), département, commune, région ou pays. Répétable (OU).",
        rich_help_panel="Filtres",
    ),
]
ThemeOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--theme",
        metavar="THÈME",
        help="Thématique : sante, chaleur-adaptation, emploi-insertion… (ou son nom, « santé »). Répétable (OU).",
        autocompletion=_complete_theme,
        rich_help_panel="Filtres",
    ),
]
IdOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--id",
        metavar="ID",
        help="Identifiant d'un exemple choisi (voir « qpv list ») : répétée, une sélection faite à la main (OU).",
        autocompletion=_complete_id,
        rich_help_panel="Filtres",
    ),
]
TriOpt = Annotated[
    str | None,
    typer.Option(
        "--tri", metavar="ORDRE", help="Ordre : rapport (défaut ; pertinence pour une recherche), action, titre, cout."
    ),
]
FormatOpt = Annotated[
    str,
    typer.Option(
        "--format",
        "-f",
        metavar="FORMAT",
        help="auto (tableau sur un terminal, TSV dans un tube), table, tsv ou json.",
        show_default=False,
    ),
]


def _filtres(ctx: typer.Context):
    """The shared filter options of the running command (declared with the types above)."""
    p = ctx.params
    return (
        _state(ctx)
        .qpv()
        .filtres(
            axes=p["axe"] or (),
            actions=p["action"] or (),
            echelles=p["echelle"] or (),
            cout_max=p["cout_max"],
            gratuit=p["gratuit"],
            partenaires=p["partenaire"] or (),
            territoires=p["territoire"] or (),
            themes=p["theme"] or (),
            ids=p["ids"] or (),
        )
    )


# ---------------------------------------------------------------------------- commands


def _version(value: bool) -> None:
    if value:
        typer.echo(f"qpv {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    ctx: typer.Context,
    data: Annotated[
        list[Path] | None,
        typer.Option(
            "--data",
            "-d",
            metavar="FICHIER",
            help="Catalogue TOML à ajouter à celui du rapport (répétable ; aussi la variable QPV_DATA).",
            dir_okay=True,
        ),
    ] = None,
    sans_rapport: Annotated[
        bool,
        typer.Option(
            "--sans-rapport",
            help="Vos exemples seulement (--data, QPV_DATA) : ceux du rapport sont laissés de côté, ses axes et actions restent le cadre.",
        ),
    ] = False,
    version: Annotated[
        bool, typer.Option("--version", help="Afficher la version et quitter.", callback=_version, is_eager=True)
    ] = False,
) -> None:
    from .sources import option_path_problem

    for path in data or []:
        # Said before anything is loaded, naming the option; a file that cannot be read is an
        # error (1, README's table), whether it came from --data, QPV_DATA or `valider`.
        problem = option_path_problem(path)
        if problem:
            raise QpvError(f"--data : {problem}")
    ctx.obj = State(list(data or []), not sans_rapport)
    ctx.call_on_close(ctx.obj.close)  # the command's read transaction ends with it


@app.command(short_help="Sommaire : les 4 axes, les 11 actions clés et leurs exemples.")
def actions(
    ctx: typer.Context,
    axe: AxeOpt = None,
    format: FormatOpt = "auto",
) -> None:
    """Sommaire du rapport : les 4 axes, les 11 actions clés et leur nombre d'exemples."""
    format = _format(format, "actions")
    from .render import print_actions
    from .selection import resolve_axe

    qpv = _state(ctx).qpv()
    cat = qpv.catalogue
    axes = [resolve_axe(a, cat) for a in axe or ()]
    counts = qpv.summary()
    out = _output(format)
    if format is Format.json:
        out.json(
            [
                {
                    **a.to_dict(),
                    "actions": [
                        {**x.to_dict(), "exemples": counts.get(x.numero, 0)} for x in cat.actions if x.axe == a.id
                    ],
                }
                for a in cat.axes
                if not axes or a.id in axes
            ]
        )
        return
    print_actions(out, cat, axes, counts)


@app.command("list", short_help="Lister les exemples, une ligne chacun, avec les filtres voulus.")
def list_(
    ctx: typer.Context,
    axe: AxeOpt = None,
    action: ActionOpt = None,
    echelle: EchelleOpt = None,
    cout_max: CoutMaxOpt = None,
    gratuit: GratuitOpt = False,
    partenaire: PartenaireOpt = None,
    territoire: TerritoireOpt = None,
    theme: ThemeOpt = None,
    ids: IdOpt = None,
    tri: TriOpt = None,
    format: FormatOpt = "auto",
) -> None:
    """Lister les exemples, une ligne chacun, avec les filtres voulus.

    Exemple : qpv list --axe habitabilite --echelle quartier
    """
    format = _format(format, "list")
    from .render import exemple_json, print_list

    chosen = _state(ctx).qpv().select(_filtres(ctx), tri or "rapport")
    out = _output(format)
    if format is Format.json:
        out.json_array(exemple_json(e) for e in chosen)
    elif chosen:
        print_list(out, chosen, title=f"{len(chosen)} exemple{'s' if len(chosen) > 1 else ''}")
    if not chosen:
        _no_result(ctx=ctx)


@app.command(short_help="Lire un exemple en entier : tous ses champs et sa source.")
def show(
    ctx: typer.Context,
    id: Annotated[
        str,
        typer.Argument(help="Identifiant de l'exemple (voir « qpv list »).", autocompletion=_complete_id, metavar="ID"),
    ],
    format: Annotated[
        str,
        typer.Option(
            "--format",
            "-f",
            help="auto, table, texte, json, md ou docx (Word, avec -o). Avec -o : celui de l'extension.",
        ),
    ] = "auto",
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            metavar="FICHIER",
            help="Fichier à écrire : .txt (texte), .md, .json ou .docx (fiche Word).",
            dir_okay=False,
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Remplacer le fichier s'il existe.")] = False,
) -> None:
    """Lire un exemple en entier : tous ses champs, liens, contacts, corrections et sa source.

    Exemple : qpv show paris-ilots-de-fraicheur --format docx -o fiche.docx
    """
    from .render import Output, exemple_json, print_show

    format = _show_format(format, output)
    qpv = _state(ctx).qpv()
    cat = qpv.catalogue
    ex = qpv.get(id)
    if ex is None:
        close = qpv.closest_ids(id)
        hint = " Vouliez-vous dire : " + ", ".join(close) + " ?" if close else " Voir « qpv list »."
        raise QpvError(f"Aucun exemple « {id} ».{hint}")
    if format in ("auto", "table", "texte") and output is None:
        tty = stdout_isatty() if format == "auto" else format == "table"
        print_show(Output(sys.stdout, tty), cat, ex)
        return
    if format == "texte":
        import io

        text = io.StringIO()
        print_show(Output(text, False), cat, ex)
        data = text.getvalue().encode("utf-8")
    elif format == "json":
        import json

        data = (json.dumps(exemple_json(ex), ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    elif format == "md":
        from .export import md

        data = md.render_one(cat, ex).encode("utf-8")
    else:
        from .export import docx

        data = docx.render_one(cat, ex)
    if output is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    from .files import write_output

    write_output(output, data, force=force, protected=tuple(_state(ctx).paths))
    typer.echo(f"fiche « {ex.id} » écrite dans {output}", err=True)


# `qpv show`: what --format accepts, what people type for it, and the files -o writes.
_SHOW_FORMATS = ("auto", "table", "texte", "json", "md", "docx")
_SHOW_ALIASES = {"markdown": "md", "word": "docx", "text": "texte", "txt": "texte", "tableau": "table"}
_SHOW_FILES = {".txt": "texte", ".md": "md", ".markdown": "md", ".json": "json", ".docx": "docx"}


def _show_format(given: str, output: Path | None) -> str:
    """`qpv show`'s format from --format and the extension of -o, or a usage error that lists
    show's own formats (not those of `qpv export`)."""
    key = given.strip().lower()
    fmt = _SHOW_ALIASES.get(key, key)
    if fmt not in _SHOW_FORMATS:
        from .export import ALIASES, FORMATS

        other = ALIASES.get(key, key)
        export = other if other in FORMATS else None
        raise _unknown_format(given, key, "show", list(_SHOW_FORMATS), _SHOW_ALIASES, export)
    files = ", ".join(_SHOW_FILES)
    if output is None:
        if fmt == "docx" and stdout_isatty():
            raise UsageError(
                "--format docx : un fichier Word ne s'affiche pas dans le terminal ; ajoutez -o fiche.docx"
            )
        return fmt
    from .export import _special

    by_name = _SHOW_FILES.get(output.suffix.lower())
    if fmt == "table":
        raise UsageError(
            f"--format table : le tableau s'affiche dans le terminal ; dans un fichier, une fiche s'écrit en {files}."
        )
    if fmt == "auto":
        if by_name is None and not output.suffix and _special(output):
            return "texte"  # a pipe or a device (/dev/stdout): as on standard output
        from .export import office_advice

        advice = office_advice(output, spreadsheet=False) if by_name is None else None
        if advice:
            raise UsageError(f"--output : {advice}.")
        if by_name is None:
            what = f"l'extension « {output.suffix} »" if output.suffix else "un nom sans extension"
            raise UsageError(
                f"--output : {what} ne dit pas le format de {output} ; une fiche s'écrit en {files}"
                " (ou précisez --format texte, md, json ou docx)."
            )
        return by_name
    if by_name is not None and by_name != fmt:
        raise UsageError(
            f"--format {fmt} contredit l'extension « {output.suffix} » de {output} (format {by_name}) :"
            " changez le nom du fichier ou retirez --format."
        )
    return fmt


@app.command(short_help="Chercher sans souci des accents, pluriels ni fautes de frappe.")
def search(
    ctx: typer.Context,
    query: Annotated[
        list[str],
        typer.Argument(
            help="Ce que vous cherchez, un ou plusieurs mots (guillemets inutiles).",
            show_default=False,
            metavar="MOTS...",
        ),
    ],
    axe: AxeOpt = None,
    action: ActionOpt = None,
    echelle: EchelleOpt = None,
    cout_max: CoutMaxOpt = None,
    gratuit: GratuitOpt = False,
    partenaire: PartenaireOpt = None,
    territoire: TerritoireOpt = None,
    theme: ThemeOpt = None,
    ids: IdOpt = None,
    limit: Annotated[
        int, typer.Option("--limit", "-n", metavar="NOMBRE", help="Nombre de résultats au plus (0 : tous).")
    ] = 10,
    format: FormatOpt = "auto",
    explique: Annotated[
        bool, typer.Option("--explique", help="Montrer pour chaque résultat les mots trouvés, où, et le score.")
    ] = False,
) -> None:
    """Chercher dans les exemples, sans se soucier des accents, du pluriel ni des fautes de frappe.

    Exemple : qpv search îlots de fraîcheur --echelle commune
    """
    format = _format(format, "search")
    query = " ".join(query)
    from .render import exemple_json, print_search
    from .text import MAX_QUERY_CHARS

    filtres = _filtres(ctx)
    result = _state(ctx).qpv().search(query, filtres, limit=limit)
    if result.truncated:
        _error(f"requête tronquée à {MAX_QUERY_CHARS} caractères.")
    shown = result.hits
    out = _output(format)
    if format is Format.json:
        out.json([exemple_json(h.exemple, score=round(h.score, 4)) for h in shown])
    elif shown:
        if out.is_tty:
            total = result.total
            shown_n = f"{len(shown)} affiché{'s' if len(shown) > 1 else ''}"
            more = f" ({shown_n}, --limit 0 pour tous)" if len(shown) < total else ""
            typer.echo(f"{total} résultat{'s' if total > 1 else ''} pour « {result.query} »{more}\n")
        print_search(out, shown, explain=explique)
    absent = " ni ".join(map(_of, result.unknown))
    if shown and result.unknown:
        _error(f"aucun exemple ne parle {absent} : résultats pour les autres mots.")
    if not shown:
        if result.unknown:
            from .selection import known_place

            # A département or a région where no record is located is said so (« Marne »).
            places = {w: name for w in result.unknown if (name := known_place(w)) is not None}
            others = [w for w in result.unknown if w not in places]
            said = [f"Aucun exemple ne parle {' ni '.join(map(_of, others))}."] if others else []
            if places:
                said.append("Aucun exemple n'est situé en " + ", ".join(places.values()) + ".")
            message = " ".join(said)
        else:
            message = f"Aucun résultat pour « {result.query} »"
            message += " avec ces filtres." if filtres else "."
        if result.suggestions:
            message += " Vouliez-vous dire : " + ", ".join(result.suggestions) + " ?"
        elif (
            result.unknown
            and (rest := _without(result.query, result.unknown))
            and _state(ctx).qpv().search(rest, filtres, limit=1).hits
        ):
            # What the other words find, for the asker to choose (« végétaliser à Limoges »).
            message += f'\nSans {"ces mots" if len(result.unknown) > 1 else "ce mot"} : qpv search "{rest}"'
        _no_result(message, ctx)


# Little words left dangling when the word after them is taken out (« à Limoges »).
_BEFORE_A_WORD = frozenset(
    (
        *("à", "a", "au", "aux", "en", "de", "du", "des", "d", "le", "la", "les", "l", "un", "une"),
        *("dans", "sur", "chez", "vers", "près", "pres"),
    )
)


def _without(query: str, words: list[str]) -> str:
    """The query without the words no record has, and the little words before each: what
    remains to search, or "" when nothing does."""
    import re

    # « dans la Marne », « près de Limoges »: every little word before it.
    before = r"(?:\b(?:" + "|".join(sorted(_BEFORE_A_WORD, key=len, reverse=True)) + r")(?:\s+|['’]))*"
    text = query
    for word in words:
        text = re.sub(before + re.escape(word) + r"\b", " ", text, flags=re.IGNORECASE)
    text = re.sub(r"\s+", " ", text.replace('"', " ")).strip(" ,;:-'’")  # quoted once, in the hint
    return text if text != query.strip() and any(c.isalpha() for c in text) else ""


def _of(word: str) -> str:
    """« de « téléphérique » », « d'« adultes » »: the French elision before a vowel."""
    return f"d'« {word} »" if word[:1].lower() in "aeiouyàâäéèêëîïôöùûü" else f"de « {word} »"


@app.command(short_help="Exporter : Word, Excel, HTML, SQLite, Markdown, CSV, JSON, TOML.")
def export(
    ctx: typer.Context,
    query: Annotated[
        str | None,
        typer.Argument(
            help="Recherche facultative : sans elle, la sélection est celle des filtres.",
            show_default=False,
            metavar="[REQUÊTE]",
        ),
    ] = None,
    axe: AxeOpt = None,
    action: ActionOpt = None,
    echelle: EchelleOpt = None,
    cout_max: CoutMaxOpt = None,
    gratuit: GratuitOpt = False,
    partenaire: PartenaireOpt = None,
    territoire: TerritoireOpt = None,
    theme: ThemeOpt = None,
    ids: IdOpt = None,
    tri: TriOpt = None,
    format: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            help="md (ou markdown), csv, json, toml, docx (Word), xlsx (ou excel), html ou sqlite (Datasette)."
            " Par défaut, celui qu'indique l'extension du fichier -o, sinon md.",
            show_default=False,
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            metavar="FICHIER",
            help="Fichier à écrire (sinon la sortie standard) ; son extension donne le format"
            " (.md, .csv, .json, .toml, .docx, .xlsx, .html, .db).",
            dir_okay=False,
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Remplacer le fichier s'il existe.")] = False,
    compact: Annotated[
        bool,
        typer.Option("--compact", help="Markdown, Word : un seul tableau, une ligne par exemple (Word : paysage)."),
    ] = False,
    csv_standard: Annotated[
        bool,
        typer.Option(
            "--csv-standard", help="CSV : virgules, sans BOM, fins de ligne LF (au lieu du format Excel français)."
        ),
    ] = False,
    csv_brut: Annotated[
        bool,
        typer.Option(
            "--csv-brut",
            help="CSV : ne pas neutraliser les cellules commençant par = + - @ (risque d'injection de formule dans Excel).",
        ),
    ] = False,
    entetes_lisibles: Annotated[
        bool,
        typer.Option(
            "--entetes-lisibles",
            help="CSV : en-têtes de colonnes en français (« Coût (euros) ») au lieu des noms techniques (cout_eur).",
        ),
    ] = False,
) -> None:
    """Exporter une sélection : Markdown, CSV, JSON, TOML, Word, Excel, page web ou base SQLite.

    Exemple : qpv export --axe habitabilite -o habitabilite.docx
    """
    from .export import BINARY, Selection, resolve_format, write
    from .files import open_output

    fmt = resolve_format(format, output)
    if output is None and fmt in BINARY and stdout_isatty():
        raise UsageError(
            f"--format {fmt} : un fichier binaire ne s'affiche pas dans le terminal ;"
            f" indiquez un fichier, par exemple -o selection.{'db' if fmt == 'sqlite' else fmt}"
        )
    state = _state(ctx)
    if query is not None and not query.strip():
        raise UsageError("la requête est vide : retirez-la pour exporter toute la sélection.")
    qpv = state.qpv()
    cat = qpv.catalogue
    filtres = _filtres(ctx)
    chosen, scores = qpv.selection(query, filtres, tri)
    command = _command_line(state, query, filtres, tri, fmt, compact, csv_standard, csv_brut, entetes_lisibles, output)
    selection = Selection(cat, chosen, query, filtres.describe(cat), command, scores, qpv.frame)
    options = {"compact": compact, "excel": not csv_standard, "neutralise": not csv_brut, "labels": entetes_lisibles}
    n = len(chosen)
    if not n and output is not None:  # an empty document is never what was wanted
        raise QpvError(
            f"aucun exemple ne correspond à cette sélection : {output} n'a pas été écrit"
            " (« qpv list » avec les mêmes filtres montre la sélection)."
        )
    if not n:
        _no_result(ctx=ctx)
    if output is None:
        sys.stdout.flush()
        write(fmt, selection, sys.stdout.buffer, **options)
        sys.stdout.buffer.flush()
        return
    with open_output(output, force=force, protected=tuple(state.paths)) as stream:
        write(fmt, selection, stream, **options)
    typer.echo(f"{n} exemple{'s' if n > 1 else ''} exporté{'s' if n > 1 else ''} dans {output}", err=True)


def _command_line(
    state: State, query, filtres, tri, fmt, compact, csv_standard, csv_brut, entetes=False, output=None
) -> str:
    """The command that reproduces an export, with the catalogues it read and the name of the
    file it wrote (not its folder: a document is shared, its path is the writer's own)."""
    from .selection import shell_quote

    parts = ["qpv"]
    if not state.with_report:
        parts.append("--sans-rapport")
    parts += [f"--data {shell_quote(str(p))}" for p in state.paths]
    parts.append("export")
    if query:
        parts.append(shell_quote(query))
    parts += filtres.as_options()
    if tri:
        parts.append(f"--tri {tri}")
    parts.append(f"--format {fmt}")
    flags = (
        ("--compact", compact),
        ("--csv-standard", csv_standard),
        ("--csv-brut", csv_brut),
        ("--entetes-lisibles", entetes),
    )
    parts += [flag for flag, on in flags if on]
    if output is not None and str(output) != "-":
        parts.append(f"-o {shell_quote(output.name)}")
    return " ".join(parts)


@app.command(short_help="Vérifier des catalogues : toutes les erreurs à la fois.")
def valider(
    ctx: typer.Context,
    fichiers: Annotated[
        list[Path], typer.Argument(help="Catalogues TOML à vérifier.", show_default=False, metavar="FICHIER...")
    ],
) -> None:
    """Vérifier des catalogues sans rien chercher : toutes les erreurs et tous les
    avertissements, chacun sous la forme fichier:ligne:colonne: message.

    Les actions du rapport sont connues (sauf avec --sans-rapport). Code de sortie 1 s'il y a
    au moins une erreur.
    """
    from .api import validate

    problems, records = validate(fichiers, with_report=_state(ctx).with_report)
    for p in problems:
        typer.echo(str(p))
    errors = sum(1 for p in problems if p.gravite == "erreur")
    warnings = sum(1 for p in problems if p.gravite == "avertissement")
    summary = (
        f"{len(fichiers)} fichier{'s' if len(fichiers) > 1 else ''} vérifié{'s' if len(fichiers) > 1 else ''} : "
        f"{errors} erreur{'s' if errors > 1 else ''}, {warnings} avertissement{'s' if warnings > 1 else ''}"
    )
    summary += (
        f", {records} exemple{'s' if records > 1 else ''} valide{'s' if records > 1 else ''}." if not errors else "."
    )
    typer.echo(summary, err=True)
    if errors:
        raise typer.Exit(ExitStatus.ERROR)


@app.command(short_help="Ajouter un exemple à votre catalogue, sans toucher au reste.")
def nouveau(
    ctx: typer.Context,
    output: Annotated[
        Path,
        typer.Option(
            "--output",
            "-o",
            metavar="FICHIER",
            help="Catalogue où ajouter l'exemple (créé s'il n'existe pas).",
            dir_okay=False,
            show_default=False,
        ),
    ],
    action: Annotated[
        str | None,
        typer.Option("--action", metavar="NOMBRE", help="Numéro de l'action clé (1 à 11 pour le rapport)."),
    ] = None,
    titre: Annotated[str | None, typer.Option("--titre", help="Titre de l'exemple.")] = None,
    description: Annotated[str | None, typer.Option("--description", help="Description.")] = None,
    partenaire: Annotated[
        list[str] | None, typer.Option("--partenaire", help="Organisation partenaire (répétable).")
    ] = None,
    echelle: Annotated[
        str | None,
        typer.Option(
            "--echelle",
            "--niveau",
            help="Niveau : site, quartier, commune, intercommunalite... (comme le filtre --echelle).",
            autocompletion=_complete_niveau,
        ),
    ] = None,
    echelle_texte: Annotated[
        str | None, typer.Option("--echelle-texte", help="Échelle en texte libre (« Quartier du Blosne »).")
    ] = None,
    commune: Annotated[str | None, typer.Option("--commune", help="Commune ou lieu.")] = None,
    departement: Annotated[
        str | None,
        typer.Option("--departement", help="Département : son code (93, 2A) ou son nom (« Seine-Saint-Denis »)."),
    ] = None,
    cout: Annotated[str | None, typer.Option("--cout", help="Coût, en texte (« 18 000 € par an »).")] = None,
    cout_eur: Annotated[
        str | None,
        typer.Option(
            "--cout-eur", metavar="MONTANT", help="Coût en euros, comme --cout-max (ex. 8000, « 8 000 € », 8k)."
        ),
    ] = None,
    contact: Annotated[
        list[str] | None, typer.Option("--contact", help="Adresse électronique de contact (répétable).")
    ] = None,
    lien: Annotated[
        list[str] | None, typer.Option("--lien", help="Adresse web d'une ressource, https://… (répétable).")
    ] = None,
    identifiant: Annotated[str | None, typer.Option("--id", help="Identifiant voulu (sinon tiré du titre).")] = None,
) -> None:
    """Ajouter un exemple à votre catalogue, sans toucher à ce qu'il contient déjà.

    Sans --action, --titre ou --description, les demande dans le terminal.
    Exemple : qpv nouveau -o mes-exemples.toml --action 8 --titre "Jardin partagé" --description "..."
    """
    from .authoring import add_example, typed_number

    # A number typed; else named as wrong with the other values.
    values = {"action": None if action is None else typed_number(action), "titre": titre, "description": description}
    missing = [k for k, v in values.items() if v is None]
    values.update(commune=commune, departement=departement, contact=contact or [], lien=lien or [])
    state = _state(ctx)
    asked = False
    if missing:
        if not sys.stdin.isatty():
            raise UsageError(
                "options manquantes : "
                + ", ".join(f"--{k}" for k in missing)
                + " (ou lancez la commande dans un terminal pour les saisir)."
            )
        asked = True
        values["niveau"] = echelle
        if not _ask_example(state, output, values, ctx.params):
            return
        echelle = values["niveau"]
    created = not _exists(output)
    try:
        record = add_example(
            output,
            with_report=state.with_report,
            other_paths=list(state.paths),  # the output itself, however spelt, is read once (authoring)
            identifiant=identifiant,
            action=values["action"],
            titre=values["titre"],
            description=values["description"],
            partenaires=partenaire or [],
            echelle=echelle_texte,
            niveau=echelle,
            commune=values["commune"],
            departement=values["departement"],
            cout=cout,
            cout_eur=cout_eur,
            contacts=values["contact"],
            liens=values["lien"],
        )
    except QpvError as err:
        if asked:  # what was typed is not lost: the command that gives it all again
            typer.echo(_resume_hint(output, {**ctx.params, **values}), err=True)
        if isinstance(err, InvalidValues):
            raise UsageError(err.messages(_NOUVEAU_OPTION_OF)) from None
        raise
    typer.echo(f"Exemple « {record['id']} » ajouté à {output}.", err=True)
    if created:
        from .authoring import NEW_TITLE

        typer.echo(
            f"Catalogue créé sous le titre « {NEW_TITLE} », que citent les exports : pour le changer, modifiez"
            f' la ligne titre = "{NEW_TITLE}" au début du fichier (avec un éditeur de texte).',
            err=True,
        )


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except OSError:  # a name too long, for one: said by the command itself
        return False


# The fields of a new record and the options of `qpv nouveau` that give them.
_NOUVEAU_OPTION_OF = {
    "id": "--id",
    "action": "--action",
    "titre": "--titre",
    "description": "--description",
    "partenaires": "--partenaire",
    "echelle": "--echelle-texte",
    "niveau": "--echelle",
    "commune": "--commune",
    "territoires": "--commune",
    "departement": "--departement",
    "cout": "--cout",
    "cout_eur": "--cout-eur",
    "contacts": "--contact",
    "ressources": "--lien",
}


_YES = ("o", "oui", "y", "yes", "")
_NO = ("n", "non", "no")


def _ask(label: str, check, optional: bool = False):
    """Ask until the answer is valid: `check(text)` returns the value or raises ValueError with
    the French reason. Empty answers are None when `optional`."""
    while True:
        text = typer.prompt(label, default="", show_default=False, prompt_suffix=" : ").strip()
        if not text and optional:
            return None
        if not text:
            typer.echo("  Une réponse est nécessaire.")
            continue
        try:
            return check(text)
        except ValueError as err:
            typer.echo(f"  {err}")


def _ask_example(state: State, output: Path, values: dict, params: dict) -> bool:
    """`qpv nouveau` on a terminal: the choices shown, each answer checked as it is typed, a
    summary to confirm. Ctrl-C or « non » write nothing, and say how to resume."""
    from .authoring import _not_a_web_address
    from .errors import InvalidValue
    from .model import NIVEAUX
    from .selection import departement_code, resolve_niveau
    from .validation import EMAIL_PATTERN, URL_PATTERN

    actions = list(state.qpv().catalogue.actions)
    numbers = [a.numero for a in actions]
    span = f"{min(numbers)} à {max(numbers)}" if numbers else "1 à 11"

    def action_number(text: str) -> int:
        n = int(text) if text.isdigit() else None
        if n not in numbers:
            raise ValueError(f"« {text} » : tapez le numéro d'une action de la liste ci-dessus ({span}).")
        return n

    def niveau(text: str) -> str:
        try:
            return resolve_niveau(text)
        except InvalidValue as err:
            raise ValueError(err.message(None)) from None

    def code(text: str) -> str:
        found = departement_code(text)
        if found is None:
            raise ValueError(
                f"« {text} » n'est ni un code de département (93, 2A, 974) ni le nom d'un département : tapez-le, ou Entrée."
            )
        return found

    def email(text: str) -> str:
        if not EMAIL_PATTERN.fullmatch(text):
            raise ValueError(
                f"« {text} » n'est pas une adresse électronique (prenom.nom@ville.fr) : tapez-la, ou Entrée."
            )
        return text

    def url(text: str) -> str:
        if not URL_PATTERN.fullmatch(text):
            raise ValueError(f"{_not_a_web_address(text)} (ou Entrée pour passer).")
        return text

    try:
        if values["action"] is None:
            typer.echo("Actions clés :")
            for a in actions:
                typer.echo(f"  {a.numero:>2}. {a.titre}")
            values["action"] = _ask(f"Numéro de l'action clé ({span})", action_number)
        if values["titre"] is None:
            values["titre"] = _ask("Titre", str)
        if values["description"] is None:
            values["description"] = _ask("Description", str)
        if values["niveau"] is None:
            typer.echo("Niveaux : " + ", ".join(NIVEAUX))
            values["niveau"] = _ask("Niveau (Entrée pour passer)", niveau, optional=True)
        # Where and whom to ask: what `--territoire` finds, and what `valider` warns about.
        if values["commune"] is None and values["departement"] is None:
            values["commune"] = _ask("Commune (Entrée pour passer)", str, optional=True)
        if values["departement"] is None:
            values["departement"] = _ask(
                "Département, son code ou son nom : 93, 2A… (Entrée pour passer)", code, optional=True
            )
        if not values["contact"]:
            found = _ask("Adresse électronique de contact (Entrée pour passer)", email, optional=True)
            values["contact"] = [found] if found else []
        if not values["lien"]:
            found = _ask("Lien vers une page ou un document, https://… (Entrée pour passer)", url, optional=True)
            values["lien"] = [found] if found else []
        chosen = next((a for a in actions if a.numero == values["action"]), None)
        typer.echo("\nRécapitulatif :")
        typer.echo(f"  Action : {values['action']}" + (f". {chosen.titre}" if chosen else ""))
        typer.echo(f"  Titre : {values['titre']}")
        typer.echo(f"  Description : {values['description']}")
        typer.echo(f"  Niveau : {values['niveau'] or 'non précisé'}")
        place = ", ".join(v for v in (values["commune"], values["departement"]) if v)
        typer.echo(f"  Lieu : {place or 'non précisé'}")
        typer.echo(f"  Contact : {', '.join(values['contact']) or 'aucun'}")
        typer.echo(f"  Lien : {', '.join(values['lien']) or 'aucun'}")
        while True:  # neither yes nor no (a word typed in the wrong place): asked again
            answer = typer.prompt(
                f"Ajouter cet exemple à {output} ? [O/n]", default="o", show_default=False, prompt_suffix=" "
            )
            if answer.strip().lower() in _YES + _NO:
                break
            typer.echo("  Répondez o (oui, l'ajouter) ou n (non, ne rien écrire).")
    except (KeyboardInterrupt, EOFError) as err:
        typer.echo("", err=True)
        typer.echo("Rien n'a été écrit. " + _resume_hint(output, {**params, **values}), err=True)
        raise KeyboardInterrupt from err
    except Exception as err:
        if type(err).__name__ != "Abort":  # Ctrl-C or Ctrl-D inside a prompt
            raise
        typer.echo("", err=True)
        typer.echo("Rien n'a été écrit. " + _resume_hint(output, {**params, **values}), err=True)
        raise
    if answer.strip().lower() in _NO:
        typer.echo("Rien n'a été écrit. " + _resume_hint(output, {**params, **values}), err=True)
        return False
    return True


def _resume_hint(output: Path, given: dict) -> str:
    """The command that gives again everything typed so far."""
    from .selection import shell_quote

    parts = ["qpv", "nouveau", "-o", shell_quote(str(output))]
    for key, option in (("action", "--action"), ("titre", "--titre"), ("description", "--description")):
        if given.get(key) is not None:
            parts += [option, shell_quote(str(given[key]))]
    niveau = given.get("niveau") or given.get("echelle")
    if niveau:
        parts += ["--niveau", shell_quote(niveau)]
    for key, option in (
        ("echelle_texte", "--echelle-texte"),
        ("commune", "--commune"),
        ("departement", "--departement"),
        ("cout", "--cout"),
        ("cout_eur", "--cout-eur"),
        ("identifiant", "--id"),
    ):
        if given.get(key) is not None:
            parts += [option, shell_quote(str(given[key]))]
    for key, option in (("partenaire", "--partenaire"), ("contact", "--contact"), ("lien", "--lien")):
        for value in given.get(key) or ():
            parts += [option, shell_quote(value)]
    return "Pour reprendre sans retaper : " + " ".join(parts)


@app.command(short_help="Compter la sélection par axe, action, échelle, coût, lieu.")
def facettes(
    ctx: typer.Context,
    axe: AxeOpt = None,
    action: ActionOpt = None,
    echelle: EchelleOpt = None,
    cout_max: CoutMaxOpt = None,
    gratuit: GratuitOpt = False,
    partenaire: PartenaireOpt = None,
    territoire: TerritoireOpt = None,
    theme: ThemeOpt = None,
    ids: IdOpt = None,
    format: FormatOpt = "auto",
) -> None:
    """Compter les exemples de la sélection par axe, action, échelle, coût, partenaire et département."""
    format = _format(format, "facettes")
    from .render import print_facets

    total, result = _state(ctx).qpv().facets(_filtres(ctx))
    out = _output(format)
    if format is Format.json:
        out.json({"total": total, **{k: [{"valeur": v, "exemples": n} for v, n in vals] for k, vals in result.items()}})
        return
    if not total:
        _no_result(ctx=ctx)
        return
    print_facets(out, result, total)


@app.command("aide", short_help="Afficher l'aide de qpv, ou d'une commande : qpv aide search.")
def aide(
    commande: Annotated[
        str | None,
        typer.Argument(help="La commande dont afficher l'aide (ex. search).", show_default=False, metavar="[COMMANDE]"),
    ] = None,
) -> None:
    """Afficher l'aide de qpv, ou celle d'une commande : qpv aide search."""
    raise typer.Exit(main([ALIASES.get(commande, commande), "--help"] if commande else ["--help"]))


def _register_aliases() -> None:
    by_name = {c.name or c.callback.__name__: c for c in app.registered_commands}
    by_name["list"] = next(c for c in app.registered_commands if c.name == "list")
    for alias, target in ALIASES.items():
        info = by_name[target]
        app.command(alias, hidden=True, help=info.callback.__doc__)(info.callback)


_register_aliases()


# ---------------------------------------------------------------------------- entry point


def run() -> int:
    """The `qpv` program (its console script, `python -m qpvcli`): `main`, once what start-up
    made (typer, click, these modules: objects that live as long as the process) is moved out
    of the cyclic garbage collector's sight (`gc.freeze`). The collections that the command's
    allocations trigger then look only at what it makes, not again at all of start-up's objects
    (~0.7 ms of a search, measured); its garbage is collected as before. At exit, the
    interpreter's last collection skips them too: ~5 ms, most of what this saves (measured; a
    bare typer app that froze its objects would gain as much: docs/performance.md). Not done by
    `main`, which a host program or a test may call many times in one process."""
    import gc

    gc.freeze()
    return main()


def main(argv: list[str] | None = None) -> int:
    """Run qpv; every failure becomes a French message and an exit code, never a traceback.

    The standard streams are guarded for the run (terminal.GuardedText): what reaches a terminal
    is sanitised, a closed, full or non-UTF-8 output is a message; SIGTERM and SIGHUP end the
    run like Ctrl-C (temporary files removed), with exit 128 + the signal's number."""
    args = sys.argv[1:] if argv is None else argv
    _reported_failures.clear()
    restore_streams = _guard_streams()
    restore_signals = _catch_signals()
    try:
        try:
            if "--help" in args or "-h" in args:
                import contextlib
                import io

                from .usage import french_help

                buffer = io.StringIO()
                with contextlib.redirect_stdout(buffer):
                    code = _run(args)
                sys.stdout.write(french_help(buffer.getvalue()))
            else:
                code = _run(args)
            if not _reported_failures:  # a standard stream that already failed is not tried again
                sys.stdout.flush()
            return code
        except BrokenPipeError:
            _silence_stdout()
            return ExitStatus.SUCCESS
        except OSError as err:
            return _output_failed(err)
        except KeyboardInterrupt:
            return _interrupted()
    finally:
        restore_signals()
        restore_streams()


_GLOBAL_WITH_VALUE = {"--data", "-d"}
_GLOBAL_FLAGS = {"--sans-rapport", "--version"}
# The library names criteria; the command line names the options that give them.
OPTION_OF: dict[str, str | None] = {
    "axe": "--axe",
    "action": "--action",
    "niveau": "--echelle",
    "cout_max": "--cout-max",
    "partenaire": "--partenaire",
    "territoire": "--territoire",
    "theme": "--theme",
    "id": "--id",
    "tri": "--tri",
    "limite": "--limit",
    "requete": None,
}


def _trimmed_app(argv: list[str]) -> typer.Typer:
    """The app with only the command being run: typer builds every registered command's
    options at each start (~1 ms each, ~8 ms for all), the one run is enough; `qpv --version`
    needs none (its eager option answers before any command is looked up). Help and errors use
    them all."""
    i = 0
    while i < len(argv) and argv[i].startswith("-"):
        i += 2 if argv[i] in _GLOBAL_WITH_VALUE else 1
    if "--help" in argv or "-h" in argv:
        return app
    if i >= len(argv):
        chosen = []
        if "--version" not in argv[:i]:
            return app
    else:
        name = argv[i]
        chosen = [c for c in app.registered_commands if (c.name or c.callback.__name__.replace("_", "-")) == name]
        if not chosen:
            return app
    trimmed = typer.Typer(**_APP_SETTINGS)
    trimmed.registered_callback = app.registered_callback
    trimmed.registered_commands = chosen
    return trimmed


def _global_options_first(argv: list[str]) -> list[str]:
    """`qpv search jardin --data f.toml` as `qpv --data f.toml search jardin`: the global
    options given after the command are moved before it (not after a `--`)."""
    i = 0
    while i < len(argv) and argv[i].startswith("-") and argv[i] != "--":
        if argv[i] in _GLOBAL_WITH_VALUE and argv[i + 1 : i + 2] == ["--"]:
            from .usage import needs_a_value  # only when something is wrong

            raise UsageError(needs_a_value(argv[i]))
        i += 2 if argv[i] in _GLOBAL_WITH_VALUE else 1
    if i >= len(argv) or argv[i] == "--":
        return argv
    moved: list[str] = []
    kept: list[str] = []
    rest = argv[i + 1 :]
    j = 0
    while j < len(rest):
        arg = rest[j]
        if arg == "--":
            kept += rest[j:]
            break
        if arg in _GLOBAL_WITH_VALUE:
            if j + 1 == len(rest) or rest[j + 1] == "--":  # `qpv list --data`: said as before the command
                from .usage import needs_a_value

                raise UsageError(needs_a_value(arg))
            moved += rest[j : j + 2]
            j += 2
            continue
        if arg in _GLOBAL_FLAGS or arg.startswith("--data=") or (arg.startswith("-d") and arg[2:3] not in ("", "-")):
            moved.append(arg)
        else:
            kept.append(arg)
        j += 1
    return [*argv[:i], *moved, argv[i], *kept]


def _run(argv: list[str]) -> int:
    try:
        argv = _global_options_first(argv)
    except UsageError as err:
        _error(str(err))
        return err.exit_status
    from .usage import click_exceptions, french_help, french_usage

    usage_error, click_exception, exit_exc = click_exceptions()
    debug = bool(os.environ.get("QPV_DEBUG"))
    try:
        result = _trimmed_app(argv)(args=argv, prog_name="qpv", standalone_mode=False)
        if result == ExitStatus.INTERRUPTED:  # typer turns Ctrl-C into a return code
            return _interrupted()
        code = int(result) if isinstance(result, int) else ExitStatus.SUCCESS
        sys.stdout.flush()
        return code
    except exit_exc as err:
        code = int(getattr(err, "exit_code", 0) or 0)
        sys.stdout.flush()  # `valider … | head -1`: a closed pipe is not an error
        return code
    except SystemExit as err:  # typer exits 1 itself on a pipe closed inside a command
        if _pipe_closed():
            _silence_stdout()
            return ExitStatus.SUCCESS
        return err.code if isinstance(err.code, int) else ExitStatus.ERROR
    except InvalidValue as err:
        _error(err.message(OPTION_OF.get(err.champ, err.champ)))
        return err.exit_status
    except QpvError as err:
        _error(str(err))
        return err.exit_status
    except usage_error as err:
        ctx = getattr(err, "ctx", None)
        if type(err).__name__ == "NoArgsIsHelpError":  # `qpv` alone: the help, on stdout
            sys.stdout.write(french_help(err.format_message()) + "\n")
            return ExitStatus.SUCCESS
        hint = f"\nAide : {ctx.command_path} --help" if ctx is not None else ""
        _error(french_help(french_usage(err)) + hint)
        return ExitStatus.USAGE
    except click_exception as err:
        _error(err.format_message())
        return ExitStatus.ERROR
    except KeyboardInterrupt:
        return _interrupted()
    except BrokenPipeError:
        _silence_stdout()
        return ExitStatus.SUCCESS
    except Exception as err:
        if type(err).__name__ == "Abort":
            return _interrupted()
        from .terminal import OutputError

        if isinstance(err, OutputError):
            return _output_failed(err)
        if debug:
            raise
        _error(
            f"erreur inattendue ({type(err).__name__}: {err}). Relancez avec QPV_DEBUG=1 pour le détail, et signalez-la."
        )
        return ExitStatus.ERROR


def _error(message: str) -> None:
    from .terminal import safe

    try:
        sys.stderr.write(f"qpv : {safe(message)}\n")
        sys.stderr.flush()
    except (OSError, ValueError, AttributeError):
        pass


def _silence_stdout() -> None:
    """After the reader of a pipe went away (`qpv list | head -1`), or the output failed,
    exit quietly: point stdout at /dev/null so the interpreter's final flush does not fail
    again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


# ---------------------------------------------------------------------------- dying outputs, signals

_signal_received: list[int] = []  # the signal that ended the run (SIGINT when empty)


def _interrupted() -> int:
    import signal

    signum = _signal_received[-1] if _signal_received else signal.SIGINT
    if signum == signal.SIGINT:
        _error("interrompu.")
    else:
        _error(f"interrompu ({signal.Signals(signum).name}).")
    return 128 + int(signum)


_reported_failures: list[str] = []  # the standard streams whose failure was already said


def _output_failed(err: OSError) -> int:
    """stdout or stderr could not be written (full disk, closed by the shell): said once."""
    import errno

    from .terminal import OutputError

    if isinstance(err, BrokenPipeError) or err.errno == errno.EPIPE:
        _silence_stdout()
        return ExitStatus.SUCCESS
    if not isinstance(err, OutputError):
        _error(f"écriture impossible ({err.strerror or err}).")
        return ExitStatus.ERROR
    if err.name == "stdout":
        _silence_stdout()
    if err.name not in _reported_failures:
        _reported_failures.append(err.name)
        _error(err.french())
    return ExitStatus.ERROR


def _pipe_closed() -> bool:
    out = sys.stdout
    if type(out).__name__ == "PacifyFlushWrapper":
        return True
    return bool(getattr(out, "broken_pipe", False) or getattr(getattr(out, "buffer", None), "broken_pipe", False))


def _catch_signals():
    """SIGTERM and SIGHUP end the run as Ctrl-C does (KeyboardInterrupt: temporary files are
    removed on the way out); the exit code names the signal (143, 129, 130)."""
    import signal

    _signal_received.clear()

    def stop(signum, frame):
        _signal_received.append(signum)
        raise KeyboardInterrupt

    previous = {}
    for name in ("SIGTERM", "SIGHUP", "SIGINT"):
        signum = getattr(signal, name, None)
        if signum is None:
            continue
        with contextlib.suppress(ValueError, OSError):  # not the main thread, or not allowed here
            previous[signum] = signal.signal(signum, stop)

    def restore() -> None:
        for signum, handler in previous.items():
            with contextlib.suppress(ValueError, OSError, TypeError):
                signal.signal(signum, handler)

    return restore


def _guard_streams():
    """Standard streams fit for the run: closed ones replaced (fds 0-2 kept busy so that no
    file opened later takes their number), stdout and stderr guarded (terminal.GuardedText),
    an encoding that cannot write French made lenient. Returns what restores them."""
    from .terminal import GuardedText, closed_stream

    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            try:
                new = os.open(os.devnull, os.O_RDWR)
                if new != fd:
                    os.dup2(new, fd)
                    os.close(new)
            except OSError:
                pass
    saved = (sys.stdin, sys.stdout, sys.stderr)
    if sys.stdin is None:
        sys.stdin = open(os.devnull, encoding="utf-8")  # noqa: SIM115 - lives as long as the run
    out = sys.stdout if sys.stdout is not None else closed_stream("stdout")
    err = sys.stderr if sys.stderr is not None else open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115
    for stream in (out, err):
        _lenient(stream)
    sys.stdout = GuardedText(out, "stdout", sanitise=_isatty(out))
    sys.stderr = GuardedText(err, "stderr", sanitise=True)

    def restore() -> None:
        sys.stdin, sys.stdout, sys.stderr = saved

    return restore


def _isatty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError, OSError):
        return False


def _lenient(stream) -> None:
    """A terminal that cannot show a character gets a replacement mark; a file or a pipe gets
    UTF-8 whatever the locale (PYTHONIOENCODING=ascii), as the documentation promises."""
    import codecs

    try:
        utf8 = codecs.lookup(stream.encoding).name == "utf-8"
    except (AttributeError, LookupError, TypeError):
        return
    try:
        if _isatty(stream):
            if not utf8 or stream.errors == "strict":
                stream.reconfigure(errors="replace")
        elif not utf8:
            stream.reconfigure(encoding="utf-8", errors="surrogateescape")
        elif stream.errors == "strict":
            stream.reconfigure(errors="surrogateescape")
    except (AttributeError, ValueError, OSError):
        pass
