"""Issue 13, `qpv nouveau` on a terminal (item 6): the choices shown, each answer checked as
it is typed, a summary to confirm, nothing written on Ctrl-C or « non », nothing lost."""

from __future__ import annotations

import io

import pytest


class Terminal(io.StringIO):
    """Keyboard input on a terminal; `interrupt_after` lines, then Ctrl-C."""

    def __init__(self, text: str, interrupt_after: int | None = None):
        super().__init__(text)
        self.left = interrupt_after

    def isatty(self) -> bool:
        return True

    def readline(self, *args):
        if self.left is not None:
            if self.left == 0:
                raise KeyboardInterrupt
            self.left -= 1
        return super().readline(*args)


@pytest.fixture
def keyboard(monkeypatch):
    def type_in(text: str, interrupt_after: int | None = None) -> None:
        monkeypatch.setattr("sys.stdin", Terminal(text, interrupt_after))

    return type_in


def test_choices_shown_and_wrong_answers_asked_again(qpv, tmp_path, keyboard):
    path = tmp_path / "mes-exemples.toml"
    keyboard("12\nhuit\n8\n\nJardin partagé\nUn jardin au pied des immeubles.\ngalaxie\nquartiers\noui\n")
    r = qpv("nouveau", "-o", str(path))
    assert r.code == 0, r.err
    assert "Actions clés :\n   1. Cartographier les vulnérabilités\n" in r.out
    assert "  11. Développer les mobilités actives\n" in r.out
    assert "  « 12 » : tapez le numéro d'une action de la liste ci-dessus (1 à 11).\n" in r.out
    assert "  « huit » : tapez le numéro d'une action de la liste ci-dessus (1 à 11).\n" in r.out
    assert "  Une réponse est nécessaire.\n" in r.out
    assert (
        "Niveaux : site, quartier, commune, intercommunalite, departement, region, national, international\n" in r.out
    )
    assert "  « galaxie » inconnu. Valeurs possibles : site, quartier, commune" in r.out
    assert r.out.endswith(
        "Récapitulatif :\n"
        "  Action : 8. Privilégier des actions à coûts constants et les solutions fondées sur la nature\n"
        "  Titre : Jardin partagé\n"
        "  Description : Un jardin au pied des immeubles.\n"
        "  Niveau : quartier\n"
        f"Ajouter cet exemple à {path} ? [O/n] "
    )
    assert r.err == f"Exemple « jardin-partage » ajouté à {path}.\n"
    text = path.read_text(encoding="utf-8")
    assert 'id = "jardin-partage"' in text and 'niveau = "quartier"' in text


def test_answering_no_writes_nothing_and_gives_the_command_back(qpv, tmp_path, keyboard):
    path = tmp_path / "mes-exemples.toml"
    keyboard("8\nJardin partagé\nUn jardin.\n\nnon\n")
    r = qpv("nouveau", "-o", str(path), "--commune", "Ivry-sur-Seine")
    assert r.code == 0 and not path.exists()
    assert r.err == (
        f"Rien n'a été écrit. Pour reprendre sans retaper : qpv nouveau -o {path} --action 8 "
        "--titre 'Jardin partagé' --description 'Un jardin.' --commune Ivry-sur-Seine\n"
    )


def test_ctrl_c_writes_nothing_and_keeps_what_was_typed(qpv, tmp_path, keyboard):
    path = tmp_path / "mes-exemples.toml"
    keyboard("8\nJardin partagé\n", interrupt_after=2)
    r = qpv("nouveau", "-o", str(path))
    assert r.code == 130 and not path.exists()
    assert (
        f"Rien n'a été écrit. Pour reprendre sans retaper : qpv nouveau -o {path} --action 8 --titre 'Jardin partagé'\n"
        in r.err
    )
    assert r.err.endswith("qpv : interrompu.\n")


def test_options_given_are_not_asked(qpv, tmp_path, keyboard):
    path = tmp_path / "mes-exemples.toml"
    keyboard("Un jardin.\n\n")
    r = qpv("nouveau", "-o", str(path), "--action", "8", "--titre", "Jardin", "--niveau", "commune")
    assert r.code == 0, r.err
    assert "Actions clés" not in r.out and "Niveaux" not in r.out
    assert "Description : " in r.out and "  Niveau : commune\n" in r.out


def test_non_interactive_unchanged(qpv, tmp_path, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    path = tmp_path / "mes-exemples.toml"
    r = qpv("nouveau", "-o", str(path), "--action", "8", "--titre", "Jardin", "--description", "Un jardin.")
    assert (r.code, r.out) == (0, "")
    assert r.err == f"Exemple « jardin » ajouté à {path}.\n"
