"""The quick check of a record (`validation._valid_exemple`) against the full one: a record it
accepts is accepted by the full check, the same; anything doubtful is left to the full check."""

from __future__ import annotations

import copy
import tomllib

import pytest

from qpvcli.catalogue import load_bundled
from qpvcli.reading import Locator
from qpvcli.sources import bundled_text
from qpvcli.validation import _check_exemple, _check_exemple_fully, _Checker, _valid_exemple

RECORDS = tomllib.loads(bundled_text())["exemples"]
ACTIONS = {a.numero: a for a in load_bundled().actions}


def _set(key, value):
    def change(r):
        r[key] = value

    return change


def _drop(key):
    return lambda r: r.pop(key, None)


def _sub(key, item):
    def change(r):
        r[key] = [*r.get(key, []), item]

    return change


MUTATIONS = {
    "unchanged": lambda r: None,
    "unknown key": _set("titr", "x"),
    "no id": _drop("id"),
    "no description": _drop("description"),
    "id with capitals": _set("id", "Paris-Ilots"),
    "id too long": _set("id", "a" * 81),
    "id 80 long": _set("id", "a" * 80),
    "id as number": _set("id", 12),
    "unknown action": _set("action", 999),
    "action as text": _set("action", "3"),
    "action as bool": _set("action", True),
    "empty title": _set("titre", "  "),
    "niveau unknown": _set("niveau", "galaxie"),
    "niveau list": _set("niveau", ["quartier", "commune"]),
    "niveau list with unknown": _set("niveau", ["quartier", "rue"]),
    "niveau number": _set("niveau", 3),
    "theme unknown": _set("thematiques", ["inconnue"]),
    "theme twice": _set("thematiques", ["sante", "sante"]),
    "themes empty": _set("thematiques", []),
    "partenaires with empty": _set("partenaires", ["ANCT", " "]),
    "portee unknown": _set("cout_portee", "mensuel"),
    "portee without cost": lambda r: (r.pop("cout", None), r.pop("cout_eur", None), r.update(cout_portee="par-an")),
    "portee with cost": lambda r: r.update(cout_eur=10, cout_portee="par-an"),
    "negative cost": _set("cout_eur", -1),
    "cost as float": _set("cout_eur", 12.5),
    "zero cost": _set("cout_eur", 0),
    "year too early": _set("annee_debut", 1799),
    "year 2200": _set("annee_fin", 2200),
    "years reversed": lambda r: r.update(annee_debut=2020, annee_fin=2019),
    "en_cours as text": _set("en_cours", "oui"),
    "territoire extra key": _sub("territoires", {"nom": "Ivry", "ville": "x"}),
    "territoire without name": _sub("territoires", {"departement": "94"}),
    "territoire bad departement": _sub("territoires", {"nom": "Ivry", "departement": "99"}),
    "territoire departement number": _sub("territoires", {"nom": "Ivry", "departement": 94}),
    "territoire empty value": _sub("territoires", {"nom": "Ivry", "region": ""}),
    "territoire not a table": _set("territoires", ["Ivry"]),
    "territoires as text": _set("territoires", "Ivry"),
    "ressource without url": _sub("ressources", {"libelle": "Guide"}),
    "ressource relative url": _sub("ressources", {"url": "www.exemple.fr/guide"}),
    "ressource url with space": _sub("ressources", {"url": "http://exemple.fr/a b"}),
    "ressource file": _sub("ressources", {"fichier": "guide.pdf"}),
    "contact empty": _sub("contacts", {"fonction": "chargée de mission"}),
    "contact bad email": _sub("contacts", {"nom": "A", "email": "a@b"}),
    "contact good email": _sub("contacts", {"email": "a.b@exemple.fr"}),
    "correction missing key": _sub("corrections", {"champ": "titre", "avant": "a", "apres": "b"}),
}


@pytest.mark.parametrize("mutation", MUTATIONS)
def test_the_quick_check_agrees_with_the_full_check(mutation):
    accepted = 0
    for record in RECORDS:
        raw = copy.deepcopy(record)
        MUTATIONS[mutation](raw)
        full = _Checker("f.toml", Locator(None))
        expected = _check_exemple_fully(full, 0, raw, ACTIONS)
        quick = _valid_exemple(copy.deepcopy(raw), ACTIONS, "f.toml")
        if quick is not None:
            assert quick == expected and not full.problems, (mutation, record["id"])
            accepted += 1
        checked = _Checker("f.toml", Locator(None))
        assert _check_exemple(checked, 0, raw, ACTIONS) == expected
        assert checked.problems == full.problems
    if mutation in ("unchanged", "niveau list", "id 80 long", "portee with cost", "zero cost", "year 2200"):
        assert accepted == len(RECORDS), "a valid record should not need the full check"
