"""Issue 13: the README's examples and docs/catalogue-personnel.md followed verbatim, as a
newcomer would type them (the README quick start is tested in test_packaging)."""

from __future__ import annotations

import io
import re
import shlex
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def blocks(text: str, lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", text, re.DOTALL)


def commands(block: str) -> list[list[str]]:
    """The qpv command lines of a shell block (comments dropped, continuations joined)."""
    joined = block.replace("\\\n", " ")
    return [shlex.split(line, comments=True) for line in joined.splitlines() if line.startswith("qpv ")]


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_readme_examples_verbatim(qpv, tmp_path, monkeypatch):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Exemples") : readme.index("## Référence des commandes")]
    guide = (ROOT / "docs" / "catalogue-personnel.md").read_text(encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mes-exemples.toml").write_text(blocks(guide, "toml")[0], encoding="utf-8")
    lines = commands(blocks(section, "bash")[0])
    assert len(lines) >= 15
    for args in lines:
        if args[1:2] == ["nouveau"]:
            monkeypatch.setattr("sys.stdin", Terminal("8\nJardin des Lilas\nUn jardin.\n\n\n\n\n\n\n"))
        r = qpv(*args[1:])
        assert r.code == 0, (args, r.err)
        assert r.out or r.err, args
        assert "Traceback" not in r.err
    assert 'id = "jardin-des-lilas"' in (tmp_path / "mes-exemples.toml").read_text(encoding="utf-8")


def test_catalogue_personnel_verbatim(qpv, tmp_path, monkeypatch):
    guide = (ROOT / "docs" / "catalogue-personnel.md").read_text(encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    (tmp_path / "mes-exemples.toml").write_text(blocks(guide, "toml")[0], encoding="utf-8")
    shell = blocks(guide, "bash")
    runs = [args for block in shell for args in commands(block)]
    assert [a[:3] for a in runs] == [
        ["qpv", "nouveau", "-o"],
        ["qpv", "valider", "mes-exemples.toml"],
        ["qpv", "--data", "mes-exemples.toml"],
        ["qpv", "--data", "mes-exemples.toml"],
        ["qpv", "--data", "mes-exemples.toml"],
        ["qpv", "search", "jardin partagé"],
        ["qpv", "--sans-rapport", "--data"],
    ]
    for args in runs:
        if args[1] == "search":  # after « export QPV_DATA=... »
            monkeypatch.setenv("QPV_DATA", str(tmp_path / "mes-exemples.toml"))
        r = qpv(*args[1:])
        assert r.code == 0, (args, r.err)
    r = qpv("--data", "mes-exemples.toml", "show", "velo-ecole-a-creteil")
    assert r.code == 0 and "Vélo-école à Créteil" in r.out
    r = qpv("valider", "mes-exemples.toml")
    assert r.err == "1 fichier vérifié : 0 erreur, 0 avertissement, 2 exemples valides.\n"
    assert r.out == ""
    r = qpv("search", "jardin", "partagé")
    assert "ivry-jardin-partage" in r.out
