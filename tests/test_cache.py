"""The on-disk cache: reused when valid, rebuilt when stale, foreign or damaged, never trusted;
big catalogues are parsed block by block."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from qpvcli import engine
from qpvcli.catalogue import Source, build

USER = """\
[catalogue]
version_schema = 1

[[exemples]]
id = "ivry-jardin"
action = 8
titre = "Jardin partagé à Ivry"
description = "Un jardin cultivé par les habitants."
"""


@pytest.fixture
def user(tmp_path):
    path = tmp_path / "mes.toml"
    path.write_text(USER, encoding="utf-8")
    return path


def cache_files() -> list[Path]:
    return sorted(engine.cache_dir().glob("qpv-*"))


def test_second_run_comes_from_the_cache(user):
    first = engine.open_engine([user])
    assert not first.from_cache
    assert [p.suffix for p in cache_files()] == [".cache", ".records"]
    second = engine.open_engine([user])
    assert second.from_cache and second.index is None
    second.ensure_index()
    (index_file,) = [p for p in cache_files() if p.suffix == ".index"]
    written = index_file.stat().st_mtime_ns
    third = engine.open_engine([user])
    assert third.from_cache and third.index is None  # a listing never reads the index
    third.ensure_index()
    assert index_file.stat().st_mtime_ns == written  # read back, not rebuilt
    assert third.search("jardin ivry")[0][0][0].id == "ivry-jardin"


def test_any_change_of_a_source_invalidates(user):
    engine.open_engine([user])
    user.write_text(USER.replace("Jardin partagé", "Verger partagé"), encoding="utf-8")
    fresh = engine.open_engine([user])
    assert not fresh.from_cache
    assert fresh.exemple(len(fresh) - 1).titre == "Verger partagé à Ivry"
    assert len(cache_files()) == 2, "the new cache replaces the old one"


def test_report_and_user_sets_have_separate_caches(user):
    engine.open_engine([])
    engine.open_engine([user])
    assert len(cache_files()) == 4


def test_foreign_cache_is_not_used(user, tmp_path):
    other = tmp_path / "autre.toml"
    other.write_text(USER.replace("ivry-jardin", "autre-jardin"), encoding="utf-8")
    engine.open_engine([other])
    foreign = {p.suffix: p for p in cache_files()}
    engine.open_engine([user])
    mine = {p.suffix: p for p in cache_files() if p not in foreign.values()}
    for suffix in (".cache", ".records"):
        mine[suffix].write_bytes(foreign[suffix].read_bytes())  # another catalogue's cache, under this name
    again = engine.open_engine([user])
    assert not again.from_cache
    assert again.exemple(len(again) - 1).id == "ivry-jardin"


@pytest.mark.parametrize("damage", ["truncate", "flip", "garbage"])
def test_damaged_cache_is_rebuilt(user, damage):
    engine.open_engine([user]).ensure_index()
    (cache,) = [p for p in cache_files() if p.suffix == ".cache"]
    data = bytearray(cache.read_bytes())
    if damage == "truncate":
        data = data[: len(data) // 2]
    elif damage == "flip":
        data[-10] ^= 0xFF
    else:
        data = bytearray(os.urandom(len(data)))
    cache.write_bytes(bytes(data))
    again = engine.open_engine([user])
    assert not again.from_cache
    assert again.search("jardin ivry")[0][0][0].id == "ivry-jardin"
    assert engine.open_engine([user]).from_cache, "a good cache was written again"


@pytest.mark.parametrize("damage", ["flip", "truncate", "other-records"])
def test_damaged_or_stale_index_is_rebuilt(user, damage):
    engine.open_engine([user]).ensure_index()
    (index_file,) = [p for p in cache_files() if p.suffix == ".index"]
    data = bytearray(index_file.read_bytes())
    if damage == "flip":
        data[-7] ^= 0x10
        index_file.write_bytes(bytes(data))
    elif damage == "truncate":
        index_file.write_bytes(bytes(data[:100]))
    else:  # the records were rebuilt since: the index belongs to another generation
        user.write_text(USER + "\n", encoding="utf-8")
        engine.open_engine([user])
        user.write_text(USER, encoding="utf-8")
        index_file.write_bytes(bytes(data))
        engine.open_engine([user])  # records rebuilt again, new token
    e = engine.open_engine([user])
    assert e.search("jardin ivry")[0][0][0].id == "ivry-jardin"


def test_damaged_record_is_detected_and_recovered(user):
    engine.open_engine([user])
    (records,) = [p for p in cache_files() if p.suffix == ".records"]
    data = bytearray(records.read_bytes())
    data[-5] ^= 0x01  # same size, one bit changed in the last record
    records.write_bytes(bytes(data))
    cached = engine.open_engine([user])
    assert cached.from_cache
    assert cached.exemple(len(cached) - 1).id == "ivry-jardin"  # rebuilt from the sources
    assert not cached.from_cache


def test_truncated_records_file_is_not_used(user):
    engine.open_engine([user])
    (records,) = [p for p in cache_files() if p.suffix == ".records"]
    records.write_bytes(records.read_bytes()[:-3])
    assert not engine.open_engine([user]).from_cache


def test_unwritable_cache_folder_still_works(user, tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x", encoding="utf-8")
    monkeypatch.setenv("QPV_CACHE_DIR", str(blocker / "cache"))
    e = engine.open_engine([user])
    assert e.search("jardin ivry")[0][0][0].id == "ivry-jardin"


def test_cli_uses_the_cache_and_stays_correct(qpv, user):
    assert qpv("--data", str(user), "search", "jardin ivry").out.splitlines()[1].split("\t")[1] == "ivry-jardin"
    user.write_text(USER.replace("ivry-jardin", "ivry-verger").replace("Jardin", "Verger"), encoding="utf-8")
    assert qpv("--data", str(user), "search", "verger ivry").out.splitlines()[1].split("\t")[1] == "ivry-verger"
    assert qpv("--data", str(user), "search", "jardin ivry").out.count("ivry-jardin") == 0


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
    from qpvcli import catalogue

    text = big_catalogue(5000)
    assert len(text) > catalogue.STREAM_ABOVE_BYTES
    streamed = []
    build([Source("gros.toml", text)], sink=lambda e, raw: streamed.append(e))
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
