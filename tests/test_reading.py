"""Reading catalogue files: big catalogues are parsed block by block, with exact positions."""

from __future__ import annotations

import pytest

from qpvcli.catalogue import Source, build

# ---------------------------------------------------------------------------- streamed parsing


def big_catalogue(n: int, broken_at: int | None = None) -> str:
    blocks = [
        '[catalogue]\nversion_schema = 1\n\n[[axes]]\nid = "cohesion"\nnumero = 2\ntitre = "Cohésion"\n\n'
        '[[actions]]\nnumero = 3\naxe = "cohesion"\ntitre = "Savoir-faire"\n'
    ]
    for i in range(n):
        desc = "Texte de remplissage assez long pour dépasser un mégaoctet. " * 4
        title = f'"Exemple {i}"' if i != broken_at else '"Exemple sans fin'
        blocks.append(f'[[exemples]]\nid = "exemple-{i}"\naction = 3\ntitre = {title}\ndescription = "{desc}"\n')
    return "\n".join(blocks)


def test_big_file_is_parsed_block_by_block_with_the_same_result():
    from qpvcli import reading

    text = big_catalogue(5000)
    assert len(text) > reading.STREAM_ABOVE_BYTES
    streamed = []
    build([Source("gros.toml", text)], sink=lambda e, *_: streamed.append(e))
    whole = build([Source("gros.toml", text)], sink=None)[0].exemples
    assert len(streamed) == 5000 and [e.to_dict() for e in streamed] == [e.to_dict() for e in whole]


def test_big_file_error_position_is_exact():
    from qpvcli.errors import CatalogueError

    text = big_catalogue(5000, broken_at=4321)
    with pytest.raises(CatalogueError) as err:
        build([Source("gros.toml", text)])
    (problem,) = err.value.problems
    line = text.splitlines().index('titre = "Exemple sans fin') + 1
    assert (problem.ligne, problem.colonne) == (line, 26)


def test_big_file_with_a_header_inside_a_multiline_string_still_parses():
    text = (
        big_catalogue(4000)
        + '\n[[exemples]]\nid = "piege"\naction = 3\ntitre = "Piège"\ndescription = """\n[[exemples]]\nfaux en-tête"""\n'
    )
    (catalogue, _) = build([Source("gros.toml", text)])
    assert catalogue.exemples[-1].description.endswith("faux en-tête")


def test_big_file_with_sections_after_the_examples_is_parsed_whole():
    text = (
        big_catalogue(4000).replace("action = 3", "action = 12")
        + '\n[[actions]]\nnumero = 12\naxe = "cohesion"\ntitre = "Après"\n'
    )
    (catalogue, _) = build([Source("gros.toml", text)])
    assert len(catalogue.exemples) == 4000 and catalogue.action(12).titre == "Après"


# ---------------------------------------------------------------------------- files in turn


def test_files_are_read_one_at_a_time_and_once_each():
    """A store's build reads each file when its turn comes, once: the texts of several large
    catalogues are never in memory together (and a file is not read twice)."""
    from qpvcli.catalogue import FileSource

    reads: list[str] = []

    def reader(label: str, text: str):
        def read() -> str:
            reads.append(label)
            return text

        return read

    first = big_catalogue(3)
    second = big_catalogue(2).replace('id = "exemple-', 'id = "autre-')
    seen: list[tuple[str, list[str]]] = []
    build(
        [FileSource("a.toml", reader("a.toml", first)), FileSource("b.toml", reader("b.toml", second))],
        sink=lambda e, *_: seen.append((e.id, list(reads))),
    )
    assert reads == ["a.toml", "b.toml"]
    assert [r for i, r in seen if i.startswith("exemple-")] == [["a.toml"]] * 3
    assert [r for i, r in seen if i.startswith("autre-")] == [["a.toml", "b.toml"]] * 2


def test_a_duplicate_across_files_still_names_the_first_files_line():
    """The one message that needs an earlier file's text reads it again."""
    from qpvcli.catalogue import FileSource
    from qpvcli.errors import CatalogueError

    first = big_catalogue(3)
    second = big_catalogue(1).replace('titre = "Exemple 0"', 'titre = "Autre exemple"')
    with pytest.raises(CatalogueError) as err:
        build([FileSource("a.toml", lambda: first), FileSource("b.toml", lambda: second)])
    assert any("a.toml:" in p.message and "exemple-0" in p.message for p in err.value.problems)
