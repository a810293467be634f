"""A cold trial of qpv by two new users (a chargée de mission preparing a note for elected
officials, a consultant keeping a catalogue of local examples): each wall they hit, tested."""

from __future__ import annotations

import pytest


def ids(out: str) -> list[str]:
    """The ids of piped list or search output (search has a score column first)."""
    col = 1 if out.startswith("score\t") else 0
    return [line.split("\t")[col] for line in out.splitlines()[1:]]


# ---------------------------------------------------------------------------- territoires


@pytest.mark.parametrize("typed", ["Seine St Denis", "Seine-St-Denis", "seine st-denis", "SEINE SAINT DENIS"])
def test_a_departement_with_st_for_saint_is_the_whole_departement(qpv, typed):
    """« Seine St Denis », as people write it, is the 93: not only the records whose place is
    named so (1 instead of all those of the département)."""
    whole = ids(qpv("list", "--territoire", "93").out)
    assert len(whole) > 1
    assert ids(qpv("list", "--territoire", typed).out) == whole


def test_a_departement_name_with_an_apostrophe_and_spaces(qpv):
    assert ids(qpv("list", "--territoire", "Val d Oise").out) == ids(qpv("list", "--territoire", "95").out)


# ---------------------------------------------------------------------------- --id


CHOSEN = ["paris-ilots-de-fraicheur", "toulon-surchauffe", "saint-etienne-dalle-vegetalisee", "creil-cours-oasis"]


def test_export_the_examples_chosen_by_hand(qpv, tmp_path):
    """A note for elected officials from a few examples picked in a search: `--id` repeated is
    that selection, in Word as elsewhere, and the export says which ones and how to redo it."""
    args = [a for i in CHOSEN for a in ("--id", i)]
    assert sorted(ids(qpv("list", *args).out)) == sorted(CHOSEN)
    r = qpv("export", *args, "--format", "md")
    assert r.code == 0
    assert "exemples choisis : « paris-ilots-de-fraicheur », « toulon-surchauffe »" in r.out
    assert "qpv export --id paris-ilots-de-fraicheur --id toulon-surchauffe" in r.out
    out = tmp_path / "note.docx"
    r = qpv("export", *args, "-o", str(out))
    assert r.code == 0 and out.exists() and "4 exemples exportés" in r.err


def test_id_filter_forgives_case_and_accents_and_combines_with_the_others(qpv):
    assert ids(qpv("list", "--id", "Paris-Îlots-de-Fraîcheur").out) == ["paris-ilots-de-fraicheur"]
    r = qpv("list", "--id", "toulon-surchauffe", "--id", "creil-cours-oasis", "--action", "8")
    assert ids(r.out) == ["toulon-surchauffe"]
    assert ids(qpv("search", "chaleur", "--id", "creil-cours-oasis").out) == ["creil-cours-oasis"]


def test_an_unknown_id_stops_with_the_closest(qpv, tmp_path):
    out = tmp_path / "note.docx"
    r = qpv("export", "--id", "paris-ilot-fraicheur", "-o", str(out))
    assert r.code == 2 and not out.exists()
    assert "--id : aucun exemple « paris-ilot-fraicheur ». Vouliez-vous dire : paris-ilots-de-fraicheur ?" in r.err
    assert "Traceback" not in r.err


# ---------------------------------------------------------------------------- qpv show


def test_show_an_id_typed_with_its_accents(qpv):
    """The title says « îlots de fraîcheur »: an id typed from it, accents and capitals
    included, is the record."""
    r = qpv("show", "Paris-Îlots-de-Fraîcheur")
    assert r.code == 0 and "Identifiant : paris-ilots-de-fraicheur" in r.out


def test_show_suggests_a_long_id_from_a_few_of_its_words(qpv, tmp_path):
    mine = tmp_path / "mes-exemples.toml"
    mine.write_text(
        '[catalogue]\ntitre = "Mes exemples"\n\n[[exemples]]\nid = "cour-oasis-de-l-ecole-jean-jaures-a-bondy"\n'
        'action = 7\ntitre = "Cour oasis de l\'école Jean Jaurès à Bondy"\ndescription = "Une cour."\n',
        encoding="utf-8",
    )
    r = qpv("show", "cour-oasis-bondy", "--data", str(mine))
    assert r.code == 1
    assert "Vouliez-vous dire : cour-oasis-de-l-ecole-jean-jaures-a-bondy ?" in r.err


# ---------------------------------------------------------------------------- qpv nouveau


def test_nouveau_takes_a_departement_by_its_name(qpv, tmp_path):
    """The consultant types the département as she says it: qpv knows its code."""
    path = tmp_path / "mes-exemples.toml"
    r = qpv(
        "nouveau", "-o", str(path), "--action", "7", "--titre", "Cour oasis à Bondy", "--description", "Une cour.",
        "--commune", "Bondy", "--departement", "Seine St Denis", "--contact", "ecoles@bondy.example",
    )  # fmt: skip
    assert r.code == 0, r.err
    assert '{ nom = "Bondy", departement = "93", region = "Île-de-France" }' in path.read_text(encoding="utf-8")
    assert "cour-oasis-a-bondy" in qpv("list", "--territoire", "93", "--data", str(path)).out


def test_nouveau_refuses_a_link_without_https_as_it_does_on_a_terminal(qpv, tmp_path):
    """`--lien www.ville.fr` was written as is (then `valider` warned, and Word left it
    unlinked) while the same answer typed on a terminal was refused: now refused alike, with the
    address to write."""
    path = tmp_path / "mes-exemples.toml"
    r = qpv(
        "nouveau", "-o", str(path), "--action", "11", "--titre", "Ateliers vélo", "--description", "Réparer.",
        "--lien", "www.sevran.fr/velo",
    )  # fmt: skip
    assert r.code == 2 and not path.exists()
    assert (
        "qpv : --lien : « www.sevran.fr/velo » n'est pas une adresse web (elle commence par https://) :"
        " écrivez https://www.sevran.fr/velo\n"
    ) in r.err


def test_nouveau_on_a_terminal_takes_a_departement_by_its_name(qpv, tmp_path, monkeypatch):
    from tests.test_premier_contact_nouveau import Terminal

    path = tmp_path / "mes-exemples.toml"
    monkeypatch.setattr("sys.stdin", Terminal("8\nJardin\nUn jardin.\n\nAulnay-sous-Bois\nseine-st-denis\n\n\noui\n"))
    r = qpv("nouveau", "-o", str(path))
    assert r.code == 0, r.err
    assert "  Lieu : Aulnay-sous-Bois, 93\n" in r.out
    assert 'departement = "93"' in path.read_text(encoding="utf-8")


# ---------------------------------------------------------------------------- qpv valider


def test_valider_names_the_value_to_write_for_mistakes_made_by_hand(qpv, tmp_path):
    """« 12 k€ », « 2023-2025 », « Seine St Denis »: what a person writes in a catalogue; the
    message gives the value qpv expects instead of only the type."""
    path = tmp_path / "catalogue.toml"
    path.write_text(
        '[catalogue]\ntitre = "Mission 2024"\n\n[[exemples]]\nid = "aulnay-jardins"\naction = 8\n'
        'titre = "Jardins familiaux"\ndescription = "Quarante parcelles."\n'
        'territoires = [{ nom = "Aulnay-sous-Bois", departement = "Seine St Denis" }]\n'
        'cout = "12 k€"\ncout_eur = "12 k€"\nduree = "2023-2025"\nannee_debut = "2023-2025"\n'
        'contacts = [{ email = "jardins@aulnay.example" }]\n',
        encoding="utf-8",
    )
    r = qpv("valider", str(path))
    assert r.code == 1
    assert 'département « Seine St Denis » invalide (code INSEE en texte : "01", "2A", "93", "974") ;' in r.out
    assert ' écrivez departement = "93" (Seine-Saint-Denis)\n' in r.out
    assert "« cout_eur » doit être un nombre entier : écrivez cout_eur = 12000, en chiffres, sans guillemets" in r.out
    assert (
        "« annee_debut » doit être un nombre entier : pour une période, écrivez annee_debut = 2023 et"
        " annee_fin = 2025" in r.out
    )


def test_export_with_a_limit_points_to_choosing_by_id(qpv):
    """`qpv export chaleur -n 5`, as with search: refused, and told how to keep a few."""
    r = qpv("export", "chaleur", "-n", "5")
    assert r.code == 2
    assert "elle existe pour « qpv search » ; pour n'exporter que quelques exemples, nommez-les : --id ID" in r.err


def test_a_partner_typed_short_is_found_by_the_beginning_of_its_name(qpv):
    """« --partenaire ADEM » finds the ADEME (a four-letter word has no typo allowance), when no
    partner has the word whole."""
    assert "ademe-plus-fraiche-ma-ville" in ids(qpv("list", "--partenaire", "ADEM").out)
    assert ids(qpv("list", "--partenaire", "ademe").out) == ids(qpv("list", "--partenaire", "ADEM").out)
