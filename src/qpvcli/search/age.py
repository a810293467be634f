"""Age intent: the words of a query that ask how long a project has been running (« quels
projets ont plus de dix ans de recul ? », « qui existent depuis plus de vingt ans »,
« lancés il y a au moins cinq ans »), or when it started (« quelles initiatives ont démarré en
2024 ? », « projets lancés depuis 2020 », « créés avant 2015 »).

They are not subjects to look for in the texts (« recul », « ans » would find any record that
says them): they become a condition on the year a record started (`annee_debut`, an indexed
column of the store), counted from today. With other words, only the records that meet it are
ranked; alone, they list those records, the oldest first. A record whose start is not known
does not meet it. Ages of people (« les jeunes de 16 à 25 ans ») and durations (« un projet
sur trois ans ») say no age of a project: only « depuis … ans », « il y a … ans », « vieux de
… ans », « des projets de plus de … ans » and « … ans de recul (d'existence, d'ancienneté,
d'expérience, de fonctionnement) » do.
A year says when a project started only after a verb of starting (« lancé », « démarré »,
« commencé », « créé », « initié », « mis en place »): « financés depuis 2020 » is no start.
"""

from __future__ import annotations

import datetime
import re
import sqlite3
from functools import cache
from typing import NamedTuple

from ..text import fold_text, normalise

_NUMBERS = {
    **{"un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7, "huit": 8},
    **{"neuf": 9, "dix": 10, "douze": 12, "quinze": 15, "vingt": 20, "trente": 30, "quarante": 40},
}
# Looked for in the query as typed, lowered (before any folding: most queries have none)
_HINTS = (
    *("depuis", "il y a", "vieil", "vieux", "recul", "existence", "ancienn", "rience", "fonctionnement", "activit"),
    *("projet", "action", "initiative", "exemple", "dispositif", "marche"),
)
_YEAR_HINTS = ("lanc", "marr", "commenc", "but", "cr", "initi", "mis")
# A verb of starting, then when: « démarré en 2024 », « lancés depuis 2020 », « créés avant 2015 ».
_STARTED = re.compile(
    r"\b(?:(?:lanc|demarr|commenc|debut|cre|initi)(?:e|ee|es|ees)|mise?s? en (?:place|oeuvre)) "
    r"(?P<when>en|depuis|des|apres|avant) (?:l an )?(?P<year>(?:19|20)\d\d)\b"
)


ROUTE = "ancienneté"  # how a record meets it, in a search's explanations


class AgeIntent(NamedTuple):
    years: int | None  # running for at least this many years (None: a year of start asked)
    said: str  # the words that said it, as typed (folded)
    first: int | None = None  # a year of start asked: started in or after this year...
    last: int | None = None  # ...and in or before this one

    def bounds(self, today: datetime.date | None = None) -> tuple[int, int]:
        """The first and last years of start that meet it (both included)."""
        last = self.last if self.years is None else (today or datetime.date.today()).year - self.years
        return (-(10**9) if self.first is None else self.first, 10**9 if last is None else last)

    @staticmethod
    def match(started: int) -> list[tuple[str, str, tuple[str, ...]]]:
        """How a record meets it (--explique, and the line of a result: « commencé en 1999 »)."""
        return [(f"commencé en {started}", ROUTE, ("annee_debut",))]


@cache
def _pattern() -> re.Pattern[str]:
    number = r"(?P<n{k}>\d{{1,2}}|" + "|".join(_NUMBERS) + r")"
    bound = r"(?:(?:plus de|au moins|pres de|bien plus de|environ|bientot|deja) )?"
    before = rf"(?:depuis|il y a|(?:vieux|vieille|vieilles) de) {bound}{number.format(k=1)} ans\b"
    # « des projets de plus de dix ans » (not « un projet de trois ans »: a duration)
    projects = r"(?:projets?|actions?|initiatives?|exemples?|dispositifs?|experiences?|demarches?)"
    older = rf"{projects} (?:de|d) ?(?:plus de|au moins|bien plus de) {number.format(k=3)} ans\b"
    after = (
        rf"\b{bound}{number.format(k=2)} ans "
        r"(?:de recul|d ?existence|d ?anciennete|d ?experience|de fonctionnement|d ?activite)\b"
    )
    return re.compile(f"{before}|{after}|{older}")


def read(query: str) -> tuple[AgeIntent | None, str]:
    """The age intent of a query, if any, and the query without the words that said it."""
    lowered = query.lower()
    dated = any(map(str.isdigit, lowered)) and any(h in lowered for h in _YEAR_HINTS)
    if not dated and not any(h in lowered for h in _HINTS):
        return None, query
    text = fold_text(normalise(query))
    spaced = re.sub(r"[’'`]", " ", text)
    spaced = re.sub(r"\s+", " ", spaced)
    if dated and (m := _STARTED.search(spaced)) is not None:
        year, when = int(m["year"]), m["when"]
        first = year + 1 if when == "apres" else None if when == "avant" else year
        last = year - 1 if when == "avant" else year if when == "en" else None
        return AgeIntent(None, m.group().strip(), first, last), spaced[: m.start()] + " " + spaced[m.end() :]
    m = _pattern().search(spaced)
    if m is None:
        return None, query
    word = m["n1"] or m["n2"] or m["n3"]
    years = int(word) if word.isdigit() else _NUMBERS[word]
    return AgeIntent(years, m.group().strip()), spaced[: m.start()] + " " + spaced[m.end() :]


def started(conn: sqlite3.Connection, intent: AgeIntent) -> dict[int, int]:
    """The records that meet it -> the year each started, the oldest first."""
    rows = conn.execute(
        "SELECT doc, annee_debut FROM exemples WHERE annee_debut BETWEEN ? AND ? ORDER BY annee_debut, doc",
        intent.bounds(),
    )
    return dict(rows)
