"""Your own catalogue: --data / QPV_DATA, merging, source attribution, `valider`, `nouveau`."""

from __future__ import annotations

import json
import os

import pytest

from qpvcli.api import Qpv

MINIMAL = """\
# Mes initiatives locales
[catalogue]
titre = "Initiatives du 94"   # un commentaire à garder
version_schema = 1

[[exemples]]
id = "ivry-jardin-partage"
action = 8
titre = "Jardin partagé au pied des immeubles à Ivry"
description = "Un jardin cultivé par les habitant.e.s sur une pelouse du bailleur."
partenaires = ["Ville d'Ivry-sur-Seine", "Bailleur Valophis"]
territoires = [{ nom = "Ivry-sur-Seine", departement = "94", region = "Île-de-France" }]
contacts = [{ email = "jardin@ivry.example" }]
"""


@pytest.fixture
def mine(tmp_path):
    path = tmp_path / "mes-exemples.toml"
    path.write_text(MINIMAL, encoding="utf-8")
    return path


def ids(out: str) -> list[str]:
    return [line.split("\t")[0] for line in out.splitlines()[1:]]


def test_data_adds_to_the_report(qpv, mine):
    r = qpv("--data", str(mine), "list", "--action", "8")
    assert ids(r.out)[-1] == "ivry-jardin-partage" and len(ids(r.out)) == 7
    first = qpv("--data", str(mine), "search", "jardin partagé ivry").out.splitlines()[1].split("\t")[1]
    assert first == "ivry-jardin-partage"


def test_sans_rapport_uses_only_mine(qpv, mine, tmp_path):
    # Without the report's records: its axes and actions still frame mine.
    r = qpv("--sans-rapport", "--data", str(mine), "list")
    assert r.code == 0 and ids(r.out) == ["ivry-jardin-partage"]
    exported = tmp_path / "axe3.toml"
    qpv("export", "--axe", "3", "--format", "toml", "-o", str(exported))
    r = qpv("--sans-rapport", "--data", str(exported), "--data", str(mine), "list", "--action", "8")
    assert ids(r.out)[-1] == "ivry-jardin-partage" and len(ids(r.out)) == 7


def test_sans_rapport_without_data_is_an_error(qpv):
    r = qpv("--sans-rapport", "list")
    assert r.code == 2 and r.err == (
        "qpv : --sans-rapport : aucun catalogue à lire ; indiquez vos fichiers avec --data FICHIER (ou QPV_DATA)\n"
    )


def test_env_and_option_together(qpv, mine, tmp_path, monkeypatch):
    other = tmp_path / "autres.toml"
    other.write_text(
        MINIMAL.replace("ivry-jardin-partage", "vitry-jardin").replace("à Ivry", "à Vitry"), encoding="utf-8"
    )
    monkeypatch.setenv("QPV_DATA", f"{mine}{os.pathsep}")
    r = qpv("--data", str(other), "list", "--territoire", "94")
    assert ids(r.out)[-2:] == ["ivry-jardin-partage", "vitry-jardin"]


def test_source_is_shown_and_exported(qpv, mine):
    r = qpv("--data", str(mine), "show", "ivry-jardin-partage")
    assert f"Source : {mine.name} (Initiatives du 94)" in r.out.splitlines()
    data = json.loads(qpv("--data", str(mine), "export", "--territoire", "94", "--format", "json").out)
    assert [(e["id"], e["source"]) for e in data["exemples"]][-1] == ("ivry-jardin-partage", str(mine))
    csv_text = qpv("--data", str(mine), "export", "--action", "8", "--format", "csv", "--csv-standard").out
    assert csv_text.splitlines()[-1].endswith(f",{mine.name} (Initiatives du 94)")


def test_id_collision_names_both_files_and_lines(qpv, mine, tmp_path):
    twin = tmp_path / "doublon.toml"
    twin.write_text(MINIMAL.replace("à Ivry", "à Ivry-sur-Seine"), encoding="utf-8")
    r = qpv("--data", str(mine), "--data", str(twin), "list")
    assert r.code == 1
    assert r.err.startswith(
        f"qpv : {twin}:7:1: identifiant « ivry-jardin-partage » déjà utilisé ({mine}:7) par un exemple différent : "
        "changez l'un des deux « id »\n"
    )


def test_collision_with_the_report(qpv, tmp_path):
    path = tmp_path / "x.toml"
    path.write_text(MINIMAL.replace("ivry-jardin-partage", "paris-ilots-de-fraicheur"), encoding="utf-8")
    r = qpv("--data", str(path), "list")
    assert r.code == 1 and "identifiant « paris-ilots-de-fraicheur » déjà utilisé (rapport" in r.err


def test_own_axes_and_actions(qpv, tmp_path):
    path = tmp_path / "propre.toml"
    # Axes and actions may be defined anywhere in the file, before or after their examples.
    path.write_text(
        MINIMAL.replace("action = 8", "action = 12")
        + '\n[[axes]]\nid = "sante-mentale"\nnumero = 5\ntitre = "Prendre soin"\n\n[[actions]]\nnumero = 12\naxe = "sante-mentale"\ntitre = "Écouter"\n',
        encoding="utf-8",
    )
    r = qpv("--data", str(path), "list", "--axe", "sante-mentale")
    assert r.code == 0 and ids(r.out) == ["ivry-jardin-partage"]
    assert "Axe 5 — Prendre soin" in qpv("--data", str(path), "actions", tty=True).out
    path.write_text(
        MINIMAL + '\n[[actions]]\nnumero = 8\naxe = "habitabilite"\ntitre = "Autre titre"\n', encoding="utf-8"
    )
    r = qpv("--data", str(path), "list")
    assert r.code == 1 and "action 8 déjà définie autrement" in r.err


def test_export_toml_round_trip_through_data(qpv, tmp_path):
    target = tmp_path / "selection.toml"
    assert qpv("export", "--axe", "habitabilite", "--format", "toml", "-o", str(target)).code == 0
    a = json.loads(qpv("list", "--axe", "habitabilite", "--format", "json").out)
    b = json.loads(qpv("--sans-rapport", "--data", str(target), "list", "--format", "json").out)
    for record in b:
        assert record.pop("source") == str(target)
    assert a == b


# ---------------------------------------------------------------------------- valider

MISTAKES = """\
[catalogue]
titre = "Trois erreurs"
version_schema = 1

[[exemples]]
id = "ivry-jardin"
action = 8
titre = "Jardin partagé à Ivry"
descripton = "Un jardin."

[[exemples]]
id = "vitry-fresque"
action = 14
titre = "Fresque participative"
description = "Une fresque."
contacts = [{ email = "contact@vitry.example" }]

[[exemples]]
id = "choisy-velo"
action = 11
titre = "Atelier vélo"
description = "Réparation de vélos."
niveau = "quartiers"
contacts = [{ email = "velo@choisy.example" }]
"""


def test_valider_reports_every_error_with_position(qpv, tmp_path):
    path = tmp_path / "erreurs.toml"
    path.write_text(MISTAKES, encoding="utf-8")
    r = qpv("valider", str(path))
    assert r.code == 1
    assert r.out.splitlines() == [
        f"{path}:5:1: exemple « ivry-jardin » : champ obligatoire « description » manquant",
        f"{path}:6:1: avertissement : exemple « ivry-jardin » : aucun contact",
        f"{path}:9:1: exemple « ivry-jardin » : champ « descripton » inconnu (vouliez-vous dire « description » ?)",
        f"{path}:13:1: exemple « vitry-fresque » : action 14 inconnue (actions définies : 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)",
        f"{path}:23:1: exemple « choisy-velo » : niveau « quartiers » inconnu (valeurs : site, quartier, commune, intercommunalite, departement, region, national, international) ; vouliez-vous dire « quartier » ?",
    ]
    assert r.err == "1 fichier vérifié : 4 erreurs, 1 avertissement.\n"


def test_valider_warnings_do_not_fail(qpv, tmp_path):
    path = tmp_path / "douteux.toml"
    path.write_text(
        MINIMAL
        + '\n[[exemples]]\nid = "ivry-jardin-bis"\naction = 8\ntitre = "Jardin partagé au pied des immeubles à Ivry !"\n'
        'description = "Doublon."\ncout = "5 000 €"\ncout_eur = 7000\nressources = [{ url = "www.ivry.example" }]\n',
        encoding="utf-8",
    )
    r = qpv("valider", str(path))
    assert r.code == 0
    lines = path.read_text(encoding="utf-8").splitlines()

    def line(start: str) -> int:
        return max(i for i, text in enumerate(lines, 1) if text.startswith(start))

    assert r.out.splitlines() == [
        f"{path}:{line('id =')}:1: avertissement : exemple « ivry-jardin-bis » : aucun contact",
        f"{path}:{line('titre')}:1: avertissement : exemple « ivry-jardin-bis » : titre presque identique à celui de « ivry-jardin-partage »",
        f"{path}:{line('cout_eur')}:1: avertissement : exemple « ivry-jardin-bis » : le montant 7000 n'apparaît pas dans le texte du coût « 5 000 € »",
        f"{path}:{line('ressources')}:1: avertissement : exemple « ivry-jardin-bis » : le lien « www.ivry.example » n'est pas une adresse web http(s)",
    ]
    assert r.err == "1 fichier vérifié : 0 erreur, 4 avertissements, 2 exemples valides.\n"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            '[catalogue]\nversion_schema = 1\ntitre = "sans fin\n',
            ':3:18: syntaxe TOML : guillemet fermant manquant : terminez le texte par " sur la même ligne '
            '(titre = "…"), ou entourez un texte de plusieurs lignes de """ … """',
        ),
        (
            "[catalogue]\nversion_schema = 1\nversion_schema = 2\n",
            ":3:1: syntaxe TOML : clé « version_schema » écrite deux fois dans la même table (d'abord ligne 2) :"
            " gardez-en une seule",
        ),
        (
            '[catalogue]\nversion_schema = 1\n[catalogue]\ntitre = "x"\n',
            ":3:1: syntaxe TOML : table [catalogue] écrite deux fois (d'abord ligne 1) : réunissez ses clés sous"
            " un seul [catalogue]",
        ),
        (
            "[catalogue]\nversion_schema = 1\ntitre = sans guillemets\n",
            ':3:9: syntaxe TOML : texte sans guillemets : entourez-le de guillemets droits, titre = "sans guillemets"',
        ),
        (
            '[catalogue]\nversion_schema = 2\ntitre = "x"\n',
            ":2:1: version_schema : trouvé 2, une version plus récente que celle que lit ce qpv (1) : mettez qpv à jour",
        ),
        (
            '[catalogue]\nversion_schema = "1"\n',
            ":2:1: version_schema : trouvé le texte « 1 » entre guillemets ; écrivez version_schema = 1, sans guillemets",
        ),
        (
            "[catalogue]\nversion_schema = 0\n",
            ":2:1: version_schema : trouvé 0 ; ce qpv lit la version 1 : écrivez version_schema = 1",
        ),
        (
            'titre = "x"\n',
            ":1:1: ni section [catalogue] ni exemple [[exemples]] : ce fichier est-il bien un catalogue ? "
            "(voir docs/catalogue-personnel.md)",
        ),
        (
            '[catalogue]\nversion_schema = 1\n[exemples]\nid = "x"\n',
            ":3:1: « exemples » doit s'écrire [[exemples]] (liste de tables)",
        ),
        (
            '[catalogue]\nversion_schema = 1\n[[exemple]]\nid = "x"\n',
            ":3:1: section [[exemple]] inconnue : écrivez [[exemples]], avec un s",
        ),
    ],
)
def test_valider_error_classes(qpv, tmp_path, content, message):
    path = tmp_path / "c.toml"
    path.write_text(content, encoding="utf-8")
    r = qpv("valider", str(path))
    assert r.code == 1
    assert f"{path}{message}" in r.out


def test_valider_file_problems(qpv, tmp_path):
    latin = tmp_path / "latin1.toml"
    latin.write_bytes('[catalogue]\nversion_schema = 1\ntitre = "Crèche"\n'.encode("cp1252"))
    bom = tmp_path / "bom.toml"
    bom.write_bytes(b"\xef\xbb\xbf" + MINIMAL.encode("utf-8"))
    r = qpv("valider", str(latin), str(tmp_path / "absent.toml"), str(bom), str(tmp_path))
    assert r.code == 1
    assert f"{latin}:3:12: le fichier n'est pas en UTF-8" in r.out
    assert f"{tmp_path / 'absent.toml'}: fichier introuvable" in r.out
    assert f"{tmp_path}: c'est un dossier, pas un fichier de catalogue" in r.out
    assert str(bom) not in r.out  # a byte-order mark is simply accepted


# ---------------------------------------------------------------------------- nouveau


def test_nouveau_creates_a_valid_file(qpv, tmp_path):
    path = tmp_path / "neuf.toml"
    r = qpv(
        "nouveau",
        "-o",
        str(path),
        "--action",
        "11",
        "--titre",
        "Vélo-école à Créteil",
        "--description",
        "Apprendre à rouler.",
        "--departement",
        "94",
        "--commune",
        "Créteil",
    )
    assert r.code == 0 and r.err.startswith(f"Exemple « velo-ecole-a-creteil » ajouté à {path}.\n")
    assert qpv("valider", str(path)).code == 0
    assert ids(qpv("--data", str(path), "list", "--territoire", "créteil").out) == ["velo-ecole-a-creteil"]


def test_nouveau_keeps_existing_bytes_and_comments(qpv, mine):
    def add(description: str):
        title = "Jardin partagé au pied des immeubles à Ivry"
        return qpv("nouveau", "-o", str(mine), "--action", "8", "--titre", title, "--description", description)

    before = mine.read_bytes()
    assert add("Deuxième jardin.").code == 0
    after = mine.read_bytes()
    assert after.startswith(before)
    assert b"# un commentaire" in after
    assert b'id = "jardin-partage-au-pied-des-immeubles-a-ivry"' in after
    assert add("Troisième.").code == 0
    assert 'id = "jardin-partage-au-pied-des-immeubles-a-ivry-2"' in mine.read_text(encoding="utf-8")


def test_nouveau_refuses_invalid_record_and_leaves_file_untouched(qpv, mine):
    before = mine.read_bytes()
    r = qpv("nouveau", "-o", str(mine), "--action", "42", "--titre", "X", "--description", "Y")
    assert r.code == 2 and r.err.startswith("qpv : --action : action 42 inconnue")
    r = qpv(
        "nouveau",
        "-o",
        str(mine),
        "--action",
        "8",
        "--titre",
        "X",
        "--description",
        "Y",
        "--contact",
        "pas-une-adresse",
    )
    assert r.code == 2 and "qpv : --contact : adresse électronique « pas-une-adresse » invalide" in r.err
    assert mine.read_bytes() == before


def test_nouveau_without_terminal_lists_missing_options(qpv, tmp_path, monkeypatch):
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    r = qpv("nouveau", "-o", str(tmp_path / "x.toml"), "--titre", "X")
    assert r.code == 2
    assert "options manquantes : --action, --description" in r.err
    assert not (tmp_path / "x.toml").exists()


def test_nouveau_on_a_broken_file_changes_nothing(qpv, tmp_path):
    path = tmp_path / "casse.toml"
    path.write_text("[catalogue]\nversion_schema = 1\ntitre = \n", encoding="utf-8")
    before = path.read_bytes()
    r = qpv("nouveau", "-o", str(path), "--action", "8", "--titre", "X", "--description", "Y")
    assert r.code == 1 and f"{path}:3:9: syntaxe TOML" in r.err
    assert path.read_bytes() == before


def test_nouveau_asks_on_a_terminal(qpv, tmp_path, monkeypatch):
    import io

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr("sys.stdin", Terminal("11\nAtelier vélo à Vitry\nRéparer son vélo ensemble.\n\n\n\n\n\n\n"))
    path = tmp_path / "interactif.toml"
    r = qpv("nouveau", "-o", str(path))
    assert r.code == 0, r.err
    assert "Numéro de l'action clé" in r.out and "Titre" in r.out and "Description" in r.out
    text = path.read_text(encoding="utf-8")
    assert 'id = "atelier-velo-a-vitry"' in text and "action = 11" in text
    assert qpv("valider", str(path)).code == 0


def test_valider_places_errors_after_a_multiline_string_holding_a_header(qpv, tmp_path):
    """A description that quotes « [[exemples]] » at a line start is text: the next record's
    error is still placed on its own line."""
    path = tmp_path / "guillemets.toml"
    path.write_text(
        '[catalogue]\nversion_schema = 1\n\n[[exemples]]\nid = "a"\naction = 8\ntitre = "Premier"\n'
        'description = """Pour ajouter un exemple, écrivez :\n[[exemples]]\nid = ..."""\n\n'
        '[[exemples]]\nid = "b"\naction = 99\ntitre = "Second"\ndescription = "Texte."\n',
        encoding="utf-8",
    )
    r = qpv("valider", str(path))
    assert r.code == 1
    assert f"{path}:14:1: exemple « b » : action 99 inconnue" in r.out


def test_nouveau_echelle_is_the_level_as_in_the_filters(qpv, tmp_path):
    """One name, one meaning: --echelle is a level in list, search and nouveau alike."""
    path = tmp_path / "niveaux.toml"
    args = ["nouveau", "-o", str(path), "--action", "8", "--titre", "Jardin du Blosne", "--description", "Un jardin."]
    r = qpv(*args, "--echelle", "quartiers", "--echelle-texte", "Quartier du Blosne")
    assert r.code == 0, r.err
    text = path.read_text(encoding="utf-8")
    assert 'niveau = "quartier"' in text and 'echelle = "Quartier du Blosne"' in text
    assert qpv("--data", str(path), "list", "--echelle", "quartier").out.count("jardin-du-blosne") == 1
    r = qpv(*args, "--echelle", "plage")
    assert r.code == 2 and "--echelle : « plage » inconnu." in r.err


# ---------------------------------------------------------------------------- thématiques, portée du coût


def test_valider_unknown_theme_and_cost_scope_suggest_the_closest(qpv, mine):
    text = mine.read_text(encoding="utf-8").replace(
        'contacts = [{ email = "jardin@ivry.example" }]',
        'thematiques = ["alimentation-agriculture", "chaleur", "biodiversté", "alimentation-agriculture"]\n'
        'cout = "12 000 € par jardin"\ncout_eur = 12000\ncout_portee = "par unité"\n'
        'contacts = [{ email = "jardin@ivry.example" }]',
    )
    mine.write_text(text, encoding="utf-8")
    lines = text.splitlines()
    themes_line = next(i for i, t in enumerate(lines, 1) if t.startswith("thematiques"))
    r = qpv("valider", str(mine))
    assert r.code == 1
    out = r.out.splitlines()
    assert len(out) == 4, r.out
    assert out[0].startswith(
        f"{mine}:{themes_line}:1: exemple « ivry-jardin-partage » : thématique « chaleur » inconnue"
    )
    assert out[0].endswith("; vouliez-vous dire « chaleur-adaptation » ?")
    assert "(valeurs : diagnostic-territoire, numerique-donnees, " in out[0]
    assert "thématique « biodiversté » inconnue" in out[1] and "vouliez-vous dire « nature-biodiversite » ?" in out[1]
    assert out[2].endswith("thématique « alimentation-agriculture » donnée deux fois")
    assert out[3] == (
        f"{mine}:{themes_line + 3}:1: exemple « ivry-jardin-partage » : portée du coût « par unité » inconnue "
        "(valeurs : total, par-unite, par-an, par-personne, partiel, financement) ; vouliez-vous dire « par-unite » ?"
    )


def test_themes_and_cost_scope_accepted_and_shown(qpv, mine):
    mine.write_text(
        mine.read_text(encoding="utf-8") + 'thematiques = ["alimentation-agriculture", "lien-social"]\n'
        'cout = "12 000 € par jardin"\ncout_eur = 12000\ncout_portee = "par-unite"\n',
        encoding="utf-8",
    )
    assert qpv("valider", str(mine)).code == 0
    out = qpv("--data", str(mine), "show", "ivry-jardin-partage").out
    assert "Thématiques : Alimentation et agriculture urbaine ; Cohésion sociale et lien social" in out
    assert "Coût (euros) : 12\u202f000 €, par unité (< 40 k€)" in out
    data = json.loads(qpv("--data", str(mine), "export", "--territoire", "94", "--format", "json").out)
    mine_record = next(e for e in data["exemples"] if e["id"] == "ivry-jardin-partage")
    assert mine_record["thematiques"] == ["alimentation-agriculture", "lien-social"]
    assert mine_record["cout_portee"] == "par-unite"


def test_cost_scope_needs_a_cost(qpv, mine):
    mine.write_text(mine.read_text(encoding="utf-8") + 'cout_portee = "par-an"\n', encoding="utf-8")
    r = qpv("valider", str(mine))
    assert r.code == 1 and "« cout_portee » précise un coût, mais ni « cout » ni « cout_eur » n'est donné" in r.out


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("pas du toml = [", "thematiques.toml : fichier TOML illisible"),
        ('titre = "x"\n', "thematiques.toml : des tables [[thematiques]] sont attendues"),
        (
            '[[thematiques]]\nid = "eau"\nlibelle = "Eau"\ndescription = "L\'eau."\nmots = ["eau"]\n' * 2,
            "thématique « eau » : identifiant en double",
        ),
        (
            '[[thematiques]]\nid = "Eau potable"\nlibelle = "Eau"\ndescription = "L\'eau."\nmots = []\ncouleur = 1\n',
            "thématique « Eau potable » : « mots (une liste de textes non vides) » manquant ou invalide ; "
            "thématique « Eau potable » : champ « couleur » inconnu ; "
            "thématique « Eau potable » : l'identifiant doit être en minuscules sans accents, avec des tirets",
        ),
    ],
)
def test_a_malformed_themes_file_is_a_clear_error(text, message):
    from qpvcli.thematiques import ThemesFileError, parse

    with pytest.raises(ThemesFileError) as err:
        parse(text)
    assert message in str(err.value)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("santé", "sante"),
        ("Chaleur", "chaleur-adaptation"),
        ("îlots de fraîcheur", "chaleur-adaptation"),
        ("ESS", "economie-locale"),
        ("economie-circulair", "economie-circulaire"),
        ("Nature en ville et biodiversité", "nature-biodiversite"),
        ("téléphérique", None),
        ("chaleurs", "chaleur-adaptation"),  # a plural, as search forgives it
        ("déchets", "economie-circulaire"),
    ],
)
def test_closest_theme(typed, expected):
    from qpvcli.thematiques import closest

    assert closest(typed) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Grand Est", {"mulhouse-patrimoine-textile"}),  # not « Grand Paris », not « Sud Est Avenir »
        ("grand-est", {"mulhouse-patrimoine-textile"}),
        ("PACA", {"miramas-aller-vers", "marseille-foresta-friche", "miramas-urbanisme-sante", "toulon-surchauffe"}),
        (
            "Nord-Pas-de-Calais",
            {
                "dunkerque-concierge-quartier",
                "lille-butte-acoustique",
                "dunkerque-orientation-formation",
                "roubaix-economie-circulaire",
            },
        ),
        ("Pays-Bas", {"rotterdam-financements-habitants"}),
    ],
)
def test_a_territory_is_a_place_not_words_of_it(value, expected):
    """A région by its name or alias takes its départements too; an old région its départements;
    a name is compared whole, so « Grand Est » is not every place with « Grand » in its name."""
    qpv = Qpv.open(use_cache=False)
    assert {e.id for e in qpv.select(qpv.filtres(territoires=[value]))} == expected


def test_france_is_every_place_not_abroad():
    """« France » is not the places whose name holds the word (Hauts-de-France, Île-de-France,
    France hexagonale): it is every record whose place is in France."""
    qpv = Qpv.open(use_cache=False)
    found = {e.id for e in qpv.select(qpv.filtres(territoires=["France"]))}
    placed = {e.id for e in qpv.select() if e.territoires and all(t.pays in (None, "France") for t in e.territoires)}
    assert found == placed and "rotterdam-financements-habitants" not in found and len(found) > 30
    assert {"marseille-foresta-friche", "grenoble-emergences", "laval-zero-chomeur"} <= found


def test_saint_may_be_abbreviated_in_a_territory():
    qpv = Qpv.open(use_cache=False)
    assert {e.id for e in qpv.select(qpv.filtres(territoires=["St-Denis"]))} == {
        e.id for e in qpv.select(qpv.filtres(territoires=["Saint-Denis"]))
    }


def test_sources_on_one_line_have_no_stray_period(qpv, mine):
    """« … novembre 2025. ; mes-exemples.toml » in Word and Markdown: a citation's final period
    comes only at the end of the line."""
    r = qpv("--data", str(mine), "export", "--action", "8", "--format", "md")
    line = next(x for x in r.out.splitlines() if x.startswith("- **Sources :**"))
    assert ". ;" not in line and "2025 ; " in line
