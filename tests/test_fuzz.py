"""Fuzzing the catalogue loader and the query path (hypothesis).

The only accepted outcomes are a result or a clean error (exit 1 or 2, a French message),
each within a time bound. CI runs a fixed, modest number of examples (derandomized); run
longer by hand with, for example:

    QPV_FUZZ_EXAMPLES=5000 python -m pytest tests/test_fuzz.py -q
"""

from __future__ import annotations

import os
import re
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

EXAMPLES = int(os.environ.get("QPV_FUZZ_EXAMPLES", "60"))
FUZZ = settings(max_examples=EXAMPLES, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
TIME_BOUND = 20.0  # seconds per run: a hang fails, a slow shared machine does not

FRAGMENTS = st.sampled_from(
    [
        "[catalogue]\n", "version_schema = 1\n", "[[exemples]]\n", "[[axes]]\n", "[[actions]]\n", 'id = "a-b"\n',
        "id = 3\n", "action = 8\n", 'action = "8"\n', 'titre = "T"\n', 'description = "D"\n', "titre = \n",
        'niveau = ["quartier", 2]\n', 'territoires = [{ nom = "X", departement = "999" }]\n', "cout_eur = -1\n",
        'ressources = [{ url = "ftp://x" }]\n', 'contacts = [{ email = "@" }]\n', "[exemples]\n", "x = [[[[\n",
        '"""\n', "'''\n", "\\u0000", "\ufeff", "é", "[", "]", "=", '"', "\n", "numero = 1\n", 'axe = "cohesion"\n',
        'annee_debut = 3000\n', "en_cours = oui\n", "[[exemples.ressources]]\n", "a.b.c = 1\n", "🙂",
    ]
)  # fmt: skip


def _clean(r) -> None:
    assert r.code in (0, 1, 2), r
    assert "Traceback" not in r.err and "erreur inattendue" not in r.err, r.err
    if r.code:
        assert r.err.startswith("qpv : ") or ": " in r.err


@FUZZ
@given(data=st.binary(max_size=2000))
def test_loader_survives_arbitrary_bytes(qpv, tmp_path_factory, data):
    path = tmp_path_factory.mktemp("fuzz") / "c.toml"
    path.write_bytes(data)
    start = time.perf_counter()
    r = qpv("valider", str(path))
    assert time.perf_counter() - start < TIME_BOUND
    assert r.code in (0, 1) and "erreur inattendue" not in r.err + r.out


@FUZZ
@given(parts=st.lists(FRAGMENTS, max_size=40))
def test_loader_survives_toml_like_text(qpv, tmp_path_factory, parts):
    path = tmp_path_factory.mktemp("fuzz") / "c.toml"
    path.write_text("".join(parts), encoding="utf-8", errors="surrogatepass")
    start = time.perf_counter()
    for args in (["valider", str(path)], ["--data", str(path), "list"]):
        r = qpv(*args)
        _clean(r)
    assert time.perf_counter() - start < TIME_BOUND


@FUZZ
@given(query=st.text(st.characters(blacklist_categories=("Cs",)), max_size=300))
def test_query_path_survives_any_unicode(qpv, query):
    start = time.perf_counter()
    r = qpv("search", query, "--limit", "3")
    assert time.perf_counter() - start < TIME_BOUND
    _clean(r)
    assert r.code in (0, 2)


@FUZZ
@given(
    value=st.text(max_size=40), option=st.sampled_from(["--axe", "--echelle", "--partenaire", "--territoire", "--tri"])
)
def test_option_values_survive_anything(qpv, value, option):
    r = qpv("list", option, value)
    _clean(r)


# ---------------------------------------------------------------------------- option values, everywhere

# Characters a terminal would execute: C0 (but tab and line feed), DEL, C1, bidi controls.
_EXECUTED = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
HOSTILE_TEXT = st.lists(
    st.one_of(
        st.characters(blacklist_categories=("Cs",)),
        st.sampled_from(["\x1b", "\x1b[2J", "\x1b]0;t\x07", "\x9b", "\u202e", "\u2066", "\r", "\x08", "\u0301", "[b]"]),
    ),
    max_size=30,
).map("".join)
OPTION_CALLS = st.sampled_from(
    [
        ["list", "--axe"],
        ["list", "--echelle"],
        ["list", "--partenaire"],
        ["list", "--territoire"],
        ["list", "--tri"],
        ["list", "--cout-max"],
        ["list", "--action"],
        ["list", "--format"],
        ["search", "jardin", "--limit"],
        ["search", "jardin", "--format"],
        ["show"],
        ["show", "paris-ilots-de-fraicheur", "--format"],
        ["facettes", "--territoire"],
        ["actions", "--axe"],
        ["export", "--format"],
        ["export", "--tri"],
        ["--data"],
        ["valider"],
    ]
)


def _no_executed_controls(text: str) -> None:
    plain = re.sub(r"\x1b\[[0-9;]*m", "", text)  # qpv's own colours
    assert not _EXECUTED.search(plain), repr(plain[:200])


@FUZZ
@given(call=OPTION_CALLS, value=HOSTILE_TEXT, tty=st.booleans())
def test_every_option_value_survives_and_messages_are_safe(qpv, call, value, tty):
    args = [*call, value] if call != ["--data"] else ["--data", value, "list"]
    start = time.perf_counter()
    r = qpv(*args, tty=tty)
    assert time.perf_counter() - start < TIME_BOUND
    _clean(r)
    _no_executed_controls(r.err)


@FUZZ
@given(value=HOSTILE_TEXT, target=st.sampled_from(["-o", "--output"]))
def test_output_option_values_survive(qpv, tmp_path_factory, value, target):
    folder = tmp_path_factory.mktemp("sortie")
    name = value.replace("/", "_").replace("\x00", "") or "vide"
    r = qpv("export", "--action", "1", target, str(folder / name))
    _clean(r)
    _no_executed_controls(r.err)


# ---------------------------------------------------------------------------- catalogue text reaching the terminal


@FUZZ
@given(titre=HOSTILE_TEXT, description=HOSTILE_TEXT, partenaire=HOSTILE_TEXT)
def test_catalogue_text_never_reaches_the_terminal_raw(qpv, tmp_path_factory, titre, description, partenaire):
    import json

    def q(s: str) -> str:
        return json.dumps(s)  # a valid TOML basic string for any text

    path = tmp_path_factory.mktemp("fuzz") / "c.toml"
    path.write_text(
        '[catalogue]\nversion_schema = 1\n\n[[exemples]]\nid = "fuzz"\naction = 8\n'
        f"titre = {q('Jardin ' + titre)}\ndescription = {q('Texte ' + description)}\n"
        f"partenaires = [{q('Asso ' + partenaire)}]\n",
        encoding="utf-8",
    )
    for args in (["list"], ["show", "fuzz"], ["search", "jardin", "--explique"], ["facettes"], ["valider", str(path)]):
        full = args if args[0] == "valider" else ["--data", str(path), *args]
        for tty in (True, False):
            r = qpv(*full, tty=tty)
            _clean(r)
            _no_executed_controls(r.out)
            _no_executed_controls(r.err)


@FUZZ
@given(text=st.text(max_size=200))
def test_sanitiser_is_total_visible_and_idempotent(text):
    from qpvcli.terminal import safe

    once = safe(text)
    assert not _EXECUTED.search(once)
    assert safe(once) == once
    assert len(once) == len(text)
