"""Reading catalogue files: big catalogues are parsed block by block, with exact positions."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


# ---------------------------------------------------------------------------- files read in blocks


def stream_catalogue(n: int) -> str:
    """A catalogue whose text has the traps of a block boundary: characters of 2, 3 and 4
    bytes (a typographic apostrophe makes Python hold the text at 2 bytes a character), and
    multi-line texts holding an « [[exemples]] » line."""
    text = big_catalogue(n).replace("Texte de remplissage", "L’été à Aubervilliers, 🌳 près du métro")
    piege = 'description = """\n[[exemples]]\nfaux en-tête, l’été"""\n'
    return text.replace('description = "L’été', piege + 'methode = "L’été', n // 3)


def outcome(run) -> tuple[list[dict], list[tuple]]:
    from qpvcli.errors import CatalogueError

    records: list = []
    try:
        _, problems = run(lambda e, *_: records.append(e.to_dict()))
    except CatalogueError as err:
        problems = err.problems
    return records, [(p.message, p.ligne, p.colonne, p.gravite) for p in problems]


@pytest.fixture
def small_blocks(monkeypatch):
    """Streaming with small numbers, so that a small file crosses many blocks and runs."""
    from qpvcli import reading, sources

    monkeypatch.setattr(sources, "BLOCK_BYTES", 1009)  # a prime: boundaries fall everywhere
    monkeypatch.setattr(reading, "STREAM_ABOVE_BYTES", 2000)
    monkeypatch.setattr(reading, "STREAM_BATCH", 7)


def streamed(path, monkeypatch, *, may_read_whole=False):
    """The outcome of building from a file read in blocks (asserting it was not read whole)."""
    from qpvcli.catalogue import FileSource
    from qpvcli.sources import decode

    whole_reads = []

    def read():
        whole_reads.append(path)
        return decode(path.read_bytes(), str(path))

    result = outcome(lambda sink: build([FileSource(str(path), read, path)], sink=sink))
    assert may_read_whole or not whole_reads
    return result


def whole(path, monkeypatch):
    """The reference: the file decoded whole and parsed in one piece."""
    from qpvcli import reading
    from qpvcli.sources import decode

    with monkeypatch.context() as m:
        m.setattr(reading, "STREAM_ABOVE_BYTES", 10**12)
        return outcome(lambda sink: build([Source(str(path), decode(path.read_bytes(), str(path)))], sink=sink))


@pytest.mark.parametrize("form", ["lf", "crlf", "bom"])
def test_a_file_read_in_blocks_gives_the_same_records(tmp_path, monkeypatch, small_blocks, form):
    from qpvcli import sources

    text = stream_catalogue(60)
    data = (text.replace("\n", "\r\n") if form == "crlf" else text).encode()
    data = b"\xef\xbb\xbf" + data if form == "bom" else data
    path = tmp_path / "gros.toml"
    path.write_bytes(data)
    reference = whole(path, monkeypatch)
    # Blocks that end inside a 3-byte character, inside an « [[exemples]] » line written in
    # a multi-line text, inside a CRLF line end, and anywhere.
    sizes = [data.index("’".encode()) + 1, data.index(b'"""\r\n[[exem' if form == "crlf" else b'"""\n[[exem') + 9]
    sizes += [data.index(b"\r\n") + 1] if form == "crlf" else []
    for size in [*sizes, 1009]:
        monkeypatch.setattr(sources, "BLOCK_BYTES", size)
        records, problems = streamed(path, monkeypatch)
        assert len(records) == 60 and (records, problems) == reference
    assert sum("[[exemples]]" in r["description"] for r in records) == 20


@pytest.mark.parametrize(
    "change",
    [
        ('titre = "Exemple 40"', 'titre = "Exemple sans fin'),  # syntax: the block does not parse
        ('action = 3\ntitre = "Exemple 33"', 'action = "trois"\ntitre = "Exemple 33"'),  # a field's type
        ('id = "exemple-50"', 'id = "exemple-12"'),  # an id used twice
        ('id = "exemple-21"\n', 'id = "exemple-21"\ninconnu = 1\n'),
    ],
)
def test_a_file_read_in_blocks_gives_the_same_problems_at_the_same_lines(tmp_path, monkeypatch, small_blocks, change):
    path = tmp_path / "gros.toml"
    path.write_text(stream_catalogue(60).replace(*change), encoding="utf-8")
    problems = streamed(path, monkeypatch, may_read_whole=True)[1]
    assert problems and all(line for _, line, _, _ in problems)
    assert problems == whole(path, monkeypatch)[1]  # (records before an error may have been read)


def test_a_header_inside_a_multiline_text_at_a_cut_is_read_on(tmp_path, monkeypatch, small_blocks):
    """Runs of [[exemples]] are cut at every 7th header line, also one inside a text: that run
    does not parse alone, and is read on with the next one, not sent through the whole file."""
    text = big_catalogue(30).replace(
        'id = "exemple-5"\n', 'id = "exemple-5"\nmethode = """\n[[exemples]]\nfaux"""\n', 1
    )  # the 7th header line: a cut
    path = tmp_path / "gros.toml"
    path.write_text(text, encoding="utf-8")
    records, problems = streamed(path, monkeypatch)
    assert len(records) == 30 and (records, problems) == whole(path, monkeypatch)


@pytest.mark.parametrize(
    "damage",
    [
        lambda d: d[:3000] + b"\xe9" + d[3000:],  # Latin-1 at line ~60
        lambda d: d[:-5000] + b"\0" + d[-5000:],  # a NUL near the end
        lambda d: d[:100] + b"\0" + d[100:-100] + b"\xff" + d[-100:],  # NUL first, then not UTF-8
        lambda d: d.replace(b"\n", b"\r"),  # old Mac line ends
        lambda d: d.decode().encode("utf-16"),  # UTF-16 with its mark: decoded whole
        # A block that does not parse (read whole to locate it), then a byte that is not UTF-8.
        lambda d: d.replace(b'titre = "Exemple 20"', b'titre = "Exemple 20', 1)[:-3000] + b"\xe9" + d[-3000:],
        # A head that does not parse alone (the file is read whole), then a NUL.
        lambda d: (
            d.replace(b"[catalogue]\n", b'[catalogue]\nd = """\n[[exemples]]\n"""\n', 1)[:-300] + b"\0" + d[-300:]
        ),
    ],
)
def test_a_file_read_in_blocks_gives_the_same_decoding_errors(tmp_path, monkeypatch, small_blocks, damage):
    path = tmp_path / "gros.toml"
    path.write_bytes(damage(stream_catalogue(40).encode()))
    assert streamed(path, monkeypatch, may_read_whole=True)[1] == whole(path, monkeypatch)[1]


def test_decoding_in_blocks_is_decoding_whole():
    """`decode_lines` gives `decode`'s text, or its error at the same place, however cut."""
    import random

    from qpvcli.errors import CatalogueError
    from qpvcli.sources import NotUtf8, decode, decode_lines

    def result(run):
        try:
            return run()
        except CatalogueError as err:
            return [(p.message, p.ligne, p.colonne) for p in err.problems]

    rnd = random.Random(10)
    pieces = [b"a", b"\n", b"\r\n", "é".encode(), "’".encode(), "🌳".encode(), b"\0", b"\xff", b"\xe2\x80", b"\r"]
    for _ in range(3000):
        data = b"".join(rnd.choice(pieces) if rnd.random() < 0.3 else b"x" for _ in range(rnd.randint(0, 50)))
        data = rnd.choice([b"", b"\xef\xbb\xbf", b"a" * 5000]) + data
        size = rnd.randint(1, 6)
        blocks = [data[i : i + size] for i in range(0, len(data), size)]
        try:
            chunks = result(lambda blocks=blocks: list(decode_lines(blocks, "f.toml")))
        except NotUtf8:
            continue
        expected = result(lambda data=data: decode(data, "f.toml"))
        if isinstance(expected, str):  # the text, in pieces of whole lines
            assert "".join(chunks) == expected and all(c.endswith("\n") for c in chunks[:-1]), (data, size)
        else:  # the same error
            assert chunks == expected, (data, size)


def test_a_big_file_is_held_neither_as_bytes_nor_as_text(tmp_path, monkeypatch):
    """Memory follows a block and a run of records, not the file (here 13 Mo, 2 bytes a
    character once decoded, 4 with an emoji): a few blocks of 64 Ko and runs of 10 records."""
    import tracemalloc

    from qpvcli import reading, sources

    monkeypatch.setattr(sources, "BLOCK_BYTES", 64 * 1024)
    monkeypatch.setattr(reading, "STREAM_BATCH", 10)
    path = tmp_path / "gros.toml"
    # Long records: what is kept per record to check ids (~250 bytes) stays small here.
    path.write_text(stream_catalogue(2_500).replace("mégaoctet. ", "mégaoctet. " * 100), encoding="utf-8")
    size = path.stat().st_size
    assert size > 10 * 2**20
    read_sizes = []
    real = sources.read_blocks
    monkeypatch.setattr(
        sources, "read_blocks", lambda p, label: (read_sizes.append(len(b)) or b for b in real(p, label))
    )
    from qpvcli.catalogue import FileSource

    def unread():
        raise AssertionError("read whole")

    count = []
    tracemalloc.start()
    try:
        build([FileSource(str(path), unread, path)], sink=lambda *_: count.append(1))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(count) == 2_500
    assert max(read_sizes) <= 64 * 1024
    assert peak < size / 3, f"pic {peak / 2**20:.1f} Mo pour un fichier de {size / 2**20:.1f} Mo"


# ---------------------------------------------------------------------------- beyond the size cap


@pytest.fixture
def small_cap(monkeypatch, small_blocks):
    """A cap of 20 Ko on files read whole: the streamed files of these tests exceed it."""
    from qpvcli import sources

    monkeypatch.setattr(sources, "MAX_FILE_BYTES", 20_000)


def test_a_file_over_the_cap_is_read_in_blocks_by_the_store(qpv, tmp_path, small_cap):
    path = tmp_path / "gros.toml"
    path.write_text(stream_catalogue(300), encoding="utf-8")
    assert path.stat().st_size > 5 * 20_000
    r = qpv("--sans-rapport", "--data", str(path), "show", "exemple-299")
    assert r.code == 0 and "Exemple 299" in r.out, r.err
    r = qpv("--sans-rapport", "--data", str(path), "list", "--format", "json")  # from the store, unchanged
    assert r.code == 0 and r.out.count('"id": "exemple-') == 300


def test_a_broken_block_of_a_file_over_the_cap_is_located_in_its_block(tmp_path, monkeypatch, small_cap):
    """Too big to be parsed whole for an exact position: the block that does not parse says
    where, at its line in the file."""
    path = tmp_path / "gros.toml"
    path.write_text(stream_catalogue(300).replace('titre = "Exemple 250"', 'titre = "Exemple sans fin'), "utf-8")
    problems = streamed(path, monkeypatch, may_read_whole=True)[1]
    line = path.read_text(encoding="utf-8").splitlines().index('titre = "Exemple sans fin') + 1
    assert [(p[1], p[2]) for p in problems] == [(line, 26)] and "guillemet fermant manquant" in problems[0][0]


def test_a_file_over_the_cap_that_cannot_be_streamed_says_why(qpv, tmp_path, small_cap):
    path = tmp_path / "gros.toml"
    path.write_text(stream_catalogue(300) + '\n[[actions]]\nnumero = 12\naxe = "cohesion"\ntitre = "Après"\n', "utf-8")
    r = qpv("--sans-rapport", "--data", str(path), "list")
    assert r.code == 1 and "fichier trop gros" in r.err and "[[exemples]] viennent en dernier" in r.err


def test_a_header_line_in_a_multiline_text_of_the_head(tmp_path, monkeypatch, small_blocks):
    """The head (before the first [[exemples]] line) ends inside a text: it does not parse
    alone, and the file is read whole, as it should be."""
    text = stream_catalogue(30).replace(
        "[catalogue]\n", '[catalogue]\ndescription = """\n[[exemples]]\nun faux en-tête"""\n', 1
    )
    path = tmp_path / "gros.toml"
    path.write_text(text, encoding="utf-8")
    records, problems = streamed(path, monkeypatch, may_read_whole=True)
    assert len(records) == 30 and (records, problems) == whole(path, monkeypatch)
    assert len(build([Source("gros.toml", text)])[0].exemples) == 30  # text held whole, cut in runs


@pytest.mark.parametrize(
    "change",
    [
        ("version_schema = 1\n", ""),  # an information at [catalogue]: searched through the file first
        ("[catalogue]\nversion_schema = 1\n", ""),  # no [catalogue]: an information
        ("version_schema = 1\n", 'version_schema = "1"\n'),  # an error at its line
        ("[[axes]]", "[[axe]]"),  # an unknown section, at its line
    ],
)
def test_a_file_read_in_blocks_gives_the_same_head_problems(tmp_path, monkeypatch, small_blocks, change):
    path = tmp_path / "gros.toml"
    path.write_text(stream_catalogue(40).replace(*change, 1), encoding="utf-8")
    records, problems = streamed(path, monkeypatch)  # and never read whole
    reference = whole(path, monkeypatch)
    assert problems and problems == reference[1]
    if all(gravite != "erreur" for *_, gravite in problems):
        assert records == reference[0]


# Lines around section headers, true and false: the scans of a catalogue for its sections.
HEADER_LINES = [
    "[[exemples]]",
    " [[ exemples ]]",
    "\t[[exemples]] # x",
    "[catalogue]",
    "[[axes]]",
    "[exemples.x]",
    "[ [exemples]]",
    "[[exemples.contacts]]",
    "x = 1",
    "",
    "\r",
    "[[exemplesx]]",
    " [autre]",
]


@given(
    st.lists(st.sampled_from([*HEADER_LINES, "a = [[1]]", '"""']), max_size=12),
    st.integers(0, 60),
)
@settings(max_examples=2000, deadline=None)
def test_header_scans_find_what_the_line_patterns_find(lines, pos):
    """The [[exemples]] and other section headers, found by the newline before them (fast),
    are those the `^` patterns find, from any position."""
    from qpvcli import reading

    text = "\n".join(lines)
    pos = min(pos, len(text))
    assert reading._exemples_headers(text, pos) == [m.start() for m in reading._EXEMPLES_HEADER.finditer(text, pos)]
    assert reading._other_header(text, pos) == (reading._OTHER_HEADER.search(text, pos) is not None)
    first = reading._EXEMPLES_HEADER.search(text)
    assert reading._first_exemples_header(text) == (first.start() if first else None)


@given(
    st.lists(st.sampled_from([*HEADER_LINES, "[\u00a0autre]", "[é]", "é = '’'"]), max_size=12),
    st.integers(1, 40),
    st.booleans(),
)
@settings(max_examples=2000, deadline=None)
def test_the_bytes_scan_finds_what_the_text_scan_finds(tmp_path_factory, lines, size, bom):
    """Whether another section follows the first [[exemples]] line, searched in the bytes of a
    file read in blocks of any size (`_sections_after_exemples`), is what the text patterns
    say of the whole text; or more cautious (another section for a bracket followed by a
    non-ASCII space), never less."""
    from qpvcli import reading, sources

    text = "\n".join(lines)
    path = tmp_path_factory.mktemp("b") / "f.toml"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode())
    first = reading._EXEMPLES_HEADER.search(text)
    expected = None if first is None else reading._OTHER_HEADER.search(text, first.start()) is not None
    real = sources.BLOCK_BYTES
    sources.BLOCK_BYTES = size
    try:
        found = reading._sections_after_exemples(path, "f.toml")
    finally:
        sources.BLOCK_BYTES = real
    if expected is False and "\n[\u00a0autre]" in text[first.start() :]:
        assert found in (False, True)
    else:
        assert found == expected


@pytest.mark.parametrize("broken", ['titre = "Exemple 20', "exemples = []\n[catalogue]"])
def test_a_decoding_error_further_on_is_said_alone(tmp_path, monkeypatch, small_blocks, broken):
    """A file read in blocks whose bytes stop being UTF-8 after a block that does not parse alone
    (or a head that cannot be read alone): the decoding error ends the build alone, as when the file is decoded whole
    before anything is parsed, and the next file is not checked."""
    from qpvcli import reading
    from qpvcli.catalogue import FileSource
    from qpvcli.sources import decode

    monkeypatch.setattr(reading, "_MERGED_CHARS", 1000)  # a run that does not parse: read whole at once
    text = stream_catalogue(60)
    text = (
        text.replace('titre = "Exemple 20"', broken, 1)
        if "Exemple" in broken
        else text.replace("[catalogue]", broken, 1)
    )
    data = text.encode()
    path = tmp_path / "gros.toml"
    path.write_bytes(data[:-3000] + b"\xe9" + data[-3000:])
    other = tmp_path / "autre.toml"
    other.write_text('[[exemples]]\nid = "x"\naction = 99\ntitre = "T"\n', encoding="utf-8")
    sources = [FileSource(str(p), lambda p=p: decode(p.read_bytes(), str(p)), p) for p in (path, other)]
    problems = outcome(lambda sink: build(sources, sink=sink))[1]
    assert problems == outcome(lambda sink: decode(path.read_bytes(), str(path)))[1]
    assert len(problems) == 1 and "UTF-8" in problems[0][0]
