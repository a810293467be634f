"""The domain thesaurus (thesaurus.toml): synonym groups, acronyms, official French equivalents
of English terms, everyday words, région aliases, the départements by name, notions
searched only whole, and the subjects of the field (whose absence empties a query).

Read and checked when a store is built (a bad file is a clear error then, never at search
time); what searches need is kept in the store as stems:
- two-way synonyms: stem -> the other stems of its group;
- one-way expansions: a key (the stems of what a user types) -> alternatives (the stems of
  each phrase it stands for, all of which a record must contain), with how it was found.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from .errors import QpvError

THESAURUS_FILE = Path(__file__).with_name("thesaurus.toml")
_KINDS = {
    "synonymes": ("mots",),
    "sigles": ("sigle", "sens"),
    "equivalents": ("terme", "sens"),
    "regions": ("nom", "alias"),
    "notions": ("terme", "sens"),
    "sujets": ("mots",),
}
# A notion is searched whole, never by its words alone (see load): the comment of its own
# phrase names it, after this prefix.
NOTION = "notion"
SIGLE = "sigle"  # a sigle's full name (its first sense), or the sigle for its full name
EQUIVALENT = "équivalent"
LOOSE_SIGLE = "sigle, sens large"  # what a sigle is about (« EHPAD » → « seniors »)


class ThesaurusError(QpvError):
    """thesaurus.toml cannot be used: every problem found, in French."""


def _stems(text: str) -> tuple[str, ...]:
    from .text import analyse, stem

    return tuple(stem(t) for t in analyse(text))


def _keys(text: str) -> set[tuple[str, ...]]:
    """What a key is looked up as: typed with its hyphens (« Seine-Saint-Denis » gives its parts
    and the glued whole) or with spaces (« aller au devant des habitants »); not with spaces
    when its stop words leave one word: « sous-sol » is not « sol », nor « bien-être » « bien »."""
    keys = {_stems(text)}
    spaced = _stems(text.replace("-", " "))
    if len(spaced) > 1:
        keys.add(spaced)
    return {key for key in keys if key}


def place_target(name: str) -> str:
    """A département's or a région's name as the thesaurus searches it: a name of several
    words glued from its letters (« Haute-Savoie » → « hautesavoie »), as the index holds it
    for the records located there (fields._place_words), not its words, which may be those of
    another place (« Savoie »); a name of one word, or of words apart (« La Réunion »), as it
    is."""
    from .text import joined, letters

    return letters(name) if joined(name) else name


def _alternative(text: str) -> tuple[str, ...]:
    """What a key stands for, as stems: found from its words, however they are joined."""
    return _stems(text.replace("-", " "))


def _texts(value: Any, *, allow_empty: bool = False) -> bool:
    return (
        isinstance(value, list)
        and (allow_empty or bool(value))
        and all(isinstance(v, str) and v.strip() for v in value)
    )


def check(data: dict[str, Any], label: str = "thesaurus.toml") -> list[str]:
    """Every problem of a thesaurus read from TOML, in French."""
    problems = [f"{label} : section « {k} » inconnue" for k in sorted(set(data) - set(_KINDS))]
    for kind, keys in _KINDS.items():
        entries = data.get(kind, [])
        if not isinstance(entries, list):
            problems.append(f"{label} : « {kind} » doit s'écrire [[{kind}]]")
            continue
        for n, entry in enumerate(entries, 1):
            where = f"{label} : [[{kind}]] n° {n}"
            if not isinstance(entry, dict):
                problems.append(f"{where} : une table est attendue")
                continue
            unknown = set(entry) - set(keys) - {"source"}
            problems += [f"{where} : champ « {k} » inconnu" for k in sorted(unknown)]
            for key in keys:
                value = entry.get(key)
                if kind == "notions" and key == "sens" and value is None:
                    continue  # a notion may have no other wording
                if key in ("mots", "sens", "alias"):
                    if not _texts(value, allow_empty=key == "alias"):
                        problems.append(f"{where} : « {key} » doit être une liste de textes non vides")
                elif not (isinstance(value, str) and value.strip()):
                    problems.append(f"{where} : « {key} » doit être un texte non vide")
            if kind == "synonymes" and _texts(entry.get("mots")):
                if len(entry["mots"]) < 2:
                    problems.append(f"{where} : un groupe de synonymes a au moins deux mots")
                for word in entry["mots"]:
                    if len(_stems(word)) != 1:
                        problems.append(f"{where} : « {word} » n'est pas un mot seul (utilisez [[equivalents]])")
            if kind == "notions" and isinstance(entry.get("terme"), str) and len(_stems(entry["terme"])) < 2:
                problems.append(f"{where} : « {entry['terme']} » n'a qu'un mot (une notion en a plusieurs)")
    return problems + _notion_conflicts(data, label)


def _notion_conflicts(data: dict[str, Any], label: str) -> list[str]:
    """A notion that is also a key of another section: it would be searched two ways."""
    keys: set[tuple[str, ...]] = set()
    for kind, field in (("sigles", "sigle"), ("equivalents", "terme"), ("regions", "alias")):
        for entry in data.get(kind, []):
            value = entry.get(field) if isinstance(entry, dict) else None
            names = [value] if isinstance(value, str) else value if isinstance(value, list) else []
            keys.update(*(_keys(v) for v in names if isinstance(v, str)))
    return [
        f"{label} : [[notions]] n° {n} : « {entry['terme']} » est déjà une clé du thésaurus"
        for n, entry in enumerate(data.get("notions", []), 1)
        if isinstance(entry, dict) and isinstance(entry.get("terme"), str) and _keys(entry["terme"]) & keys
    ]


class Thesaurus(NamedTuple):
    """What a store keeps of the thesaurus, as stems (see load)."""

    synonyms: dict[str, tuple[str, ...]]
    expansions: dict[tuple[str, ...], list[tuple[tuple[str, ...], str]]]
    subjects: frozenset[tuple[str, ...]]
    free_keys: frozenset[tuple[str, ...]]


@lru_cache(maxsize=1)
def load() -> Thesaurus:
    """Synonyms, expansions, subjects and free keys as stems, from thesaurus.toml and the list
    of départements. A subject of the field (« crèche », « santé mentale »), named in a query
    and written in no record, makes the query's subject absent, whatever its other words find
    (see ranking.missing). A free key is one of several words written with another little word
    between two of them (« faire avec les habitants », « emploi pour tous », « solutions
    fondées sur la nature ») or two subjects joined by « et » (« jeunes et transition
    écologique »: the jeunes « dans » the transition too): a query finds it whatever little
    words join its words; any other key's words must be joined by JOINING words alone
    (« jardiner avec les enfants » is no « jardin d'enfants »)."""
    from .territoires import DEPARTEMENTS

    data = _checked()
    groups: dict[str, set[str]] = {}
    for entry in data.get("synonymes", []):
        stems = {_stems(w)[0] for w in entry["mots"]}
        for s in stems:
            groups.setdefault(s, set()).update(stems - {s})
    synonyms = {k: tuple(sorted(v)) for k, v in groups.items()}

    expansions: dict[tuple[str, ...], list[tuple[tuple[str, ...], str]]] = {}
    free: set[tuple[str, ...]] = set()

    def keys(text: str) -> set[tuple[str, ...]]:
        found = _keys(text)
        if _free(text):
            free.update(key for key in found if len(key) > 1)
        return found

    def add(key_text: str, targets: list[str], how: str) -> None:
        for key in keys(key_text):
            found = expansions.setdefault(key, [])
            for target in targets:
                alt = _alternative(target)
                if alt and alt != key and (alt, how) not in found:
                    found.append((alt, how))

    for entry in data.get("sigles", []):
        add(entry["sigle"], entry["sens"][:1], SIGLE)  # its full name
        add(entry["sigle"], entry["sens"][1:], LOOSE_SIGLE)  # what it is about
        # The sigle said in full (its first sense, the letters spelt out) finds a record that
        # writes only the sigle; the looser senses that follow do not.
        add(entry["sens"][0], [entry["sigle"]], SIGLE)
    for entry in data.get("equivalents", []):
        # A group of départements (« Aquitaine », « neuf-trois ») is searched by their names,
        # which the index holds only for the records located there: their codes would also be
        # any number in a text (« 40 exemples »). The territory filter keeps the codes.
        senses = [place_target(DEPARTEMENTS[s][0]) if s in DEPARTEMENTS else s for s in entry["sens"]]
        add(entry["terme"], senses, EQUIVALENT)
    for entry in data.get("regions", []):
        for alias in entry["alias"]:
            add(alias, [place_target(entry["nom"])], "région")
    for entry in data.get("notions", []):
        # The notion itself (said whole, its name in the comment), then its other wordings.
        for key in keys(entry["terme"]):
            alternatives = [(key, f"{NOTION}:{entry['terme']}")]
            alternatives += [(alt, NOTION) for s in entry.get("sens", []) if (alt := _alternative(s))]
            # A sigle's full name (« Petites villes de demain ») also finds the sigle (« PVD »).
            alternatives += [(alt, NOTION) for alt, _ in expansions.get(key, []) if (alt, NOTION) not in alternatives]
            expansions[key] = alternatives
    # A sigle given no broader sense is about what its full name is said in other words:
    # « ICU » is « îlots de chaleur », and so « surchauffe », « chaleur » (one step, no further).
    for entry in data.get("sigles", []):
        if len({_alternative(sense) for sense in entry["sens"]}) > 1:
            continue
        said_so = [alt for key in _keys(entry["sens"][0]) for alt, how in expansions.get(key, []) if how == EQUIVALENT]
        for key in _keys(entry["sigle"]):
            found = expansions.setdefault(key, [])
            found += [
                (alt, LOOSE_SIGLE) for alt in dict.fromkeys(said_so) if alt != key and (alt, LOOSE_SIGLE) not in found
            ]
    subjects = set()
    for entry in data.get("sujets", []):
        for text in entry["mots"]:
            subjects |= _keys(text)
            if "-" in text and " " not in text.strip():  # a hyphenated word no record has is one
                subjects.add(_stems(text.replace("-", "")))  # unknown word, glued (« chauffeeau »)
    return Thesaurus(synonyms, expansions, frozenset(subjects), frozenset(free))


# The little words that join the words of one name (« jardin d'enfants », « accès aux droits »),
# or a noun and what is said of it (« les caisses sont vides », « très chaud »): a query's
# words are looked up as one key of the thesaurus only when nothing else stands between them
# (see load).
JOINING = frozenset(
    (
        "de",
        "d",
        "du",
        "des",
        "l",
        "la",
        "le",
        "les",
        "a",
        "au",
        "aux",
        "en",
        "et",
        "est",
        "sont",
        "etre",
        "tres",
        "plus",
    )
)


def _free(text: str) -> bool:
    """Whether a key's text has, between two of its words, a little word that does not join
    the words of a name, or « et » (see load)."""
    from .text import STOP_WORDS, cut, prepare

    inner = cut(prepare(text.replace("-", " ")))[1:-1]
    return any(w == "et" or (w in STOP_WORDS and w not in JOINING) for w in inner)


def _checked() -> dict[str, Any]:
    """thesaurus.toml read and checked: every problem at once, in French (ThesaurusError).
    Read once per version of the file (a store build asks for it several times: 15,000 lines
    parsed and checked cost a few tenths of a second each time); not to be modified."""
    try:
        stat = THESAURUS_FILE.stat()
    except OSError as err:
        raise ThesaurusError(f"{THESAURUS_FILE.name} : fichier illisible ({err})") from None
    return _checked_file(THESAURUS_FILE, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=2)
def _checked_file(path: Path, _mtime: int, _size: int) -> dict[str, Any]:
    import tomllib

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise ThesaurusError(f"{path.name} : fichier illisible ({err})") from None
    problems = check(data, path.name)
    if problems:
        raise ThesaurusError("\n".join(problems))
    return data


def region_aliases() -> dict[str, str]:
    """Each région alias (« PACA », « IDF »…) -> the région's name, for the territory filter."""
    return {alias: entry["nom"] for entry in _checked().get("regions", []) for alias in entry["alias"]}


def old_regions() -> dict[str, frozenset[str]]:
    """Each name whose equivalents are all département codes (the old régions: « Picardie » ->
    02, 60, 80; « neuf-trois » -> 93) -> those codes, for the territory filter."""
    from .territoires import DEPARTEMENTS

    return {
        entry["terme"]: frozenset(entry["sens"])
        for entry in _checked().get("equivalents", [])
        if all(code in DEPARTEMENTS for code in entry["sens"])
    }
