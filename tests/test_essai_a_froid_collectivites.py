"""A second cold trial: a chargée de mission (Word, Excel) and a consultant writing his own
catalogue by hand. Each test is a wall they hit, checked as they would see it."""

from __future__ import annotations

import re

import pytest

HEAD = '[catalogue]\nversion_schema = 1\n\n[[exemples]]\nid = "ivry-jardin"\naction = 8\n'
BODY = 'titre = "Jardin"\ndescription = "Un jardin"\n'

# ---------------------------------------------------------------------------- TOML written by hand


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            BODY + 'ressources = [{ fichier = "C:\\Users\\moi\\guide.pdf" }]\n',
            ":9:32: syntaxe TOML : barre oblique inverse « \\ » dans un texte entre guillemets (chemin Windows ?) :"
            " entourez le texte d'apostrophes, fichier = 'C:\\Users\\moi\\guide.pdf', ou doublez chaque barre"
            " (\\\\)",
        ),
        (
            BODY + 'echelle = "\\\\serveur\\partage\\quartiers"\n',
            ":9:23: syntaxe TOML : barre oblique inverse « \\ » dans un texte entre guillemets (chemin Windows ?) :"
            " entourez le texte d'apostrophes, echelle = '\\\\serveur\\partage\\quartiers', ou doublez chaque"
            " barre (\\\\)",
        ),
        (BODY + "[[exemples]\n", ":9:11: syntaxe TOML : « ]] » manquant à la fin de [[…]] : écrivez [[exemples]]"),
        (
            BODY + "en_cours = True\n",
            ":9:12: syntaxe TOML : « True » : écrivez en_cours = true ou en_cours = false, en minuscules et sans"
            " guillemets",
        ),
        (
            BODY + "en_cours = oui\n",
            ":9:12: syntaxe TOML : « oui » : écrivez en_cours = true ou en_cours = false, en minuscules et sans"
            " guillemets",
        ),
    ],
)
def test_hand_written_toml_gets_french_and_the_fix(qpv, tmp_path, body, expected):
    path = tmp_path / "cabinet.toml"
    path.write_bytes((HEAD + body).encode("utf-8"))
    r = qpv("valider", str(path))
    assert r.code == 1
    assert r.out.splitlines()[0] == f"{path}{expected}"


def test_a_header_without_its_closing_bracket(qpv, tmp_path):
    path = tmp_path / "cabinet.toml"
    path.write_bytes(("[catalogue\n" + HEAD.removeprefix("[catalogue]\n") + BODY).encode("utf-8"))
    r = qpv("valider", str(path))
    assert r.out.splitlines()[0] == (
        f"{path}:1:11: syntaxe TOML : « ] » manquant à la fin de l'en-tête [ … ] : écrivez [catalogue]"
    )


def test_no_toml_parser_message_is_left_in_english(qpv, tmp_path):
    """Every message tomli can raise, reached through a file a person could write."""
    bodies = [
        BODY + 'echelle = "a \\s b"\n',
        BODY + 'echelle = "\\uD800"\n',
        BODY + "[[exemples]\n",
        BODY + "[metadonnees\n",
        BODY + "texte = 'sans fin\n",
        BODY + "a.b = 1\na.b.c = 2\n",
        BODY + "[exemples.x]\n",
        BODY + "echelle = 1979-05-32\n",
        BODY + "partenaires = [1 2]\n",
        BODY + 'contacts = [{ email = "a@b.fr" x }]\n',
    ]
    for n, body in enumerate(bodies):
        path = tmp_path / f"cas-{n}.toml"
        path.write_bytes((HEAD + body).encode("utf-8"))
        r = qpv("valider", str(path))
        assert r.code == 1, body
        first = r.out.splitlines()[0]
        assert not re.search(r"\b(Expected|Invalid|Unescaped|Cannot|Found|Escaped|Illegal|Unclosed)\b", first), first


# ---------------------------------------------------------------------------- the right shape, written out


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            'territoires = "Vitry-sur-Seine"',
            '« territoires » doit être une liste de tables { ... } : écrivez territoires = [{ nom = "Vitry-sur-Seine" }]',
        ),
        (
            'territoires = { nom = "Vitry-sur-Seine", departement = "94" }',
            "« territoires » doit être une liste de tables { ... } : entourez les accolades de crochets,"
            " territoires = [{ … }]",
        ),
        (
            'contacts = ["velo@creteil.fr"]',
            '« contacts » doit être une liste de tables { ... } : écrivez contacts = [{ email = "velo@creteil.fr" }]',
        ),
        (
            'contacts = "Service des sports"',
            '« contacts » doit être une liste de tables { ... } : écrivez contacts = [{ nom = "Service des sports" }]',
        ),
        (
            'ressources = ["https://creteil.fr", "https://velo.fr"]',
            "« ressources » doit être une liste de tables { ... } : écrivez"
            ' ressources = [{ url = "https://creteil.fr" }, { url = "https://velo.fr" }]',
        ),
        (
            'partenaires = "Ville de Créteil, Bailleur Valophis"',
            "« partenaires » doit être une liste de textes : écrivez"
            ' partenaires = ["Ville de Créteil", "Bailleur Valophis"]',
        ),
        (
            'territoires = [{ nom = "Créteil", departement = 94 }]',
            '« territoires.departement » doit être un texte non vide : écrivez departement = "94", entre guillemets',
        ),
        (
            'commune = "Vitry-sur-Seine"',
            'champ « commune » inconnu : une commune s\'écrit dans territoires = [{ nom = "Vitry-sur-Seine" }]',
        ),
        (
            'departement = "94"',
            'champ « departement » inconnu : un département s\'écrit dans territoires = [{ nom = "…", departement = "94" }]',
        ),
        (
            'lien = "https://vitry.fr"',
            'champ « lien » inconnu : un lien s\'écrit dans ressources = [{ url = "https://vitry.fr" }]',
        ),
        (
            'liens = ["https://vitry.fr", "https://jardins.fr"]',
            "champ « liens » inconnu : un lien s'écrit dans"
            ' ressources = [{ url = "https://vitry.fr" }, { url = "https://jardins.fr" }]',
        ),
        (
            'email = "jardin@vitry.fr"',
            'champ « email » inconnu : une adresse s\'écrit dans contacts = [{ email = "jardin@vitry.fr" }]',
        ),
    ],
)
def test_a_wrong_shape_is_answered_with_the_line_to_write(qpv, tmp_path, line, expected):
    path = tmp_path / "cabinet.toml"
    path.write_bytes((HEAD + BODY + line + "\n").encode("utf-8"))
    r = qpv("valider", str(path))
    assert r.code == 1
    errors = [x for x in r.out.splitlines() if ": avertissement : " not in x]
    assert errors == [f"{path}:9:1: exemple « ivry-jardin » : {expected}"]


# ---------------------------------------------------------------------------- commands a person can read


def test_the_command_of_an_export_reads_as_typed_with_apostrophes(qpv, tmp_path):
    """French has apostrophes everywhere: « 'l'"'"'eau' » in a note for elected officials is
    noise nobody can retype; « "l'eau" » works in bash, zsh and PowerShell alike."""
    import shlex

    r = qpv("export", "l'eau", "--partenaire", "Ville d'Ivry", "--territoire", "Seine-Saint-Denis", "--format", "md")
    command = 'qpv export "l\'eau" --partenaire "Ville d\'Ivry" --territoire Seine-Saint-Denis --format md'
    assert f"- **Pour la reproduire :** `{command}`" in r.out
    assert shlex.split(command)[2:4] == ["l'eau", "--partenaire"]


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("l'eau", '"l\'eau"'),
        ("jardin partagé", "'jardin partagé'"),
        ("jardin", "jardin"),
        ("l'eau à 5 $", "'l'\"'\"'eau à 5 $'"),  # a shell would expand $ between double quotes
        ('l\'"eau"', "'l'\"'\"'\"eau\"'"),
    ],
)
def test_shell_quote_stays_one_word(value, written):
    import shlex

    from qpvcli.selection import shell_quote

    assert shell_quote(value) == written
    assert shlex.split(shell_quote(value)) == [value]


def test_nouveau_interrupted_gives_back_a_readable_command(qpv, tmp_path, monkeypatch):
    from tests.test_premier_contact_nouveau import Terminal

    path = tmp_path / "cabinet.toml"
    monkeypatch.setattr(
        "sys.stdin", Terminal("8\nJardin partagé à Vitry\nUn jardin de pied d'immeuble.\n\n\n\n\n\nnon\n", None)
    )
    r = qpv("nouveau", "-o", str(path))
    assert r.code == 0 and not path.exists()
    assert r.err == (
        f"Rien n'a été écrit. Pour reprendre sans retaper : qpv nouveau -o {path} --action 8 "
        "--titre 'Jardin partagé à Vitry' --description \"Un jardin de pied d'immeuble.\"\n"
    )


# ---------------------------------------------------------------------------- Excel, as it opens


def test_no_text_of_the_workbook_is_cut_by_its_column(qpv, tmp_path):
    """Opened in Calc, « Thématiques » showed « Diagnostic et co », « Niveau » « commune ; inte »,
    and « 1 M€ – 10 M€, aides citées » ran into the next column: every text longer than its
    column is wrapped, and the themes, the reader's way in, get a column to read them."""
    import openpyxl

    target = tmp_path / "tableau.xlsx"
    assert qpv("export", "--theme", "chaleur", "--theme", "végétalisation", "-o", str(target)).code == 0
    sheet = openpyxl.load_workbook(target)["Exemples"]
    widths = {}
    for dim in sheet.column_dimensions.values():  # openpyxl groups equal columns in ranges
        for n in range(dim.min, dim.max + 1):
            widths[n] = dim.width
    header = {c.value: c.column for c in sheet[1]}
    assert widths[header["Thématiques"]] >= 30
    cut = [
        (sheet.cell(1, cell.column).value, cell.value)
        for row in sheet.iter_rows(min_row=2)
        for cell in row
        if isinstance(cell.value, str) and len(cell.value) > widths[cell.column] and not cell.alignment.wrap_text
    ]
    assert cut == []


# ---------------------------------------------------------------------------- --sans-rapport


def test_sans_rapport_exports_only_my_examples_framed_by_the_reports_actions(qpv, tmp_path):
    """The consultant wants only his examples for his client: with --sans-rapport his records,
    which name the report's action 8 without defining it, were refused (« action 8 inconnue »).
    The report's 40 records are left out; its axes and actions stay as the frame, and the
    export cites it as such."""
    path = tmp_path / "cabinet.toml"
    path.write_text(HEAD + BODY + 'contacts = [{ email = "a@b.fr" }]\n', encoding="utf-8")
    target = tmp_path / "client.csv"
    r = qpv("--sans-rapport", "--data", str(path), "export", "-o", str(target))
    assert r.code == 0, r.err
    rows = target.read_text(encoding="utf-8-sig").splitlines()
    assert len(rows) == 2 and "ivry-jardin" in rows[1]
    assert "Privilégier des actions à coûts constants" in rows[1]  # the report's action 8, by name
    md = qpv("--sans-rapport", "--data", str(path), "export", "--format", "md")
    sources = next(line for line in md.out.splitlines() if line.startswith("- **Source"))
    assert "cabinet.toml" in sources and "axes et actions clés : Pour renforcer la résilience" in sources
    # The report's table of contents, whole, with his count (his file defines no actions).
    actions = qpv("--sans-rapport", "--data", str(path), "actions", "--format", "tsv").out.splitlines()
    assert len(actions) == 12 and actions[8].split("\t")[1:] == [
        "8",
        "Privilégier des actions à coûts constants et les solutions fondées sur la nature",
        "1",
    ]
    assert qpv("--sans-rapport", "valider", str(path)).code == 0
    # Its TOML export holds the frame it used: read back on its own, it is whole.
    exported = tmp_path / "client.toml"
    assert qpv("--sans-rapport", "--data", str(path), "export", "-o", str(exported)).code == 0
    text = exported.read_text(encoding="utf-8")
    assert "[[axes]]" in text and "numero = 8" in text and text.count("[[exemples]]") == 1
    assert qpv("--sans-rapport", "valider", str(exported)).code == 0


def test_sans_rapport_lends_only_what_files_with_their_own_frame_use(qpv, tmp_path):
    """A file that defines its own axis and action, and also uses the report's action 8: its own
    frame, and of the report's only action 8 and its axis (not the report's eleven)."""
    path = tmp_path / "cabinet.toml"
    path.write_text(
        '[catalogue]\nversion_schema = 1\n\n[[axes]]\nid = "mien"\nnumero = 5\ntitre = "Mon axe"\n\n'
        '[[actions]]\nnumero = 12\naxe = "mien"\ntitre = "Mon action"\n\n'
        '[[exemples]]\nid = "a"\naction = 12\ntitre = "A"\ndescription = "A"\n\n'
        '[[exemples]]\nid = "b"\naction = 8\ntitre = "B"\ndescription = "B"\n',
        encoding="utf-8",
    )
    r = qpv("--sans-rapport", "--data", str(path), "actions", "--format", "tsv")
    assert r.code == 0, r.err
    assert [line.split("\t")[:2] for line in r.out.splitlines()[1:]] == [["habitabilite", "8"], ["mien", "12"]]


def test_sans_rapport_with_an_action_nobody_defines_says_which_it_may_name(qpv, tmp_path):
    """« Retirez --data cabinet.toml » made no sense for the user's own file: the message says
    which actions a record may name."""
    path = tmp_path / "cabinet.toml"
    path.write_text(HEAD.replace("action = 8", "action = 13") + BODY, encoding="utf-8")
    r = qpv("--sans-rapport", "--data", str(path), "export", "-o", str(tmp_path / "client.csv"))
    assert r.code == 1
    assert "action 13 inconnue (actions définies : 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)" in r.err
    assert "retirez « --data" not in r.err
    assert r.err.splitlines()[-1] == (
        "Avec --sans-rapport, vos exemples peuvent renvoyer aux actions du rapport (1 à 11) sans les"
        " définir, ou à celles que vos fichiers définissent sous [[actions]] (voir docs/catalogue-personnel.md)."
    )
    assert not (tmp_path / "client.csv").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["list", "--axe", "5"],
            "qpv : --axe : « 5 » inconnu (les axes sont numérotés de 1 à 4). Valeurs possibles : 1 ou diagnostic,"
            " 2 ou cohesion, 3 ou habitabilite, 4 ou economie.\n",
        ),
        (
            ["export", "--output"],
            "qpv : l'option --output attend une valeur (un nom de fichier, par exemple -o note.docx)",
        ),
        (["export", "-o"], "qpv : l'option -o attend une valeur (un nom de fichier, par exemple -o note.docx)"),
        (
            ["list", "--data"],
            "qpv : l'option --data attend une valeur (un catalogue, par exemple --data mes-exemples.toml)",
        ),
        (
            ["list", "--cout-max"],
            "qpv : l'option --cout-max attend une valeur (un montant en euros, par exemple 40000)",
        ),
    ],
)
def test_a_missing_or_wrong_value_says_what_is_expected(qpv, args, message):
    """« --axe 5 » did not say the axes go from 1 to 4; « --output attend une valeur après elle »
    read oddly."""
    r = qpv(*args)
    assert r.code == 2 and r.err.startswith(message), r.err


def test_nouveau_sans_rapport_accepts_the_reports_actions(qpv, tmp_path):
    path = tmp_path / "cabinet.toml"
    r = qpv(
        "--sans-rapport",
        "nouveau",
        "-o",
        str(path),
        "--action",
        "8",
        "--titre",
        "Jardin",
        "--description",
        "Un jardin.",
    )
    assert r.code == 0, r.err
    assert "action = 8" in path.read_text(encoding="utf-8")


# ---------------------------------------------------------------------------- Word, as it opens


def test_word_note_has_no_blank_page_after_its_table_of_contents(qpv, tmp_path):
    """With 14 examples the contents filled page 1 to the bottom: the page break, a paragraph
    of its own, fell on page 2 and left it blank. The first heading starts a page instead."""
    import docx
    from docx.oxml.ns import qn

    target = tmp_path / "note.docx"
    assert qpv("export", "--theme", "chaleur", "--theme", "végétalisation", "-o", str(target)).code == 0
    document = docx.Document(str(target))
    breaks = [p for p in document.paragraphs if any(br.get(qn("w:type")) == "page" for br in p._p.iter(qn("w:br")))]
    assert breaks == []
    first = next(p for p in document.paragraphs if p.style.name == "Heading 1")
    assert first.text.startswith("Axe 1 —") and first.paragraph_format.page_break_before


# ---------------------------------------------------------------------------- where and how to write


@pytest.mark.parametrize(
    ("name", "advice"),
    [
        ("note.odt", "écrivez -o note.docx : un document Word, que LibreOffice Writer ouvre aussi"),
        ("note.doc", "écrivez -o note.docx : un document Word, que LibreOffice Writer ouvre aussi"),
        ("tableau.ods", "écrivez -o tableau.xlsx : un classeur Excel, que LibreOffice Calc ouvre aussi"),
        ("tableau.xls", "écrivez -o tableau.xlsx : un classeur Excel, que LibreOffice Calc ouvre aussi"),
        (
            "note.pdf",
            "qpv n'écrit pas de PDF : écrivez -o note.docx (Word) ou -o note.html (page web), puis"
            " enregistrez-le ou imprimez-le en PDF",
        ),
    ],
)
def test_an_office_extension_qpv_does_not_write_gets_the_one_it_does(qpv, tmp_path, name, advice):
    r = qpv("export", "--theme", "chaleur", "-o", str(tmp_path / name))
    assert r.code == 2
    assert r.err == f"qpv : --output : {advice}.\n"
    assert not (tmp_path / name).exists()


def test_a_fiche_in_odt_or_pdf_gets_the_same_advice(qpv, tmp_path):
    r = qpv("show", "paris-ilots-de-fraicheur", "-o", str(tmp_path / "fiche.odt"))
    assert (r.code, r.err) == (
        2,
        "qpv : --output : écrivez -o fiche.docx : un document Word, que LibreOffice Writer ouvre aussi.\n",
    )


def test_a_folder_that_does_not_exist_says_what_to_do(qpv, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = qpv("export", "--theme", "chaleur", "-o", "Mes notes/note.docx")
    assert (r.code, r.err) == (
        1,
        "qpv : Mes notes/note.docx : le dossier « Mes notes » n'existe pas : créez-le d'abord"
        " (mkdir -p 'Mes notes') ou indiquez un dossier qui existe.\n",
    )
    r = qpv("nouveau", "-o", "Catalogues/cabinet.toml", "--action", "8", "--titre", "J", "--description", "D")
    assert r.err.endswith(
        f"n'existe pas : créez-le d'abord (mkdir -p {tmp_path / 'Catalogues'}) ou indiquez un dossier qui existe.\n"
    )


# ---------------------------------------------------------------------------- --help


@pytest.mark.parametrize("command", ["list", "search", "show", "export", "facettes", "nouveau", "valider", "actions"])
def test_help_texts_of_options_start_in_one_column(qpv, command):
    """« TEXT » said « TEXTE », « PATH » « FICHIER » after click had laid the columns out:
    the lines of those options were one to three characters off the others."""
    r = qpv(command, "--help")
    assert r.code == 0
    options = r.out.split("Options :", 1)[1]
    starts = {
        re.search(r"\S  +(?=\S)", line).end()
        for line in options.splitlines()
        if re.match(r"^  --?\w", line) and re.search(r"\S  +\S", line)
    }
    assert len(starts) == 1, options
