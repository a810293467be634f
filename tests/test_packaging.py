"""Packaging and project hygiene: the wheel works from any folder; lint is clean; the README's
commands are the ones CI runs; the README's command reference matches --help."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from .conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def quick_start() -> list[str]:
    block = re.search(r"## Démarrage rapide.*?```(?:bash|sh)?\n(.*?)```", README, re.S)
    assert block, "README starts with a quick start code block"
    return [line for line in block.group(1).splitlines() if line.strip() and not line.startswith("#")]


def test_readme_quick_start_has_two_commands_and_ci_runs_the_second():
    lines = quick_start()
    assert len(lines) == 2
    assert "qpv search" in lines[0]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert lines[1] in ci.splitlines()
    assert os.access(ROOT / ".ci" / "run", os.X_OK)


@pytest.mark.parametrize("command", ["actions", "list", "show", "search", "facettes", "export", "valider", "nouveau"])
def test_readme_reference_lists_every_option(command):
    from typer.main import get_command

    from qpvcli.cli import app

    click_command = get_command(app).commands[command]  # type: ignore[attr-defined]
    section = re.search(rf"### `qpv {command}.*?(?=\n### |\n## |\Z)", README, re.S)
    assert section, f"README has a reference section for qpv {command}"
    text = section.group(0)
    if "tous les filtres" in text:
        text += re.search(r"\| filtre \| valeur \|.*?\n\n", README, re.S).group(0)
    for param in click_command.params:
        for opt in param.opts:
            if opt.startswith("--") and opt != "--help":
                assert f"`{opt}" in text, f"{opt} of qpv {command} is documented"


def test_ruff_lint_and_format():
    ruff = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    if not Path(ruff).exists():
        pytest.skip("ruff not installed")
    paths = ["src", "tests", "benchmarks"]
    subprocess.run([ruff, "check", *paths], cwd=ROOT, check=True, capture_output=True)
    subprocess.run([ruff, "format", "--check", *paths], cwd=ROOT, check=True, capture_output=True)


@pytest.mark.slow
def test_wheel_installs_and_runs_from_any_folder(tmp_path):
    """Build the wheel, install it in a fresh virtual environment, run qpv elsewhere."""
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(ROOT)],
        check=True,
        capture_output=True,
    )
    wheel = next(dist.glob("qpv-*.whl"))
    import zipfile

    names = zipfile.ZipFile(wheel).namelist()
    assert "qpvcli/data/examples.toml" in names and "qpvcli/thesaurus.toml" in names
    assert "qpvcli/thematiques.toml" in names
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    bindir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    subprocess.run([str(bindir / "python"), "-m", "pip", "install", "-q", str(wheel)], check=True, capture_output=True)
    elsewhere = tmp_path / "ailleurs"
    elsewhere.mkdir()
    run = subprocess.run(
        [str(bindir / "qpv"), "search", "îlots de fraîcheur"],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": ""},
    )
    assert run.stdout.splitlines()[1].split("\t")[1] == "paris-ilots-de-fraicheur"
    run = subprocess.run(
        [str(bindir / "python"), "-m", "qpvcli", "list", "--axe", "habitabilite"],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        check=True,
    )
    assert len(run.stdout.splitlines()) == 15
