"""click and typer's own words, said in French: usage errors (with suggestions for mistyped
options and commands, and what a missing argument should look like) and help headings.

Used only when something goes wrong or help is asked for: imported by `cli.main` then."""

from __future__ import annotations

import re

import typer

from .cli import ALIASES, _suggest

# What an option's value is, said when it is missing (« -o » alone).
_VALUE_OF = {
    **dict.fromkeys(("--output", "-o"), "un nom de fichier, par exemple -o note.docx"),
    **dict.fromkeys(("--data", "-d"), "un catalogue, par exemple {option} mes-exemples.toml"),
    "--axe": "un axe : son numéro, 1 à 4, ou son nom",
    "--action": "le numéro d'une action clé, 1 à 11",
    **dict.fromkeys(("--echelle", "--niveau"), "un niveau : quartier, commune…"),
    **dict.fromkeys(("--cout-max", "--cout-eur"), "un montant en euros, par exemple 40000"),
    **dict.fromkeys(("--limit", "--limite", "-n"), "un nombre"),
    "--territoire": "une commune, un département ou une région",
    "--partenaire": "le nom d'un partenaire",
    "--theme": "une thématique",
    "--id": "un identifiant, par exemple paris-ilots-de-fraicheur",
    **dict.fromkeys(("--format", "-f"), "un format"),
    "--tri": "un ordre de tri",
}


def needs_a_value(option: str) -> str:
    """« l'option -o attend une valeur (un nom de fichier, …) »."""
    what = _VALUE_OF.get(option)
    return f"l'option {option} attend une valeur" + (f" ({what.format(option=option)})" if what else "")


def click_exceptions() -> tuple[type[BaseException], type[BaseException], type[BaseException]]:
    """click's UsageError, ClickException and Exit, whichever click typer ships with."""
    mro = typer.BadParameter.__mro__
    usage = next(c for c in mro if c.__name__ == "UsageError")
    click_exc = next(c for c in mro if c.__name__ == "ClickException")
    exit_ = typer.Exit.__mro__[0]
    return usage, click_exc, exit_


# What is missing, said with an example, for each command's required argument or option.
_MISSING = {
    "search": "indiquez ce que vous cherchez, par exemple : qpv search jardin partagé",
    "show": "indiquez l'identifiant d'un exemple, par exemple : qpv show paris-ilots-de-fraicheur (les identifiants : qpv list)",
    "valider": "indiquez le ou les catalogues à vérifier, par exemple : qpv valider mes-exemples.toml",
    "nouveau": "indiquez le catalogue où ajouter l'exemple avec -o, par exemple : qpv nouveau -o mes-exemples.toml",
}


def _command_names() -> list[str]:
    from .cli import app

    return [c.name or c.callback.__name__ for c in app.registered_commands if not c.hidden]


def _options_of(ctx) -> list[str]:
    """Every option name of the command being run (and the global ones)."""
    names = ["--data", "-d", "--sans-rapport", "--version", "--help", "-h"]
    command = getattr(ctx, "command", None)
    for param in getattr(command, "params", []):
        names += [o for o in [*param.opts, *param.secondary_opts] if o.startswith("-")]
    return names


def _elsewhere(option: str) -> list[str]:
    """The commands that do have this option."""
    import typer.main

    from .cli import app

    group = typer.main.get_command(app)
    found = []
    for name, command in getattr(group, "commands", {}).items():
        if getattr(command, "hidden", False):
            continue
        if any(option in (*p.opts, *p.secondary_opts) for p in command.params):
            found.append(name)
    return found


# Options named as people name what they filter (« --departement 93 »), not by their spelling.
_SAID_OTHERWISE = dict.fromkeys(
    ("--departement", "--département", "--dep", "--region", "--région", "--ville", "--commune", "--lieu", "--lieux"),
    "--territoire",
)


def french_usage(err: BaseException) -> str:
    """click's English usage messages, said in French, with what to do."""
    text = err.format_message() if hasattr(err, "format_message") else str(err)
    ctx = getattr(err, "ctx", None)
    command = ALIASES.get(ctx.info_name, ctx.info_name) if ctx is not None and ctx.parent is not None else None
    path = f"qpv {command}" if command else "qpv"
    kind = type(err).__name__

    if kind == "NoSuchOption" or text.startswith("No such option"):
        option = getattr(err, "option_name", None) or re.search(r"No such option: (\S+)", text)[1]
        message = f"option inconnue : {option}"
        typed = option.split("=")[0]
        said_so = _SAID_OTHERWISE.get(typed.lower())
        close = said_so if said_so in _options_of(ctx) else _suggest(typed, _options_of(ctx))
        if close == typed:  # a global option where it is not read: no suggestion of itself
            close = None
        if close is None and not option.startswith("--") and len(option) > 2:
            close = _suggest("-" + option, _options_of(ctx))  # -axe for --axe
        if close:
            return message + f" (vouliez-vous dire {close} ?)"
        others = _elsewhere(typed)
        if others:
            message += f" pour « {path} » ; elle existe pour « qpv " + " », « qpv ".join(others) + " »"
            if command == "export" and typed in ("-n", "--limit"):
                # A few results of a search, for a note: named by hand
                message += " ; pour n'exporter que quelques exemples, nommez-les : --id ID --id ID…"
            return message
        return message
    m = re.search(r"No such command '([^']+)'", text)
    if m:
        typed = m[1]
        names = _command_names()
        close = _suggest(typed.lower(), [*names, *ALIASES])
        close = ALIASES.get(close, close) if close and close not in names else close
        hint = f" : vouliez-vous dire « qpv {close} » ?" if close else " (voir « qpv --help »)"
        return f"commande inconnue : « {typed} »{hint}"
    if "Missing command" in text:
        return "indiquez une commande, par exemple : qpv list, qpv search jardin partagé (toutes : qpv --help)"
    m = re.search(r"Missing (?:argument|option) '?([^'.]+)'?", text)
    if m:
        return _MISSING.get(str(command), f"il manque {m[1]}")
    m = re.search(r"Option '([^']+)' does not take a value", text)
    if m:
        return f"{m[1]} ne prend pas de valeur : écrivez simplement {m[1]}"
    m = re.search(r"Option '([^']+)' requires (?:an argument|(\d+) arguments)", text)
    if m:
        return needs_a_value(m[1]) + (f" (voir « {path} --help »)" if ctx is not None else "")
    m = re.search(r"Invalid value for '([^']+)'(?: / '([^']+)')?: '([^']*)' is not a valid (int|integer|float)", text)
    if m:
        what = "un nombre entier" if m[4].startswith("int") else "un nombre"
        return f"{m[1]} : « {m[3]} » n'est pas {what} (ex. {m[1]} 5)"
    m = re.search(r"Invalid value for '([^']+)'(?: / '[^']+')?: '([^']*)' is not one of (.*?)\.?$", text)
    if m:
        choices = re.findall(r"'([^']*)'", m[3])
        close = _suggest(m[2], choices)
        hint = f" Vouliez-vous dire « {close} » ?" if close else ""
        return f"{m[1]} : « {m[2]} » inconnu. Valeurs possibles : {', '.join(choices)}.{hint}"
    m = re.search(r"Invalid value for '([^']+)'(?: / '[^']+')?: (?:File|Directory|Path) '(.*)' is a directory", text)
    if m:
        return f"{m[1]} : « {m[2]} » est un dossier ; indiquez un nom de fichier"
    m = re.search(r"Invalid value for '([^']+)'(?: / '[^']+')?: (.*)", text)
    if m:
        return f"{m[1]} : valeur invalide ({m[2]})"
    m = re.search(r"Got unexpected extra argument(?:s|\(s\))? \((.*)\)", text)
    if m:
        words = m[1].split()
        what = "un mot en trop" if len(words) == 1 else f"{len(words)} mots en trop"
        return f"{what} : « {m[1]} » (« {path} --help » montre ce que la commande attend)"
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
    ("[OPTIONS] COMMAND [ARGS]...", "[options] commande [arguments]…"),
    ("[OPTIONS]", "[options]"),
    ("[ARGS]...", "[arguments]…"),
    ("[default:", "[défaut :"),
    (" [default]", " [défaut]"),
)
# Metavariables typer or click write for options whose metavar was not set (other typer or
# click versions write them differently): said in French.
_METAVARS_FR = {
    "<str>": "TEXTE",
    "<text>": "TEXTE",
    "<path>": "FICHIER",
    "<file>": "FICHIER",
    "<int>": "NOMBRE",
    "<integer>": "NOMBRE",
    "<float>": "NOMBRE",
    "TEXT": "TEXTE",
    "PATH": "FICHIER",
    "FILE": "FICHIER",
    "FILENAME": "FICHIER",
    "INTEGER": "NOMBRE",
    "FLOAT": "NOMBRE",
    "BOOLEAN": "OUI/NON",
}


def french_help(text: str) -> str:
    """typer and click write their help headings in English: say them in French."""
    for english, french in _HELP_FR:
        text = text.replace(english, french)
    text = re.sub(r"^(Utilisation : .*)$", lambda m: re.sub(r"\{([^{}]+)\}", r"\1", m[1]), text, flags=re.MULTILINE)

    def metavar(m: re.Match[str]) -> str:
        # The French word is longer or shorter: the spaces after it make up for it, so the
        # help texts stay in one column (while two spaces at least remain).
        french = _METAVARS_FR[m[1]]
        gap = m[2]
        if len(gap) >= 2:
            gap = " " * max(2, len(gap) + len(m[1]) - len(french))
        return french + gap

    text = re.sub(
        r"(?<=[\w-] )(<\w+>|TEXT|PATH|FILENAME|FILE|INTEGER|FLOAT|BOOLEAN)((?= ?[.\n]| ?$)| *)",
        metavar,
        text,
        flags=re.MULTILINE,
    )
    # click wraps long option help over lines: join a split phrase before translating it.
    return re.sub(
        r"Show completion for the current shell, to copy it or\s+customize the\s+installation\.", _HELP_FR[6][1], text
    )
