"""Validating catalogue records: types and required fields from `fields.FIELDS`, formats
(ids, départements, addresses), references (axes, actions), and the warnings of `qpv valider`.
Every problem is collected with its place, never just the first."""

from __future__ import annotations

import contextlib
import re
from typing import Any

from .errors import InvalidValue, Problem
from .fields import FIELDS, KINDS, REQUIRED, SUB_TABLES
from .model import COUT_PORTEES, NIVEAUX, Action, Axe, Contact, Correction, Exemple, Ressource, Territoire
from .reading import Locator
from .sources import BUNDLED_SOURCE
from .text import closest, fold_text

ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
DEPARTEMENT_PATTERN = re.compile(r"^(?:0[1-9]|[1-8]\d|9[0-5]|2[AB]|97[1-6])$")
EMAIL_PATTERN = re.compile(r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
URL_PATTERN = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)

# Field name -> (type check, French description of what is expected), from the one table.
EXEMPLE_FIELDS: dict[str, tuple[Any, str]] = {f.name: KINDS[f.kind] for f in FIELDS}
_EXEMPLE_KEYS = frozenset(EXEMPLE_FIELDS)
REQUIRED_EXEMPLE_FIELDS = REQUIRED
_STR, _INT, _STR_LIST = KINDS["texte"], KINDS["entier"], KINDS["textes"]
_SUB_CLASSES = {"territoires": Territoire, "ressources": Ressource, "contacts": Contact, "corrections": Correction}
SUB_FIELDS = {
    key: (_SUB_CLASSES[key], {f.name for f in subs}, {f.name for f in subs if f.required})
    for key, subs in SUB_TABLES.items()
}
TOP_LEVEL_KEYS = {"catalogue", "axes", "actions", "exemples"}


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


def _check_themes(check: _Checker, index: int, name: str, ids: list[str]) -> bool:
    """Each theme id exists in the vocabulary (thematiques.toml) and is given once."""
    from .thematiques import closest, load

    themes = load()
    ok = True
    for theme in sorted(set(ids) - set(themes), key=ids.index):
        hint = closest(theme, themes)
        check.add(
            "exemples",
            index,
            "thematiques",
            f"{name} : thématique « {theme} » inconnue (valeurs : {', '.join(themes)})"
            + (f" ; vouliez-vous dire « {hint} » ?" if hint else ""),
        )
        ok = False
    for theme in sorted({t for t in ids if ids.count(t) > 1}, key=ids.index):
        check.add("exemples", index, "thematiques", f"{name} : thématique « {theme} » donnée deux fois")
        ok = False
    return ok


def _closest_portee(value: str) -> str | None:
    key = re.sub(r"[^a-z0-9]+", "-", fold_text(value)).strip("-")
    return key if key in COUT_PORTEES else closest(key, COUT_PORTEES)


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
            hint = closest(k, allowed)
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
            value = item[k]
            quoted = (
                f' : écrivez {k} = "{value}", entre guillemets'
                if isinstance(value, int | float) and not isinstance(value, bool)
                else ""
            )
            check.add("exemples", index, key, f"{name} : « {key}.{k} » doit être un texte non vide{quoted}")
        if bad or missing or wrong:
            continue
        built.append(cls(**item))
    return tuple(built)


_REQUIRED_KEYS = frozenset(REQUIRED_EXEMPLE_FIELDS)
_TYPE_CHECKS = {key: spec[0] for key, spec in EXEMPLE_FIELDS.items()}
_YEARS = range(1800, 2201)


def _check_exemple(check: _Checker, index: int, raw: Any, actions: dict[int, Action]) -> Exemple | None:
    """The record, or None when it has problems (added to `check`, each at its place)."""
    if type(raw) is dict:
        ex = _valid_exemple(raw, actions, check.label)
        if ex is not None:
            return ex
    return _check_exemple_fully(check, index, raw, actions)


def _valid_exemple(raw: dict[str, Any], actions: dict[int, Action], label: str) -> Exemple | None:
    """The record when it passes every check of `_check_exemple_fully` (the common case, in a
    fraction of the time: no name or message is prepared); None at the first doubt, the full
    check then says what is wrong. A record accepted here is accepted there, the same (tested)."""
    keys = raw.keys()
    if not (keys <= _EXEMPLE_KEYS and keys >= _REQUIRED_KEYS):
        return None
    for key, value in raw.items():
        if not _TYPE_CHECKS[key](value):
            return None
    ident = raw["id"]
    if len(ident) > 80 or not ID_PATTERN.fullmatch(ident) or raw["action"] not in actions:
        return None
    niveau = raw.get("niveau")
    niveaux = () if niveau is None else (niveau,) if type(niveau) is str else tuple(niveau)
    for n in niveaux:
        if n not in NIVEAUX:
            return None
    themes = raw.get("thematiques")
    if themes:
        from .thematiques import load

        if len(set(themes)) != len(themes) or not load().keys() >= set(themes):
            return None
    portee = raw.get("cout_portee")
    if portee is not None and (portee not in COUT_PORTEES or ("cout" not in keys and "cout_eur" not in keys)):
        return None
    if raw.get("cout_eur", 0) < 0:
        return None
    debut, fin = raw.get("annee_debut"), raw.get("annee_fin")
    if (debut is not None and debut not in _YEARS) or (fin is not None and fin not in _YEARS):
        return None
    if debut is not None and fin is not None and debut > fin:
        return None
    subs: dict[str, tuple[Any, ...]] = {}
    for key, (cls, allowed, required) in SUB_FIELDS.items():
        built = []
        for item in raw.get(key, ()):
            item_keys = item.keys()
            if not (item_keys <= allowed and required <= item_keys):
                return None
            for v in item.values():
                if not (isinstance(v, str) and v.strip()):
                    return None
            built.append(cls(**item))
        subs[key] = tuple(built)
    for t in subs["territoires"]:
        if t.departement is not None and not DEPARTEMENT_PATTERN.fullmatch(t.departement):
            return None
    for r in subs["ressources"]:
        if (r.url is None and r.fichier is None) or (r.url is not None and not URL_PATTERN.fullmatch(r.url)):
            return None
    for c in subs["contacts"]:
        if (c.email is None and c.nom is None) or (c.email is not None and not EMAIL_PATTERN.fullmatch(c.email)):
            return None
    return _exemple(raw, niveaux, subs, label)


def _exemple(raw: dict[str, Any], niveaux: tuple[str, ...], subs: dict[str, tuple[Any, ...]], label: str) -> Exemple:
    """A checked record: lists as tuples, sub-tables as records, where it was read from."""
    values = {k: v for k, v in raw.items() if k not in SUB_FIELDS}
    values["partenaires"] = tuple(raw.get("partenaires", ()))
    values["thematiques"] = tuple(raw.get("thematiques", ()))
    values["niveau"] = niveaux
    values.update(subs)
    values["source"] = label
    return Exemple(**values)


def _check_exemple_fully(check: _Checker, index: int, raw: Any, actions: dict[int, Action]) -> Exemple | None:
    """Every check of a record, each problem added to `check` with its message and place."""
    if not isinstance(raw, dict):
        check.add("exemples", index, None, f"exemple n° {index + 1} : une table [[exemples]] est attendue")
        return None
    name = _record_name("exemples", index, raw)
    ok = True
    for key in sorted(raw.keys() - _EXEMPLE_KEYS):
        elsewhere = _written_elsewhere(key, raw[key])
        hint = closest(key, EXEMPLE_FIELDS)
        check.add(
            "exemples",
            index,
            key,
            f"{name} : champ « {key} » inconnu"
            + (f" : {elsewhere}" if elsewhere else f" (vouliez-vous dire « {hint} » ?)" if hint else ""),
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
            check.add("exemples", index, key, f"{name} : « {key} » doit être {spec[1]}" + _type_hint(key, value))
            wrong_type.add(key)
            ok = False
    # Every problem of the record is reported at once: the checks below skip only the fields
    # already found missing or of the wrong type.
    if "id" in raw and "id" not in wrong_type and (not ID_PATTERN.fullmatch(raw["id"]) or len(raw["id"]) > 80):
        check.add(
            "exemples",
            index,
            "id",
            f"{name} : l'identifiant doit être en minuscules sans accents, mots séparés par des tirets ("
            + (f'écrivez id = "{_slug(raw["id"])}"' if _slug(raw["id"]) else "ex. « paris-ilots-de-fraicheur »")
            + ")",
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
            hint = closest(niveau, NIVEAUX)
            check.add(
                "exemples",
                index,
                "niveau",
                f"{name} : niveau « {niveau} » inconnu (valeurs : {', '.join(NIVEAUX)})"
                + (f" ; vouliez-vous dire « {hint} » ?" if hint else ""),
            )
            ok = False
    if valid("thematiques"):
        ok = _check_themes(check, index, name, raw["thematiques"]) and ok
    if valid("cout_portee"):
        portee = raw["cout_portee"]
        if portee not in COUT_PORTEES:
            hint = _closest_portee(portee)
            check.add(
                "exemples",
                index,
                "cout_portee",
                f"{name} : portée du coût « {portee} » inconnue (valeurs : {', '.join(COUT_PORTEES)})"
                + (f" ; vouliez-vous dire « {hint} » ?" if hint else ""),
            )
            ok = False
        elif "cout" not in raw and "cout_eur" not in raw:
            check.add(
                "exemples",
                index,
                "cout_portee",
                f"{name} : « cout_portee » précise un coût, mais ni « cout » ni « cout_eur » n'est donné",
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
                f'{name} : département « {t.departement} » invalide (code INSEE en texte : "01", "2A", "93", "974")'
                + _departement_hint(t.departement),
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

    return _exemple(raw, niveaux, subs, check.label)


def _slug(text: str) -> str:
    return "-".join(re.sub(r"[^a-z0-9]+", " ", fold_text(text)).split())[:80].strip("-")


def _toml_text(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


# Where what `qpv nouveau` takes as an option (--commune, --lien, --contact…) goes in a file.
_ELSEWHERE = {
    **dict.fromkeys(("commune", "communes", "ville", "lieu", "lieux", "territoire", "quartier"), "commune"),
    **dict.fromkeys(("departement", "departements", "dept", "dep"), "departement"),
    **dict.fromkeys(("region", "regions"), "region"),
    **dict.fromkeys(("lien", "liens", "url", "urls", "site", "site_web", "siteweb", "web"), "lien"),
    **dict.fromkeys(("email", "emails", "mail", "courriel", "contact", "adresse"), "email"),
}


# Each of them: how it is named, and the list of tables and the key it is written under.
_WRITTEN = {
    "commune": ("une commune", "territoires", "nom"),
    "departement": ("un département", "territoires", "departement"),
    "region": ("une région", "territoires", "region"),
    "lien": ("un lien", "ressources", "url"),
    "email": ("une adresse", "contacts", "email"),
}


def _written_elsewhere(key: str, value: Any) -> str:
    """For a field named like an option of `qpv nouveau` (« commune », « lien », « email »):
    the field it belongs in, written out with the value."""
    kind = _ELSEWHERE.get(fold_text(key).replace("-", "_").replace(" ", "_"))
    if kind is None:
        return ""
    texts = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    shown = [_toml_text(t) for t in texts if isinstance(t, str) and t.strip()] or ['"…"']
    what, table, sub = _WRITTEN[kind]
    if table == "territoires" and sub != "nom":  # a place's département or région: one, with its name
        written = f'{{ nom = "…", {sub} = {shown[0]} }}'
    else:
        written = ", ".join(f"{{ {sub} = {v} }}" for v in shown)
    return f"{what} s'écrit dans {table} = [{written}]"


def _table_items(key: str, value: Any) -> str | None:
    """`value` (a text, or a list of texts) written as the list of tables `key` expects."""
    texts = [value] if isinstance(value, str) else value if isinstance(value, list) else None
    if not texts or not all(isinstance(t, str) and t.strip() for t in texts):
        return None

    def item(text: str) -> str:
        if key == "contacts":
            sub = "email" if EMAIL_PATTERN.fullmatch(text.strip()) else "nom"
        elif key == "ressources":
            sub = "url" if URL_PATTERN.fullmatch(text.strip()) else "libelle"
        elif key == "territoires":
            sub = "nom"
        else:
            return ""
        return f"{{ {sub} = {_toml_text(text.strip())} }}"

    items = [item(t) for t in texts]
    return f"{key} = [{', '.join(items)}]" if all(items) else None


def _departement_hint(written: str) -> str:
    """« Seine St Denis » written for the code: the code it names."""
    from .selection import departement_code
    from .territoires import departement_name

    code = departement_code(written)
    return f' ; écrivez departement = "{code}" ({departement_name(code)})' if code else ""


def _type_hint(key: str, value: Any) -> str:
    """The fix for a value of the wrong shape: a number written as text or with a point
    (« "120 000" », 120.000), a text where a list is expected, a list of texts or a single
    table where a list of tables is expected."""
    spec = EXEMPLE_FIELDS[key]
    if spec is KINDS["tables"]:
        if isinstance(value, dict):
            return f" : entourez les accolades de crochets, {key} = [{{ … }}]"
        written = _table_items(key, value)
        return f" : écrivez {written}" if written else ""
    if spec is _STR_LIST and isinstance(value, str) and value.strip():
        parts = [p.strip() for p in re.split(r"[,;]", value) if p.strip()]
        return f" : écrivez {key} = [{', '.join(_toml_text(p) for p in parts)}]"
    if spec is not _INT:
        return ""
    if isinstance(value, str) and re.fullmatch(r"\s*\d[\d \u00a0\u202f.]*\s*(?:€|euros?)?\s*", value):
        digits = re.sub(r"\D", "", value)
        return f" : écrivez {key} = {digits}, sans guillemets ni espaces"
    years = re.fullmatch(r"\s*(\d{4})\s*(?:-|–|/|à|au)\s*(\d{4})\s*", value) if isinstance(value, str) else None
    if years and key in ("annee_debut", "annee_fin"):
        return (
            f" : pour une période, écrivez annee_debut = {years[1]} et annee_fin = {years[2]}"
            f' (la période en texte va dans duree = "{value.strip()}")'
        )
    if isinstance(value, str) and key == "cout_eur":
        from .selection import resolve_montant

        with contextlib.suppress(InvalidValue):  # « 12 k€ », « 1,5 M€ »: the amount they mean
            return f" : écrivez cout_eur = {resolve_montant(value, key)}, en chiffres, sans guillemets (le texte va dans cout)"
    if isinstance(value, float) and round(value * 1000) == value * 1000 and value < 1000:
        meant = round(value * 1000)
        return f" : pour {meant}, écrivez {key} = {meant} (sans point : en TOML, le point sépare les décimales)"
    return ""


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
    urls = [r.url for r in ex.ressources if r.url is not None]
    _lint(check, index, f"exemple « {ex.id} »", bool(ex.contacts), urls, ex.cout_eur, ex.cout)


def _lint_raw(check: _Checker, index: int, raw: dict[str, Any]) -> None:
    """The same warnings for a record that also has errors, from what can be read of it."""
    ressources = raw.get("ressources")
    urls = (
        [r["url"] for r in ressources if isinstance(r, dict) and isinstance(r.get("url"), str)]
        if isinstance(ressources, list)
        else []
    )
    cout_eur = raw.get("cout_eur") if _INT[0](raw.get("cout_eur")) else None
    cout = raw.get("cout") if _STR[0](raw.get("cout")) else None
    _lint(check, index, _record_name("exemples", index, raw), "contacts" in raw, urls, cout_eur, cout)


def _lint(
    check: _Checker, index: int, name: str, contacts: bool, urls: list[str], cout_eur: int | None, cout: str | None
) -> None:
    if not contacts:
        check.add("exemples", index, "id", f"{name} : aucun contact", "avertissement")
    for url in urls:
        if not URL_PATTERN.fullmatch(url):
            check.add(
                "exemples",
                index,
                "ressources",
                f"{name} : le lien « {url} » n'est pas une adresse web http(s)",
                "avertissement",
            )
    if cout_eur is not None and cout and cout_eur not in amounts_in(cout):
        check.add(
            "exemples",
            index,
            "cout_eur",
            f"{name} : le montant {cout_eur} n'apparaît pas dans le texte du coût « {cout} »",
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
