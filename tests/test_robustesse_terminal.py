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
from pathlib import Path

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


# ---------------------------------------------------------------------------- one sanitiser, every route

from .procs import on_terminal  # noqa: E402

ESC_TITLE = "\x1b]0;fenêtre piégée\x07"
EVIL = {
    "window-title": "\x1b]0;piège\x07",
    "clear-screen": "\x1b[2J\x1b[H",
    "osc8-link": "\x1b]8;;http://evil\x1b\\clic\x1b]8;;\x1b\\",
    "c1-csi": "\x9b31m",
    "bidi": "\u202e\u2066\u200f",
    "backspace-cr": "\x08\r\x7f",
}
RAW = [b"\x1b", b"\x07", b"\xc2\x9b", "\u202e".encode(), "\u2066".encode(), "\u200f".encode(), b"\x08", b"\r", b"\x7f"]


def _catalogue(tmp_path, evil: str, **extra: str) -> str:
    import json

    def q(s: str) -> str:
        return json.dumps(s, ensure_ascii=True)  # a TOML basic string: \\uXXXX escapes

    fields = {"titre": f"Jardin {evil} partagé", "description": f"Texte {evil} fin", **extra}
    body = "".join(f"{k} = {q(v)}\n" for k, v in fields.items())
    text = (
        '[catalogue]\nversion_schema = 1\n\n[[exemples]]\nid = "evil"\naction = 8\n'
        + body
        + f"partenaires = [{q('Asso ' + evil)}]\n"
        + '\n[[exemples]]\nid = "evil-2"\naction = 8\n'
        + f'titre = {q("Jardin " + evil + " partage")}\ndescription = "D"\n'
    )
    path = tmp_path / "evil.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def _no_raw_control(screen: bytes) -> None:
    # qpv's own styling (SGR, from rich) is allowed; nothing else that a terminal executes.
    import re as _re

    stripped = _re.sub(rb"\x1b\[[0-9;]*m", b"", screen).replace(b"\r\n", b"\n")
    for raw in RAW:
        assert raw not in stripped, (raw, stripped[:300])


@pytest.mark.parametrize("evil", list(EVIL.values()), ids=list(EVIL))
@pytest.mark.parametrize(
    "command",
    [
        ["list"],
        ["show", "evil"],
        ["show", "evil", "--format", "json"],
        ["show", "evil", "--format", "md"],
        ["search", "jardin", "--explique"],
        ["facettes"],
        ["export", "--format", "csv"],
        ["export", "--format", "json"],
        ["export", "--format", "md"],
        ["export", "--format", "toml"],
        ["list", "--format", "json"],
    ],
    ids=" ".join,
)
def test_data_and_tables_on_a_real_terminal_are_made_safe(tmp_path, evil, command):
    code, screen, err = on_terminal(["--data", _catalogue(tmp_path, evil), *command])
    assert code == 0, err
    _no_raw_control(screen)
    _no_raw_control(err)


@pytest.mark.parametrize("evil", list(EVIL.values()), ids=list(EVIL))
def test_messages_are_made_safe_whatever_the_output(qpv, tmp_path, evil):
    """Errors and warnings quote the catalogue and file names: sanitised, terminal or not."""
    path = _catalogue(tmp_path, evil)
    # valider: near-identical titles warning quotes both titles; no contact warning.
    r = qpv("valider", path)
    _no_raw_control(r.out.encode())
    assert "presque identiques" in r.out or "aucun contact" in r.out
    # An error quoting a value from the catalogue (duplicate id with a hostile title around).
    dup = tmp_path / "dup.toml"
    dup.write_text(Path(path).read_text(encoding="utf-8").replace('id = "evil-2"', 'id = "evil"'), encoding="utf-8")
    r = qpv("--data", str(dup), "list")
    assert r.code == 1
    _no_raw_control(r.err.encode())
    # Suggestions and an echo of the user's value.
    for args in (["show", f"ev{evil}il"], ["search", f"zzqx{evil}"], ["list", "--partenaire", f"x{evil}"]):
        r = qpv("--data", path, *args)
        _no_raw_control(r.err.encode())


@pytest.mark.parametrize("evil", [EVIL["window-title"], EVIL["bidi"]], ids=["escape", "bidi"])
def test_file_names_in_messages_are_made_safe(qpv, tmp_path, evil):
    name = tmp_path / f"cat{evil}.toml"
    name.write_text("[catalogue]\nversion_schema = 1\n[[exemples]]\nid = 3\n", encoding="utf-8")
    for args in (["valider", str(name)], ["--data", str(name), "list"], ["--data", str(tmp_path / f"x{evil}"), "list"]):
        r = qpv(*args)
        assert r.code in (1, 2)
        _no_raw_control((r.out + r.err).encode())
    r = qpv("export", "-o", str(tmp_path / f"absent{evil}" / "x.md"))
    _no_raw_control(r.err.encode())


def test_file_names_on_a_real_terminal_stderr(tmp_path):
    import subprocess
    import sys

    name = tmp_path / f"cat{EVIL['window-title']}.toml"
    name.write_text("pas du toml", encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "qpvcli", "valider", str(name)], capture_output=True, check=False)
    _no_raw_control(r.stdout + r.stderr)


@pytest.mark.parametrize("fmt", ["json", "md", "toml", "csv"])
def test_data_in_a_pipe_or_a_file_stays_byte_exact(qpv, tmp_path, fmt):
    """Not a terminal: the export is the data, hostile characters included (JSON escapes C0 itself)."""
    evil = "\u202e\x9b\x1b]0;x\x07"
    path = _catalogue(tmp_path, evil)
    r = run(["--data", path, "export", "--action", "8", "--format", fmt])
    assert r.returncode == 0
    assert "\u202e".encode() in r.stdout and "\x9b".encode() in r.stdout
    if fmt == "csv":  # JSON and TOML escape C0 controls themselves, Markdown drops them
        assert b"\x1b]0;x\x07" in r.stdout
    target = tmp_path / f"x.{fmt}"
    assert run(["--data", path, "export", "--action", "8", "--format", fmt, "-o", str(target)]).returncode == 0
    # the same bytes, but for the file's name in the command that reproduces it
    assert target.read_bytes().replace(f" -o x.{fmt}".encode(), b"", 1) == r.stdout
