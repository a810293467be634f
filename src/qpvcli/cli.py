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
from .errors import ExitStatus, InvalidValue, QpvError, UsageError

_APP_SETTINGS = {
    "name": "qpv",
    "help": "Les actions clés pour la résilience des quartiers prioritaires de la ville : chercher, filtrer, lire et exporter les exemples du rapport.",
    "no_args_is_help": True,
    "pretty_exceptions_enable": False,
    "rich_markup_mode": None,
    "context_settings": {"help_option_names": ["-h", "--help"]},
}
app = typer.Typer(**_APP_SETTINGS)


class State:
    """Global options, and the catalogue opened once on first use (through the library's
    front door, `api.Qpv`)."""

    def __init__(self, data: list[Path], with_report: bool):
        from .sources import user_paths

        self.paths = user_paths(data)
        self.with_report = with_report
        self._qpv = None

    def qpv(self):
        if self._qpv is None:
            from .api import Qpv

            if not self.paths and not self.with_report:
                raise QpvError(
                    "aucun catalogue : --sans-rapport demande au moins un fichier (--data FICHIER ou QPV_DATA)."
                )

            self._qpv = Qpv.open(self.paths, with_report=self.with_report, notify=_error)
        return self._qpv


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


def _output(fmt: Format = Format.auto):
    from .render import Output

    tty = stdout_isatty() if fmt is Format.auto else fmt is Format.table
    return Output(sys.stdout, tty)


def _no_result(message: str = "Aucun exemple ne correspond à cette sélection.") -> None:
    typer.echo(message, err=True)


# ---------------------------------------------------------------------------- completion


def _complete_axe(incomplete: str) -> list[str]:
    from .model import AXES

    return [a for a in AXES if a.startswith(incomplete.lower())]


def _complete_niveau(incomplete: str) -> list[str]:
    from .model import NIVEAUX

    return [n for n in NIVEAUX if n.startswith(incomplete.lower())]


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
        help="Axe : diagnostic, cohesion, habitabilite, economie (ou son numéro, ou son nom). Répétable (OU).",
        autocompletion=_complete_axe,
        rich_help_panel="Filtres",
    ),
]
ActionOpt = Annotated[
    list[int] | None,
    typer.Option(
        "--action",
        help="Numéro d'action clé, de 1 à 11. Répétable (OU).",
        autocompletion=_complete_action,
        rich_help_panel="Filtres",
    ),
]
EchelleOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--echelle",
        help="Niveau : site, quartier, commune, intercommunalite, departement, region, national, international. Répétable (OU).",
        autocompletion=_complete_niveau,
        rich_help_panel="Filtres",
    ),
]
CoutMaxOpt = Annotated[
    int | None,
    typer.Option(
        "--cout-max", help="Coût connu et au plus ce montant en euros (ex. 40000).", rich_help_panel="Filtres"
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
        help="Organisation partenaire ou pilote (ex. ademe, Cerema, anru). Répétable (OU).",
        rich_help_panel="Filtres",
    ),
]
TerritoireOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--territoire",
        help="Code de département (93, 2A), département, commune, région ou pays. Répétable (OU).",
        rich_help_panel="Filtres",
    ),
]
TriOpt = Annotated[
    str | None,
    typer.Option("--tri", help="Ordre : rapport (défaut ; pertinence pour une recherche), action, titre, cout."),
]
FormatOpt = Annotated[
    Format, typer.Option("--format", "-f", help="auto (tableau sur un terminal, TSV dans un tube), table, tsv ou json.")
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
            help="Catalogue TOML à ajouter à celui du rapport (répétable ; aussi la variable QPV_DATA).",
            dir_okay=True,
        ),
    ] = None,
    sans_rapport: Annotated[
        bool,
        typer.Option("--sans-rapport", help="N'utiliser que vos catalogues (--data, QPV_DATA), sans celui du rapport."),
    ] = False,
    version: Annotated[
        bool, typer.Option("--version", help="Afficher la version et quitter.", callback=_version, is_eager=True)
    ] = False,
) -> None:
    from .sources import option_path_problem

    for path in data or []:
        # A wrong option value is a usage error (2); a file that fails to load is an error (1).
        problem = option_path_problem(path)
        if problem:
            raise UsageError(f"--data : {problem}")
    ctx.obj = State(list(data or []), not sans_rapport)


@app.command()
def actions(
    ctx: typer.Context,
    axe: AxeOpt = None,
    format: FormatOpt = Format.auto,
) -> None:
    """Sommaire du rapport : les 4 axes, les 11 actions clés et leur nombre d'exemples."""
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


@app.command("list")
def list_(
    ctx: typer.Context,
    axe: AxeOpt = None,
    action: ActionOpt = None,
    echelle: EchelleOpt = None,
    cout_max: CoutMaxOpt = None,
    gratuit: GratuitOpt = False,
    partenaire: PartenaireOpt = None,
    territoire: TerritoireOpt = None,
    tri: TriOpt = None,
    format: FormatOpt = Format.auto,
) -> None:
    """Lister les exemples, une ligne chacun, avec les filtres voulus.

    Exemple : qpv list --axe habitabilite --echelle quartier
    """
    from .render import exemple_json, print_list

    chosen = _state(ctx).qpv().select(_filtres(ctx), tri or "rapport")
    out = _output(format)
    if format is Format.json:
        out.json_array(exemple_json(e) for e in chosen)
    elif chosen:
        print_list(out, chosen, title=f"{len(chosen)} exemple{'s' if len(chosen) > 1 else ''}")
    if not chosen:
        _no_result()


@app.command()
def show(
    ctx: typer.Context,
    id: Annotated[
        str,
        typer.Argument(help="Identifiant de l'exemple (voir « qpv list »).", autocompletion=_complete_id, metavar="ID"),
    ],
    format: Annotated[str, typer.Option("--format", "-f", help="auto, table, texte, json ou md.")] = "auto",
) -> None:
    """Lire un exemple en entier : tous ses champs, liens, contacts et corrections."""
    from .render import Output, exemple_json, print_show

    qpv = _state(ctx).qpv()
    cat = qpv.catalogue
    ex = qpv.get(id)
    if ex is None:
        close = qpv.closest_ids(id)
        hint = " Vouliez-vous dire : " + ", ".join(close) + " ?" if close else " Voir « qpv list »."
        raise QpvError(f"Aucun exemple « {id} ».{hint}")
    if format == "json":
        Output(sys.stdout, False).json(exemple_json(ex))
    elif format == "md":
        from .export import md

        sys.stdout.write(md.render_one(cat, ex))
    elif format in ("auto", "table", "texte"):
        tty = stdout_isatty() if format == "auto" else format == "table"
        print_show(Output(sys.stdout, tty), cat, ex)
    else:
        raise UsageError(f"--format : « {format} » inconnu. Valeurs possibles : auto, table, texte, json, md.")


@app.command()
def search(
    ctx: typer.Context,
    query: Annotated[
        str,
        typer.Argument(
            help="Ce que vous cherchez, entre guillemets s'il y a plusieurs mots.",
            show_default=False,
            metavar="REQUÊTE",
        ),
    ],
    axe: AxeOpt = None,
    action: ActionOpt = None,
    echelle: EchelleOpt = None,
    cout_max: CoutMaxOpt = None,
    gratuit: GratuitOpt = False,
    partenaire: PartenaireOpt = None,
    territoire: TerritoireOpt = None,
    limit: Annotated[int, typer.Option("--limit", "-n", help="Nombre de résultats au plus (0 : tous).")] = 10,
    format: FormatOpt = Format.auto,
    explique: Annotated[
        bool, typer.Option("--explique", help="Montrer pour chaque résultat les mots trouvés, où, et le score.")
    ] = False,
) -> None:
    """Chercher dans les exemples, sans se soucier des accents, du pluriel ni des fautes de frappe.

    Exemple : qpv search "îlots de fraîcheur" --echelle commune
    """
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
            more = f" ({len(shown)} affichés, --limit 0 pour tous)" if len(shown) < total else ""
            typer.echo(f"{total} résultat{'s' if total > 1 else ''} pour « {result.query} »{more}\n")
        print_search(out, shown, explain=explique)
    if not shown:
        message = f"Aucun résultat pour « {result.query} »"
        message += " avec ces filtres." if filtres else "."
        if result.suggestions:
            message += " Vouliez-vous dire : " + ", ".join(result.suggestions) + " ?"
        _no_result(message)


@app.command()
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
    tri: TriOpt = None,
    format: Annotated[
        str, typer.Option("--format", "-f", help="md (rapport), csv (Excel), json ou toml (catalogue réutilisable).")
    ] = "md",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Fichier à écrire (sinon la sortie standard).", dir_okay=False)
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Remplacer le fichier s'il existe.")] = False,
    compact: Annotated[
        bool, typer.Option("--compact", help="Markdown : un seul tableau, une ligne par exemple.")
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
) -> None:
    """Exporter une sélection en Markdown (rapport), CSV (Excel), JSON ou TOML.

    Exemple : qpv export --axe habitabilite --format csv -o habitabilite.csv
    """
    from .export import FORMATS, Selection, render
    from .files import write_output

    if format not in FORMATS:
        raise UsageError(f"--format : « {format} » inconnu. Valeurs possibles : {', '.join(FORMATS)}.")
    state = _state(ctx)
    if query is not None and not query.strip():
        raise UsageError("la requête est vide : retirez-la pour exporter toute la sélection.")
    qpv = state.qpv()
    cat = qpv.catalogue
    filtres = _filtres(ctx)
    chosen, scores = qpv.selection(query, filtres, tri)
    command = _command_line(state, query, filtres, tri, format, compact, csv_standard, csv_brut)
    selection = Selection(cat, chosen, query, filtres.describe(cat), command, scores)
    data = render(format, selection, compact=compact, excel=not csv_standard, neutralise=not csv_brut)
    if not chosen:
        _no_result()
    if output is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    write_output(output, data, force=force, protected=tuple(state.paths))
    typer.echo(
        f"{len(chosen)} exemple{'s' if len(chosen) > 1 else ''} exporté{'s' if len(chosen) > 1 else ''} dans {output}",
        err=True,
    )


def _command_line(state: State, query, filtres, tri, fmt, compact, csv_standard, csv_brut) -> str:
    """The command that reproduces an export, with the catalogues it read."""
    import shlex

    parts = ["qpv"]
    if not state.with_report:
        parts.append("--sans-rapport")
    parts += [f"--data {shlex.quote(str(p))}" for p in state.paths]
    parts.append("export")
    if query:
        parts.append(shlex.quote(query))
    parts += filtres.as_options()
    if tri:
        parts.append(f"--tri {tri}")
    parts.append(f"--format {fmt}")
    parts += [
        flag for flag, on in (("--compact", compact), ("--csv-standard", csv_standard), ("--csv-brut", csv_brut)) if on
    ]
    return " ".join(parts)


@app.command()
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
    warnings = len(problems) - errors
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


@app.command()
def nouveau(
    ctx: typer.Context,
    output: Annotated[
        Path,
        typer.Option(
            "--output",
            "-o",
            help="Catalogue où ajouter l'exemple (créé s'il n'existe pas).",
            dir_okay=False,
            show_default=False,
        ),
    ],
    action: Annotated[
        int | None, typer.Option("--action", help="Numéro de l'action clé (1 à 11 pour le rapport).")
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
    departement: Annotated[str | None, typer.Option("--departement", help="Code du département (93, 2A).")] = None,
    cout: Annotated[str | None, typer.Option("--cout", help="Coût, en texte (« 18 000 € par an »).")] = None,
    cout_eur: Annotated[int | None, typer.Option("--cout-eur", help="Coût en euros (nombre entier).")] = None,
    contact: Annotated[
        list[str] | None, typer.Option("--contact", help="Adresse électronique de contact (répétable).")
    ] = None,
    lien: Annotated[list[str] | None, typer.Option("--lien", help="Adresse web d'une ressource (répétable).")] = None,
    identifiant: Annotated[str | None, typer.Option("--id", help="Identifiant voulu (sinon tiré du titre).")] = None,
) -> None:
    """Ajouter un exemple à votre catalogue, sans toucher à ce qu'il contient déjà.

    Sans --action, --titre ou --description, les demande dans le terminal.
    Exemple : qpv nouveau -o mes-exemples.toml --action 8 --titre "Jardin partagé" --description "..."
    """
    from .authoring import add_example

    values = {"action": action, "titre": titre, "description": description}
    missing = [k for k, v in values.items() if v is None]
    if missing:
        if not sys.stdin.isatty():
            raise UsageError(
                "options manquantes : "
                + ", ".join(f"--{k}" for k in missing)
                + " (ou lancez la commande dans un terminal pour les saisir)."
            )
        labels = {"action": "Numéro de l'action clé", "titre": "Titre", "description": "Description"}
        for key in missing:
            values[key] = typer.prompt(labels[key], type=int if key == "action" else str)
    state = _state(ctx)
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
        commune=commune,
        departement=departement,
        cout=cout,
        cout_eur=cout_eur,
        contacts=contact or [],
        liens=lien or [],
    )
    typer.echo(f"Exemple « {record['id']} » ajouté à {output}.", err=True)


@app.command()
def facettes(
    ctx: typer.Context,
    axe: AxeOpt = None,
    action: ActionOpt = None,
    echelle: EchelleOpt = None,
    cout_max: CoutMaxOpt = None,
    gratuit: GratuitOpt = False,
    partenaire: PartenaireOpt = None,
    territoire: TerritoireOpt = None,
    format: FormatOpt = Format.auto,
) -> None:
    """Compter les exemples de la sélection par axe, action, échelle, coût, partenaire et département."""
    from .render import print_facets

    total, result = _state(ctx).qpv().facets(_filtres(ctx))
    out = _output(format)
    if format is Format.json:
        out.json({"total": total, **{k: [{"valeur": v, "exemples": n} for v, n in vals] for k, vals in result.items()}})
        return
    if not total:
        _no_result()
        return
    print_facets(out, result, total)


# ---------------------------------------------------------------------------- entry point


def _click_exceptions() -> tuple[type[BaseException], type[BaseException], type[BaseException]]:
    """click's UsageError, ClickException and Exit, whichever click typer ships with."""
    mro = typer.BadParameter.__mro__
    usage = next(c for c in mro if c.__name__ == "UsageError")
    click_exc = next(c for c in mro if c.__name__ == "ClickException")
    exit_ = typer.Exit.__mro__[0]
    return usage, click_exc, exit_


def _french_usage(err: BaseException) -> str:
    """click's English usage messages, said in French."""
    import re

    text = err.format_message() if hasattr(err, "format_message") else str(err)
    rules = [
        (
            r"No such option: (\S+)(?:\s+Did you mean (\S+)\?)?",
            lambda m: f"option inconnue : {m[1]}" + (f" (vouliez-vous dire {m[2]} ?)" if m[2] else ""),
        ),
        (r"No such command '([^']+)'\.?", lambda m: f"commande inconnue : « {m[1]} » (voir « qpv --help »)"),
        (r"Missing argument '([^']+)'\.?", lambda m: f"argument manquant : {m[1]}"),
        (r"Missing option '([^']+)'\.?", lambda m: f"option manquante : {m[1]}"),
        (r"Option '([^']+)' requires an argument\.?", lambda m: f"l'option {m[1]} attend une valeur"),
        (
            r"Invalid value for '([^']+)': '([^']*)' is not a valid int",
            lambda m: f"{m[1]} : « {m[2]} » n'est pas un nombre entier",
        ),
        (
            r"Invalid value for '([^']+)': '([^']*)' is not one of (.*)\.",
            lambda m: f"{m[1]} : « {m[2]} » inconnu ; valeurs possibles : {m[3]}",
        ),
        (
            r"Invalid value for '([^']+)'(?: / '[^']+')?: (?:File|Directory|Path) '(.*)' is a directory\.?",
            lambda m: f"{m[1]} : « {m[2]} » est un dossier ; indiquez un nom de fichier",
        ),
        (
            r"Invalid value for '([^']+)'(?: / '[^']+')?: (?:File|Directory|Path) '(.*)' does not exist\.?",
            lambda m: f"{m[1]} : « {m[2]} » introuvable",
        ),
        (r"Invalid value for '([^']+)'(?: / '[^']+')?: (.*)", lambda m: f"{m[1]} : valeur invalide ({m[2]})"),
        (
            r"Got unexpected extra argument(?:s|\(s\))? \((.*)\)",
            lambda m: f"argument(s) en trop : {m[1]} (mettez la requête entre guillemets)",
        ),
    ]
    for pattern, make in rules:
        m = re.search(pattern, text)
        if m:
            return make(m)
    return text


_HELP_FR = (
    ("Usage: ", "Utilisation : "),
    ("Options:", "Options :"),
    ("Arguments:", "Arguments :"),
    ("Commands:", "Commandes :"),
    ("Show this message and exit.", "Afficher cette aide et quitter."),
    ("Install completion for the current shell.", "Installer la complétion pour le shell courant."),
    (
        "Show completion for the current shell, to copy it or customize the installation.",
        "Afficher le script de complétion du shell courant, pour le copier ou l'adapter.",
    ),
    ("[default: ", "[défaut : "),
    ("[required]", "[obligatoire]"),
)


def _french_help(text: str) -> str:
    """typer and click write their help headings in English: say them in French."""
    import re

    for english, french in _HELP_FR:
        text = text.replace(english, french)
    # click wraps long option help over lines: join a split phrase before translating it.
    return re.sub(
        r"Show completion for the current shell, to copy it or\s+customize the\s+installation\.", _HELP_FR[6][1], text
    )


def main(argv: list[str] | None = None) -> int:
    """Run qpv; every failure becomes a French message and an exit code, never a traceback.

    The standard streams are guarded for the run (terminal.GuardedText): what reaches a terminal
    is sanitised, a closed, full or non-UTF-8 output is a message; SIGTERM and SIGHUP end the
    run like Ctrl-C (temporary files removed), with exit 128 + the signal's number."""
    args = sys.argv[1:] if argv is None else argv
    restore_streams = _guard_streams()
    restore_signals = _catch_signals()
    try:
        try:
            if "--help" in args or "-h" in args:
                import contextlib
                import io

                buffer = io.StringIO()
                with contextlib.redirect_stdout(buffer):
                    code = _run(args)
                sys.stdout.write(_french_help(buffer.getvalue()))
            else:
                code = _run(args)
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
# The library names criteria; the command line names the options that give them.
OPTION_OF: dict[str, str | None] = {
    "axe": "--axe",
    "action": "--action",
    "niveau": "--echelle",
    "cout_max": "--cout-max",
    "partenaire": "--partenaire",
    "territoire": "--territoire",
    "tri": "--tri",
    "limite": "--limit",
    "requete": None,
}


def _trimmed_app(argv: list[str]) -> typer.Typer:
    """The app with only the command being run: typer builds every registered command's
    options at each start (~1 ms each), the one run is enough. Help and errors use them all."""
    i = 0
    while i < len(argv) and argv[i].startswith("-"):
        i += 2 if argv[i] in _GLOBAL_WITH_VALUE else 1
    if i >= len(argv) or "--help" in argv or "-h" in argv:
        return app
    name = argv[i]
    chosen = [c for c in app.registered_commands if (c.name or c.callback.__name__.replace("_", "-")) == name]
    if not chosen:
        return app
    trimmed = typer.Typer(**_APP_SETTINGS)
    trimmed.registered_callback = app.registered_callback
    trimmed.registered_commands = chosen
    return trimmed


def _run(argv: list[str]) -> int:
    usage_error, click_exception, exit_exc = _click_exceptions()
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
            sys.stdout.write(_french_help(err.format_message()) + "\n")
            return ExitStatus.SUCCESS
        hint = f"\nAide : {ctx.command_path} --help" if ctx is not None else ""
        _error(_french_help(_french_usage(err)) + hint)
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


def _output_failed(err: OSError) -> int:
    """stdout or stderr could not be written (full disk, closed by the shell)."""
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
