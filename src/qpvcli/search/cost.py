"""Cost intent: the words of a query that ask for a price (« pas cher », « petit budget »,
« gratuit », « moins de 20 000 € », « projet coûteux », « plusieurs millions d'euros »).

They are not subjects to look for in the texts: they become a condition on the typed cost of a
record (`cout_total`, or `cout_eur` as a lower bound when it is only part of the cost), read from
the store's indexed columns. With other words, a record that meets the condition comes before
one that does not (a soft preference); alone, they list the records that meet it, by cost.

The bounds of « cheap » and « costly » are the cost bands of the catalogue (`model.COST_BANDS`,
those of Plus fraîche ma ville): cheap is free or under 40 k€, costly 200 k€ and more.
"""

import re
from typing import NamedTuple

from ..model import COST_BANDS
from ..text import fold_text, normalise

_BANDS = {band: (low, high) for band, _, low, high in COST_BANDS}
CHEAP_MAX = _BANDS["moins-40k"][1]  # free or under 40 k€
COSTLY_MIN = _BANDS["200k-1m"][0]  # 200 k€ and more
NEAR = 2  # an amount alone (« 4,6 M€ ») finds the costs from half to twice as much


# The phrases whose thesaurus equivalents say a cost in a text (`CostIntent.evidence`): read
# by the cost, not as words (« pas cher » is « cher » once its stop word is gone: the Cher).
EVIDENCE = ("gratuit", "pas cher")


class CostIntent(NamedTuple):
    low: int | None  # at least this many euros (a partial cost counts: the total is at least it)
    high: int | None  # at most this many euros, as a known total
    said: str  # the words that said it, as typed (folded)
    evidence: str | None  # a phrase whose thesaurus equivalents say it in a text (« libre accès »)
    near: int | None = None  # an amount alone (« 4,6 M€ »): about this much, the closest first

    @property
    def descending(self) -> bool:
        """Costly first (« projet coûteux »), else cheapest first."""
        return self.high is None

    def describe(self) -> str:
        """« ≤ 39 999 € », « ≥ 200 000 € », « 10 000 € – 50 000 € », « 0 € »: for --explique."""

        def eur(n: int) -> str:
            return f"{n:,} €".replace(",", "\u202f")

        if self.near is not None:
            return f"≈ {eur(self.near)}"
        if self.low is not None and self.high is not None:
            return eur(self.high) if self.low == self.high else f"{eur(self.low)} – {eur(self.high)}"
        return f"≥ {eur(self.low or 0)}" if self.high is None else f"≤ {eur(self.high)}"


class _Lazy:
    """A pattern compiled when first used: most queries ask no cost (see _HINTS), and compiling
    these would cost every search some milliseconds."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self.compiled: re.Pattern[str] | None = None

    def __getattr__(self, name: str):  # search, finditer
        if self.compiled is None:
            self.compiled = re.compile(self.pattern)
        return getattr(self.compiled, name)


# Every cost phrase below holds a digit or one of these (folded): a query with neither asks no
# cost, and is not matched against the patterns.
_HINTS = (
    "cher", "cout", "onereu", "dispendieu", "marche", "low", "budget", "argent", "moyens",
    "investissement", "gratuit", "frais", "euro", "€", "million", "milliard", "millier",
)  # fmt: skip

# Folded text (no accents, lower case, apostrophes straight).
# A number in figures, or in words before a unit (« un million », « un demi-million »).
_WORDS = {"un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7, "huit": 8}
_WORDS |= {"neuf": 9, "dix": 10, "vingt": 20, "trente": 30, "cinquante": 50, "cent": 100, "demi": 0.5}
_NUMBER = r"\d+(?:[ \u202f.]\d{3})*(?:,\d+)?|\d+(?:\.\d+)?"
_UNIT = r"k|m|md|mds|mrd|milles?|milliers?|millions?|milliards?"
_ABBREVIATION = r"k|m|md|mds|mrd"  # « 50 k », « 4,6 M »: money; « un million » may count people
_CURRENCY = r"€|eur\b|euros?\b"
_IN_WORDS = r"\b(?:un|une|deux|trois|quatre|cinq|six|sept|huit|neuf|dix|vingt|trente|cinquante|cent|demi)"
_AMOUNT = (
    rf"(?:(?P<n>{_NUMBER})\s*(?:(?P<u>{_ABBREVIATION})(?![a-z])\s*(?:{_CURRENCY})?"
    rf"|(?:(?P<uw>{_UNIT})(?![a-z])\s*(?:d'\s*|de\s+)?)?(?:{_CURRENCY}))"
    rf"|(?P<w>{_IN_WORDS})[- ]?(?:(?P<wu>millions?|milliards?|milles?)(?![a-z])\s*(?:d'\s*|de\s+)?)?(?:€|euros?\b))"
)
# « un budget de 50 000 € », « 50 000 € de budget »: what the user can spend, a ceiling; an
# amount alone, a cost or a price (« 4,6 M€ », « qui coûte 300 000 € ») is about that much.
_FRAME = r"(?:(?:un|une|le|la|avec|pour|d'un|d'une)\s+)?(?:(?P<budget>budgets?|enveloppes?)|couts?|prix|montants?)\s+(?:total\s+|global\s+)?(?:de\s+|d'|a\s+)?"
_VERB = r"(?:qui\s+)?(?:coute|coutent|coutant|coutera)\s+"
_AT_MOST = r"moins\s+d[e']|pas\s+plus\s+d[e']|au\s+plus|au\s+maximum|maximum|max|jusqu'a|inferieurs?\s+a|sous|en\s+dessous\s+d[e']|<=?|≤"
_ABOUT = r"(?:d')?environ|autour\s+d[e']|aux\s+alentours\s+d[e']|approximativement|a\s+peu\s+pres|dans\s+les|~|≈"
_AT_LEAST = r"plus\s+d[e']|au\s+moins|minimum|superieurs?\s+a|au[ -]dela\s+d[e']|a\s+partir\s+d[e']|>=?|≥"
_AMOUNT_EXPR = _Lazy(
    rf"(?:{_FRAME})?(?:{_VERB})?(?:(?P<most>{_AT_MOST})|(?P<least>{_AT_LEAST})|(?P<about>{_ABOUT}))?\s*{_AMOUNT}"
    r"(?:\s+(?:de\s+|d')?(?:(?P<budget_after>budget)|cout)s?\b)?"
)
_BETWEEN = _Lazy(
    rf"(?:{_FRAME})?(?:{_VERB})?entre\s+(?P<a>{_NUMBER})\s*(?P<au>{_UNIT})?\s*(?:{_CURRENCY})?\s+et\s+{_AMOUNT}"
)
_MANY = _Lazy(
    rf"(?:{_FRAME})?(?:plusieurs|des|quelques)\s+(?P<u>millions|milliards|centaines\s+de\s+milliers)(?:\s+(?:d'|de\s+)(?:{_CURRENCY}))?"
)
_SCALE = {"k": 10**3, "mille": 10**3, "milles": 10**3, "millier": 10**3, "milliers": 10**3}
_SCALE |= dict.fromkeys(("m", "million", "millions"), 10**6)
_SCALE |= dict.fromkeys(("md", "mds", "mrd", "milliard", "milliards"), 10**9)
_MANY_MIN = {"millions": 10**6, "milliards": 10**9}

# Words, by what they ask; the longest alternatives first (« pas cher » before « cher »).
_ADJ = r"(?:s|e|es)?"
_FREE = _Lazy(r"\b(?:gratuit(?:e|s|es|ement)?|(?:sans|aucun)\s+(?:frais|cout|budget)|zero\s+euro)\b")
_CHEAP = _Lazy(
    r"\b(?:"
    rf"(?:pas|peu|moins|pas\s+trop|pas\s+tres|le\s+moins|les\s+moins)\s+cher{_ADJ}"
    rf"|(?:pas|peu|moins|pas\s+trop|pas\s+tres)\s+(?:couteu(?:x|se|ses)|onereu(?:x|se|ses))"
    r"|bon\s+marche|low[ -]?cost|a\s+moindre\s+cout|a\s+(?:bas|faible|petit)\s+cout"
    rf"|(?:petit|faible|modeste|maigre|mini){_ADJ}\s+budgets?"
    rf"|budgets?\s+(?:reduit|limite|modeste|serre|faible|restreint|frugal|frugaux){_ADJ}"
    rf"|(?:faible|bas|moindre|petit){_ADJ}\s+couts?"
    rf"|couts?\s+(?:reduit|faible|modeste|limite|bas|maitrise){_ADJ}"
    r"|peu\s+de\s+(?:moyens|budget|argent)|sans\s+(?:(?:gros|grands|beaucoup\s+de)\s+)?(?:argent|moyens)"
    rf"|(?:sans|pas\s+de|pas\s+d'un|pas\s+un)\s+(?:gros|grand|enorme|important|lourd){_ADJ}\s+(?:budgets?|investissements?)"
    r")\b"
)
_COSTLY = _Lazy(
    r"\b(?:"
    # not the département: « le Cher », « du Cher », « Loir-et-Cher »
    rf"(?:tres\s+|trop\s+|le\s+plus\s+|les\s+plus\s+)?(?<!\ble\s)(?<!\bdu\s)(?<!-)cher{_ADJ}"
    r"|(?:tres\s+|trop\s+)?(?:couteu(?:x|se|ses)|onereu(?:x|se|ses)|dispendieu(?:x|se|ses))"
    rf"|(?:gros|grand|enorme|important|lourd){_ADJ}\s+(?:budgets?|investissements?)"
    rf"|(?:budgets?|investissements?|couts?)\s+(?:important|eleve|consequent|considerable|lourd){_ADJ}"
    r")\b"
)


def _amount(m: re.Match[str]) -> int | None:
    """The euros of an `_AMOUNT` match, in figures or in words."""
    if m["w"] is None:
        return _euros(m["n"], m["u"] or m["uw"])
    return int(_WORDS[m["w"]] * _SCALE.get(m["wu"] or "", 1))


def _euros(number: str, unit: str | None) -> int | None:
    digits = re.sub(r"[ \u202f]", "", number)
    scale = _SCALE.get(unit or "", 1)
    if scale == 1 and re.fullmatch(r"\d{1,3}(?:\.\d{3})+", digits):
        digits = digits.replace(".", "")  # « 20.000 »: thousands
    try:
        return int(float(digits.replace(",", ".")) * scale)
    except ValueError:
        return None


def read(query: str) -> tuple[CostIntent | None, str]:
    """The cost intent of a query, if any, and the query without the words that said it."""
    text = fold_text(normalise(query))
    if not any(h in text for h in _HINTS) and not any(map(str.isdigit, text)):
        return None, text
    found: CostIntent | None = None

    def cut(m: re.Match[str], intent: CostIntent) -> None:
        nonlocal text, found
        text = text[: m.start()] + " " + text[m.end() :]
        found = found or intent

    m = _BETWEEN.search(text)
    if m:
        low, high = _euros(m["a"], m["au"] or m["u"] or m["uw"] or m["wu"]), _amount(m)
        if low is not None and high is not None:
            cut(m, CostIntent(min(low, high), max(low, high), m.group().strip(), None))
    for m in reversed(list(_AMOUNT_EXPR.finditer(text))):
        amount = _amount(m)
        if amount is None:
            continue
        if m["least"]:
            intent = CostIntent(amount, None, m.group().strip(), None)
        elif (m["most"] or m["budget"] or m["budget_after"] or amount == 0) and not m["about"]:
            intent = CostIntent(None, amount, m.group().strip(), "gratuit" if amount == 0 else None)
        else:
            intent = CostIntent(amount // NEAR, amount * NEAR, m.group().strip(), None, amount)
        cut(m, intent)
    m = _MANY.search(text)
    if m:
        cut(m, CostIntent(_MANY_MIN.get(m["u"], 10**5), None, m.group().strip(), None))
    for pattern, intent in (
        (_FREE, CostIntent(0, 0, "", EVIDENCE[0])),
        (_CHEAP, CostIntent(None, CHEAP_MAX, "", EVIDENCE[1])),
        (_COSTLY, CostIntent(COSTLY_MIN, None, "", None)),
    ):
        m = pattern.search(text)
        if m:
            cut(m, intent._replace(said=m.group().strip()))
    return found, text


def fitting(conn, intent: CostIntent) -> list[int]:
    """Records whose typed cost meets the intent, in the order a query of cost words alone lists
    them: cheapest first, costliest first for a lower bound only, closest first for an amount
    alone. A range (« entre 1 et 2 M€ », an amount alone) also takes, after the totals, the
    records whose stated amount is only part of the cost (a funding, a share) but falls in it.
    Indexed range reads."""
    if intent.high is None:
        sql = "SELECT doc FROM exemples WHERE cout_eur >= ? ORDER BY cout_eur DESC, doc"
        return [d for (d,) in conn.execute(sql, (intent.low or 0,))]
    sql = "SELECT doc, cout_total FROM exemples WHERE cout_total BETWEEN ? AND ? ORDER BY cout_total, doc"
    found = list(conn.execute(sql, (intent.low or 0, intent.high)))
    if intent.low is not None and intent.low < intent.high:
        sql = "SELECT doc, cout_eur FROM exemples WHERE cout_eur BETWEEN ? AND ? AND cout_total IS NULL"
        found += sorted(conn.execute(sql, (intent.low, intent.high)), key=lambda row: (row[1], row[0]))
    if intent.near is not None:
        near = intent.near + 1

        def distance(row: tuple[int, int]) -> float:
            return max((row[1] + 1) / near, near / (row[1] + 1))

        found.sort(key=distance)  # stable: at the same distance, a total before a part
    return [d for d, _ in found]
