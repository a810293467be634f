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
    keyboard(
        "12\nhuit\n8\n\nJardin partagé\nUn jardin au pied des immeubles.\ngalaxie\nquartiers\n"
        "Vitry-sur-Seine\n9x\n94\njardin.vitry.fr\njardin@vitry.fr\nwww.vitry.fr\nhttps://www.vitry94.fr\n"
        "quartier\noui\n"
    )
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
        "  Lieu : Vitry-sur-Seine, 94\n"
        "  Contact : jardin@vitry.fr\n"
        "  Lien : https://www.vitry94.fr\n"
        f"Ajouter cet exemple à {path} ? [O/n] "
        "  Répondez o (oui, l'ajouter) ou n (non, ne rien écrire).\n"
        f"Ajouter cet exemple à {path} ? [O/n] "
    )
    assert (
        "  « 9x » n'est ni un code de département (93, 2A, 974) ni le nom d'un département : tapez-le, ou Entrée.\n"
        in r.out
    )
    assert (
        "  « jardin.vitry.fr » n'est pas une adresse électronique (prenom.nom@ville.fr) : tapez-la, ou Entrée.\n"
        in r.out
    )
    assert (
        "  « www.vitry.fr » n'est pas une adresse web (elle commence par https://) : écrivez https://www.vitry.fr"
        " (ou Entrée pour passer).\n" in r.out
    )
    assert r.err.startswith(f"Exemple « jardin-partage » ajouté à {path}.\n")
    text = path.read_text(encoding="utf-8")
    assert 'id = "jardin-partage"' in text and 'niveau = "quartier"' in text
    # Found by its place, with a contact: `valider` has nothing to say.
    assert "jardin-partage" in qpv("--data", str(path), "list", "--territoire", "94").out
    r = qpv("valider", str(path))
    assert r.code == 0 and "avertissement" not in r.out + r.err.replace("0 avertissement", "")


def test_where_and_whom_can_be_passed_with_enter(qpv, tmp_path, keyboard):
    """Commune, département, contact, lien: Entrée passes each; nothing is written for them."""
    path = tmp_path / "mes-exemples.toml"
    keyboard("8\nJardin\nUn jardin.\n\n\n\n\n\n\n")
    r = qpv("nouveau", "-o", str(path))
    assert r.code == 0, r.err
    for label in ("Commune", "Département, son code", "Adresse électronique de contact", "Lien vers une page"):
        assert f"{label}" in r.out and "(Entrée pour passer)" in r.out
    assert "  Lieu : non précisé\n  Contact : aucun\n  Lien : aucun\n" in r.out
    text = path.read_text(encoding="utf-8")
    assert "territoires" not in text and "contacts" not in text and "ressources" not in text


def test_options_given_for_where_and_whom_are_not_asked(qpv, tmp_path, keyboard):
    path = tmp_path / "mes-exemples.toml"
    keyboard("Un jardin.\n\n\n")
    args = ["--action", "8", "--titre", "Jardin", "--commune", "Ivry-sur-Seine", "--departement", "94"]
    r = qpv("nouveau", "-o", str(path), *args, "--contact", "a@ivry.fr", "--lien", "https://ivry.fr")
    assert r.code == 0, r.err
    assert "Commune" not in r.out and "Département" not in r.out and "contact (" not in r.out
    assert "Lien vers" not in r.out and "  Lieu : Ivry-sur-Seine, 94\n" in r.out


def test_answering_no_writes_nothing_and_gives_the_command_back(qpv, tmp_path, keyboard):
    path = tmp_path / "mes-exemples.toml"
    keyboard("8\nJardin partagé\nUn jardin.\n\n\n\n\nnon\n")
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
    keyboard("Un jardin.\n\n\n\n\n\n")
    r = qpv("nouveau", "-o", str(path), "--action", "8", "--titre", "Jardin", "--niveau", "commune")
    assert r.code == 0, r.err
    assert "Actions clés" not in r.out and "Niveaux" not in r.out
    assert "Description : " in r.out and "  Niveau : commune\n" in r.out


def test_non_interactive_unchanged(qpv, tmp_path, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    path = tmp_path / "mes-exemples.toml"
    r = qpv("nouveau", "-o", str(path), "--action", "8", "--titre", "Jardin", "--description", "Un jardin.")
    assert (r.code, r.out) == (0, "")
    assert r.err == f"Exemple « jardin » ajouté à {path}.\n" + NEW_CATALOGUE


NEW_CATALOGUE = (
    "Catalogue créé sous le titre « Mes exemples », que citent les exports : pour le changer, modifiez"
    ' la ligne titre = "Mes exemples" au début du fichier (avec un éditeur de texte).\n'
)


def test_a_new_catalogue_says_how_to_change_its_title_once(qpv, tmp_path, monkeypatch):
    """« Mes exemples » is what the client reads in the export's source line: the user is told,
    when the file is created, where to change it; not at each example added."""
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    path = tmp_path / "cabinet.toml"
    base = ["nouveau", "-o", str(path), "--action", "8", "--description", "Un jardin."]
    r = qpv(*base, "--titre", "Jardin")
    assert r.code == 0 and r.err.endswith(NEW_CATALOGUE)
    r = qpv(*base, "--titre", "Verger")
    assert r.code == 0 and r.err == f"Exemple « verger » ajouté à {path}.\n"
