"""robustness.md, « Terminal output »: catalogue text is data, control characters never reach
the terminal, pipes closing early, Ctrl-C, LANG=C, files, no colour. Real processes where a
real pipe, signal or locale is needed."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import pytest

HOSTILE = """\
[catalogue]
version_schema = 1

[[exemples]]
id = "hostile"
action = 8
titre = "[bold red]Pas du balisage[/] \\u001b[31mrouge\\u001b[0m \\u0007 cloche \\u202e inversé"
description = "Crochets [link=http://x]cliquez[/link] et séquence \\u001b]0;titre\\u0007 de fenêtre."
"""


@pytest.fixture
def hostile(tmp_path):
    path = tmp_path / "hostile.toml"
    path.write_text(HOSTILE, encoding="utf-8")
    return path


@pytest.mark.parametrize("tty", [True, False])
@pytest.mark.parametrize("command", [["list"], ["show", "hostile"], ["search", "balisage"]])
def test_catalogue_text_is_data_and_controls_are_neutralised(qpv, hostile, tty, command):
    r = qpv("--data", str(hostile), *command, tty=tty)
    assert r.code == 0
    visible = re.sub(r"\x1b\[[0-9;]*m", "", r.out)  # qpv's own styles, not the catalogue's
    assert "[bold red]Pas du balisage[/]" in visible
    assert "\x07" not in r.out and "\u202e" not in r.out and "\x1b]0;" not in r.out
    assert "\x1b[31mrouge" not in r.out  # the catalogue's own escape sequence never passes
    assert "␛[31mrouge" in visible


def run(args, env=None, **kwargs):
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "qpvcli", *args], check=False, capture_output=True, env=full_env, **kwargs
    )


def test_pipe_closed_early_no_traceback():
    proc = subprocess.Popen(
        [sys.executable, "-m", "qpvcli", "export", "--format", "md"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stdout is not None
    proc.stdout.readline()
    proc.stdout.close()  # like `| head -1`
    _, err = proc.communicate(timeout=60)
    assert b"Traceback" not in err and b"BrokenPipe" not in err
    assert proc.returncode in (0, 1, -signal.SIGPIPE)


def test_head_one_in_a_shell():
    out = subprocess.run(
        f"{sys.executable} -m qpvcli list | head -1",
        check=False,
        shell=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.stdout == "id\taction\ttitre\tniveau\tcout_tranche\tcout_eur\n"
    assert "Traceback" not in out.stderr


@pytest.mark.parametrize("lang", ["C", "POSIX", "fr_FR.ISO-8859-1"])
def test_works_with_any_locale(lang):
    r = run(["search", "îlots de fraîcheur"], env={"LANG": lang, "LC_ALL": lang, "PYTHONIOENCODING": ""})
    assert r.returncode == 0
    assert "paris-ilots-de-fraicheur" in r.stdout.decode("utf-8", "replace")
    assert b"Traceback" not in r.stderr


def test_redirected_to_a_file_is_plain(tmp_path):
    target = tmp_path / "out.txt"
    with target.open("wb") as f:
        subprocess.run([sys.executable, "-m", "qpvcli", "list", "--action", "8"], stdout=f, check=True)
    text = target.read_text(encoding="utf-8")
    assert text.startswith("id\t") and "\x1b" not in text and "┃" not in text


def test_ctrl_c_exits_130_without_traceback_or_partial_file(tmp_path):
    """Interrupt a long first load (a big catalogue): exit 130, clean message, nothing left."""
    sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[1] / "benchmarks"))
    try:
        from synthetic import generate
    finally:
        sys.path.pop(0)
    big = tmp_path / "gros.toml"
    big.write_text(generate(20_000), encoding="utf-8")
    target = tmp_path / "export.csv"
    env = {**os.environ, "QPV_CACHE_DIR": str(tmp_path / "cache")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "qpvcli", "--data", str(big), "export", "--format", "csv", "-o", str(target)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    time.sleep(1.5)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    if proc.returncode == 0:
        pytest.skip("the machine finished before the interruption")
    assert proc.returncode == 130
    assert err.decode() == "qpv : interrompu.\n"
    assert not target.exists()
    leftovers = [p.name for p in tmp_path.rglob("*") if p.name.endswith(".tmp")]
    assert leftovers == []


def test_no_color_environment(qpv, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    r = qpv("search", "vélo", tty=True)
    assert "\x1b[3" not in r.out and "vélo" in r.out


def test_long_fields_wrap_in_the_terminal(qpv, monkeypatch):
    monkeypatch.setenv("COLUMNS", "60")
    r = qpv("show", "cerema-jeu-sante-cite", tty=True)
    lines = [re.sub(r"\x1b\[[0-9;]*m|\x1b\]8;[^\x1b]*\x1b\\", "", line) for line in r.out.splitlines()]
    # Text wraps; a web address longer than the column is printed whole (the terminal wraps it).
    assert max(len(line) for line in lines if "https://" not in line) <= 60
