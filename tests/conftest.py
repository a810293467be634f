from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from qpvcli import cli

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SOURCE_TEXT = SHARED / "seed" / "000_21296248e28916fd.txt"
FIXTURES = Path(__file__).parent / "fixtures"


@dataclass
class Run:
    code: int
    out: str
    err: str


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch, tmp_path_factory):
    """No user catalogue, cache or colour settings leak in from the developer's machine."""
    monkeypatch.delenv("QPV_DATA", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("QPV_DEBUG", raising=False)
    monkeypatch.setenv("QPV_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setenv("TERM", "xterm-256color")


@pytest.fixture
def qpv(capsys, monkeypatch):
    """Run the real CLI entry point (its error handling included) and capture its output.

    `tty=True` fakes a terminal on stdout, as httpie's tests fake `stdout_isatty`.
    """

    def run(*args: str, tty: bool = False) -> Run:
        monkeypatch.setattr(cli, "stdout_isatty", lambda: tty)
        capsys.readouterr()
        code = cli.main(list(args))
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run


@pytest.fixture(scope="session")
def catalogue():
    from qpvcli.catalogue import load_bundled

    return load_bundled()
