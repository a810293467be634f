"""A cold trial of qpv by two new users (a chargée de mission preparing a note for elected
officials, a consultant keeping a catalogue of local examples): each wall they hit, tested."""

from __future__ import annotations

import pytest


def ids(out: str) -> list[str]:
    """The ids of piped list or search output (search has a score column first)."""
    col = 1 if out.startswith("score\t") else 0
    return [line.split("\t")[col] for line in out.splitlines()[1:]]


# ---------------------------------------------------------------------------- territoires


@pytest.mark.parametrize("typed", ["Seine St Denis", "Seine-St-Denis", "seine st-denis", "SEINE SAINT DENIS"])
def test_a_departement_with_st_for_saint_is_the_whole_departement(qpv, typed):
    """« Seine St Denis », as people write it, is the 93: not only the records whose place is
    named so (1 instead of all those of the département)."""
    whole = ids(qpv("list", "--territoire", "93").out)
    assert len(whole) > 1
    assert ids(qpv("list", "--territoire", typed).out) == whole


def test_a_departement_name_with_an_apostrophe_and_spaces(qpv):
    assert ids(qpv("list", "--territoire", "Val d Oise").out) == ids(qpv("list", "--territoire", "95").out)
