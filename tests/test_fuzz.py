"""Fuzzing the catalogue loader and the query path (hypothesis).

The only accepted outcomes are a result or a clean error (exit 1 or 2, a French message),
each within a time bound. CI runs a fixed, modest number of examples (derandomized); run
longer by hand with, for example:

    QPV_FUZZ_EXAMPLES=5000 python -m pytest tests/test_fuzz.py -q
"""

from __future__ import annotations

import os
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
