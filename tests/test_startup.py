"""Start-up stays lean: the tricks that hold it are checked here, not remembered.

Each case runs the real CLI in a fresh interpreter (the store already built, as on any run but
the first) and lists the heavy modules it imported: rich only on a terminal, rapidfuzz only for
typos and suggestions, the TOML parser and validator only when the store must be (re)built.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

PROBE = """
import json, sys
from qpvcli import cli
code = cli.main(sys.argv[1:])
heavy = ("rich", "rapidfuzz", "tomli", "tomllib", "qpvcli.validation", "qpvcli.catalogue", "qpvcli.reading",
         "Stemmer", "docx", "xlsxwriter", "openpyxl", "lxml", "pydantic", "numpy")
sys.stdout.flush()
sys.stderr.write("\\nMODULES " + json.dumps([m for m in heavy if m in sys.modules]) + "\\n")
"""


def run_probe(folder, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "QPV_CACHE_DIR": str(folder)}
    env.pop("QPV_DATA", None)
    return subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )


def loaded(folder, *args: str) -> list[str]:
    run = run_probe(folder, *args)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stderr.rsplit("MODULES ", 1)[1])


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A cache folder whose store is already built (as on any run but the first)."""
    folder = tmp_path_factory.mktemp("cache")
    assert run_probe(folder, "list").returncode == 0
    return folder


@pytest.mark.parametrize(
    ("args", "allowed"),
    [
        (["--version"], []),
        (["list"], []),
        (["list", "--axe", "habitabilite", "--tri", "cout"], []),
        (["show", "paris-ilots-de-fraicheur"], []),
        (["facettes"], []),
        (["actions"], []),
        (["search", "vélo"], []),
        (["search", "îlots de fraîcheur", "--echelle", "commune"], []),
        # A misspelt word needs the typo machinery, and the stemmer for a word the catalogue lacks.
        (["search", "concierje"], ["rapidfuzz", "Stemmer"]),
        (["export", "--format", "csv"], []),
    ],
)
def test_piped_commands_import_only_what_they_need(built, args, allowed):
    assert sorted(loaded(built, *args)) == sorted(allowed)


def test_first_run_builds_then_validator_is_not_needed(tmp_path):
    assert "qpvcli.validation" in loaded(tmp_path, "list"), "the first run reads and validates the catalogue"
    assert "qpvcli.validation" not in loaded(tmp_path, "list")
