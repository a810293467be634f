"""Issue #14, « Dying outputs »: stdout closed, full or not UTF-8, a pipe closed early on any
command, SIGTERM and SIGHUP like Ctrl-C, stdin closed. Real processes and real shells."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest

from .procs import QPV, on_terminal, shell

VALID_WITH_WARNINGS = "".join(
    [
        "[catalogue]\nversion_schema = 1\n",
        *(f'\n[[exemples]]\nid = "x{i}"\naction = 8\ntitre = "Titre {i}"\ndescription = "D"\n' for i in range(3000)),
    ]
)

COMMANDS = [
    "actions",
    "list",
    "list --format json",
    "search vélo",
    "search vélo --explique",
    "show paris-ilots-de-fraicheur",
    "show paris-ilots-de-fraicheur --format md",
    "facettes",
    "export --format md",
    "export --format csv",
    "export --format json",
    "export --format toml",
    "valider avertissements.toml",
    "--help",
    "list --help",
    "--version",
]


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "avertissements.toml").write_text(VALID_WITH_WARNINGS, encoding="utf-8")
    return tmp_path


def _clean(err: bytes) -> str:
    text = err.decode("utf-8", "replace")
    assert "Traceback" not in text and "Exception ignored" not in text and "erreur inattendue" not in text, text
    return text


@pytest.mark.parametrize("command", COMMANDS)
def test_head_one_on_every_command(folder, command):
    r = shell(f"qpv {command} | head -1; exit ${{PIPESTATUS[0]}}", cwd=folder)
    _clean(r.stderr)
    assert r.returncode == 0
    assert r.stdout.count(b"\n") == 1


@pytest.mark.parametrize("command", [c for c in COMMANDS if c != "--version"] + ["--version"])
def test_stdout_closed(folder, command):
    r = shell(f"qpv {command} >&-", cwd=folder)
    err = _clean(r.stderr)
    assert r.returncode == 1
    assert err.endswith("qpv : la sortie standard est fermée : rien n'a pu y être écrit.\n")
    assert err.count("qpv : la sortie standard est fermée") == 1, "said once"


@pytest.mark.parametrize("command", COMMANDS)
def test_stdout_full(folder, command):
    r = shell(f"qpv {command} > /dev/full", cwd=folder)
    err = _clean(r.stderr)
    assert r.returncode == 1
    assert "qpv : la sortie standard est pleine (disque plein)" in err
    assert err.count("qpv : la sortie standard est pleine") == 1, "said once"


def test_commands_that_do_not_use_stdout_work_with_it_closed(folder):
    r = shell("qpv export --format csv -o x.csv >&- && test -s x.csv", cwd=folder)
    assert r.returncode == 0, r.stderr


@pytest.mark.parametrize("command", ["search vélo", "show paris-ilots-de-fraicheur", "list --format json", "--help"])
def test_ascii_stdout_in_a_pipe_gets_utf8(command):
    r = shell(f"qpv {command} | cat", env={"PYTHONIOENCODING": "ascii"})
    _clean(r.stderr)
    assert r.returncode == 0
    r.stdout.decode("utf-8")  # valid UTF-8, accents kept


def test_ascii_stdout_on_a_terminal_replaces_what_it_cannot_show():
    code, screen, err = on_terminal(["search", "vélo"], env={"PYTHONIOENCODING": "ascii"})
    _clean(err)
    assert code == 0 and b"v?lo" in screen.lower()


def test_ascii_stderr_messages():
    r = shell("qpv show inexistant-é", env={"PYTHONIOENCODING": "ascii"})
    _clean(r.stderr)
    assert r.returncode == 1 and r.stderr.startswith(b"qpv : Aucun exemple")


def test_stderr_closed_still_exits_with_the_right_code():
    r = shell("qpv show inexistant 2>&-; echo code=$?")
    assert r.stdout.endswith(b"code=1\n")


def test_stdin_closed_for_commands():
    r = shell("qpv search jardin <&- | head -1")
    _clean(r.stderr)
    assert r.stdout.startswith(b"score\t")


def _big_catalogue(tmp_path):
    import sys

    sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[1] / "benchmarks"))
    try:
        from synthetic import generate
    finally:
        sys.path.pop(0)
    big = tmp_path / "gros.toml"
    big.write_text(generate(20_000), encoding="utf-8")
    return big


@pytest.mark.parametrize(
    ("signum", "code", "message"), [(signal.SIGTERM, 143, " (SIGTERM)"), (signal.SIGHUP, 129, " (SIGHUP)")]
)
def test_sigterm_and_sighup_like_ctrl_c(tmp_path, signum, code, message):
    big = _big_catalogue(tmp_path)
    target = tmp_path / "export.csv"
    env = {**os.environ, "QPV_CACHE_DIR": str(tmp_path / "cache")}
    proc = subprocess.Popen(
        [*QPV, "--data", str(big), "export", "--format", "csv", "-o", str(target)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    time.sleep(1.5)
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=120)
    if proc.returncode == 0:
        pytest.skip("the machine finished before the signal")
    assert proc.returncode == code
    assert err.decode() == f"qpv : interrompu{message}.\n"
    assert not target.exists()
    assert [p.name for p in tmp_path.rglob("*") if p.name.endswith((".tmp", "-journal"))] == []


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129), (signal.SIGINT, 130)])
def test_signal_while_reading_a_pipe(tmp_path, signum, code):
    fifo = tmp_path / "tube"
    os.mkfifo(fifo)
    proc = subprocess.Popen(
        [*QPV, "--data", str(fifo), "list"],
        stderr=subprocess.PIPE,
        env={**os.environ, "QPV_DELAI_ENTREE": "60"},
    )
    time.sleep(1.0)
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == code
    assert err.decode().startswith("qpv : interrompu") and b"Traceback" not in err


def test_sans_rapport_without_data(qpv):
    r = qpv("--sans-rapport", "list")
    assert r.code == 2  # a usage error: the options ask for no catalogue at all
    assert "qpv : qpv" not in r.err and r.err.startswith("qpv : --sans-rapport : aucun catalogue")
    assert "--data" in r.err
