"""Issue 13, terminal layout (item 5): ids and addresses never cut at any width, addresses
clickable, and a terminal too narrow for a table gets one block per record."""

from __future__ import annotations

import re

import pytest

from qpvcli.catalogue import load_bundled

WIDTHS = [10, 40, 60, 80, 120]
ANSI = re.compile(r"\x1b\[[0-9;]*m|\x1b\]8;[^\x1b]*\x1b\\")
REPORT = load_bundled()
ALL_IDS = [e.id for e in REPORT.exemples]
URL = "https://www.paris.fr/pages/se-rafraichir-a-paris-24280"


def visible_lines(out: str) -> list[str]:
    return [line.rstrip() for line in ANSI.sub("", out).splitlines()]


def id_lines(out: str, ident: str) -> bool:
    """The id whole on one line (in a cell, beside a rank, or alone)."""
    return any(re.search(rf"(^|[\s│\[]){re.escape(ident)}($|[\s│\]])", line) for line in visible_lines(out))


@pytest.mark.parametrize("width", WIDTHS)
def test_list_never_cuts_an_id(qpv, monkeypatch, width):
    monkeypatch.setenv("COLUMNS", str(width))
    r = qpv("list", tty=True)
    assert r.code == 0 and "…" not in r.out
    missing = [i for i in ALL_IDS if not id_lines(r.out, i)]
    assert missing == []


@pytest.mark.parametrize("width", [10, 40, 60])
def test_narrow_terminal_gets_one_block_per_record(qpv, monkeypatch, width):
    monkeypatch.setenv("COLUMNS", str(width))
    lines = visible_lines(qpv("list", "--action", "1", tty=True).out)
    assert "┏" not in "".join(lines)
    assert lines[:3] == ["1 exemple", "", "seine-saint-denis-vulnerabilites"]
    if width == 60:
        assert lines[3:] == [
            "  Croiser les vulnérabilités sociales et climatiques pour",
            "  visualiser les risques actuels et futurs du Département de",
            "  Seine Saint-Denis",
            "  action 1 · commune, intercommunalité, département · coût",
            "  non précisé",
            "",
        ]


@pytest.mark.parametrize("width", [80, 120])
def test_wide_terminal_gets_a_table(qpv, monkeypatch, width):
    monkeypatch.setenv("COLUMNS", str(width))
    out = qpv("list", tty=True).out
    assert "┏" in out
    assert max(len(line) for line in visible_lines(out)) <= width


@pytest.mark.parametrize("width", WIDTHS)
def test_search_never_cuts_an_id(qpv, monkeypatch, width):
    monkeypatch.setenv("COLUMNS", str(width))
    r = qpv("search", "végétalisation", "-n", "0", tty=True)
    assert r.code == 0
    assert id_lines(r.out, "saint-georges-de-reneins-vegetalisation")
    assert id_lines(r.out, "saint-etienne-dalle-vegetalisee")


@pytest.mark.parametrize("width", WIDTHS)
def test_show_never_cuts_the_id_or_an_address(qpv, monkeypatch, width):
    monkeypatch.setenv("COLUMNS", str(width))
    r = qpv("show", "paris-ilots-de-fraicheur", tty=True)
    assert id_lines(r.out, "paris-ilots-de-fraicheur")
    assert any(line.strip().endswith(URL) for line in visible_lines(r.out))
    assert "…" not in r.out


def test_addresses_are_clickable_on_a_terminal(qpv):
    r = qpv("show", "paris-ilots-de-fraicheur", tty=True)
    assert re.search(rf"\x1b\]8;[^;]*;{re.escape(URL)}\x1b\\", r.out)
    assert "\x1b]8;" not in qpv("show", "paris-ilots-de-fraicheur").out  # not in a pipe


@pytest.mark.parametrize("width", [10, 20, 40])
@pytest.mark.parametrize("command", [["actions"], ["facettes", "--action", "1"], ["list", "--action", "1"]])
def test_never_an_empty_screen(qpv, monkeypatch, width, command):
    monkeypatch.setenv("COLUMNS", str(width))
    r = qpv(*command, tty=True)
    assert r.code == 0 and len("".join(visible_lines(r.out)).strip()) > 20
