"""The SQLite store: built once, trusted only when made from the same sources, rebuilt when
stale, foreign or damaged, safe under concurrent first runs, in memory when it cannot be kept."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from qpvcli import cache
from qpvcli.api import Qpv

USER = """\
[catalogue]
titre = "Mes exemples"
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


def stores() -> list[Path]:
    folder = cache.cache_dir()
    return sorted(folder.glob("qpv-*.sqlite3")) if folder.is_dir() else []


def built_at(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT valeur FROM meta WHERE cle = 'cle'").fetchone()[0] + str(path.stat().st_ino)
    finally:
        conn.close()


def first_hit(qpv: Qpv, query: str) -> str:
    return qpv.search(query).hits[0].exemple.id


def first_id(piped_search: str) -> str:
    """The id of the first result of a piped `qpv search` (TSV: score, id, ...)."""
    return piped_search.splitlines()[1].split("\t")[1]


def start(folder: Path, *args: str) -> subprocess.Popen:
    """The real CLI in a new process, with its own cache folder."""
    return subprocess.Popen(
        [sys.executable, "-m", "qpvcli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "QPV_CACHE_DIR": str(folder)},
    )


def test_second_run_reads_the_store_it_built(user):
    Qpv.open([user])
    (store,) = stores()
    stamp = built_at(store)
    again = Qpv.open([user])
    assert built_at(store) == stamp, "read back, not rebuilt"
    assert again.get("ivry-jardin").titre == "Jardin partagé à Ivry"
    assert first_hit(again, "jardin ivry") == "ivry-jardin"
    assert len(again) == 41
    assert not again.notices


def test_the_content_key_hashed_during_the_build_is_the_key_of_the_sources(user, monkeypatch):
    """The content key is hashed in a thread while the build reads the files: the one stored
    is the sources' key, and an error of the thread is the build's."""
    Qpv.open([user])
    (store,) = stores()
    conn = sqlite3.connect(store)
    (stored,) = conn.execute("SELECT valeur FROM meta WHERE cle = 'cle'").fetchone()
    conn.close()
    assert stored == cache._Sources([user], True).content_key()
    store.unlink()

    def unreadable(self, path):
        raise OSError("illisible")

    monkeypatch.setattr(cache._Sources, "_file_key", unreadable)
    key = cache._Sources([user], True).content_key_later()
    with pytest.raises(OSError, match="illisible"):
        key()


def test_any_change_of_a_source_rebuilds(user):
    Qpv.open([user])
    user.write_text(USER.replace("Jardin partagé", "Verger partagé"), encoding="utf-8")
    fresh = Qpv.open([user])
    assert fresh.get("ivry-jardin").titre == "Verger partagé à Ivry"
    assert len(stores()) == 1, "the new store replaces the old one"


def test_same_size_and_same_mtime_edit_is_seen(user):
    """A coarse-timestamp disk (FAT, some network drives) cannot tell two edits made in the same
    second apart: the store must not trust a signature taken that close to an edit."""
    Qpv.open([user])
    st = user.stat()
    user.write_text(USER.replace("Jardin", "Verger"), encoding="utf-8")  # same size
    os.utime(user, ns=(st.st_atime_ns, st.st_mtime_ns))  # same mtime
    assert user.stat().st_size == st.st_size
    assert Qpv.open([user]).get("ivry-jardin").titre == "Verger partagé à Ivry"


def test_unchanged_sources_are_not_read_again(user, monkeypatch):
    Qpv.open([user])
    # Make the store's signature old enough not to be "racy", as on the next day.
    (store,) = stores()
    conn = sqlite3.connect(store)
    with conn:
        conn.execute("UPDATE meta SET valeur = ? WHERE cle = 'signe_le'", (str(10**20),))
    conn.close()
    read = []
    real = cache.read_bytes
    monkeypatch.setattr(cache, "read_bytes", lambda p, label: read.append(p) or real(p, label))
    blocks = cache.read_blocks
    monkeypatch.setattr(cache, "read_blocks", lambda p, label: read.append(p) or blocks(p, label))
    assert Qpv.open([user]).get("ivry-jardin") is not None
    assert read == []


def test_report_and_user_sets_have_separate_stores(user):
    Qpv.open([])
    Qpv.open([user])
    assert len(stores()) == 2


def test_another_catalogues_store_under_this_name_is_not_used(user, tmp_path):
    other = tmp_path / "autre.toml"
    other.write_text(USER.replace("ivry-jardin", "autre-jardin"), encoding="utf-8")
    Qpv.open([other])
    (foreign,) = stores()
    Qpv.open([user])
    (mine,) = [p for p in stores() if p != foreign]
    mine.write_bytes(foreign.read_bytes())
    again = Qpv.open([user])
    assert again.get("ivry-jardin") is not None and again.get("autre-jardin") is None


@pytest.mark.parametrize("damage", ["truncate", "garbage", "empty", "other-sqlite", "flip-pages"])
def test_damaged_or_foreign_store_is_rebuilt(user, damage):
    Qpv.open([user])
    (store,) = stores()
    data = bytearray(store.read_bytes())
    if damage == "truncate":
        data = data[: len(data) // 3]
    elif damage == "garbage":
        data = bytearray(os.urandom(len(data)))
    elif damage == "empty":
        data = bytearray()
    elif damage == "flip-pages":  # the header intact, every later page scrambled
        for i in range(4096, len(data), 7):
            data[i] ^= 0xA5
    if damage == "other-sqlite":
        store.unlink()
        conn = sqlite3.connect(store)
        conn.execute("CREATE TABLE x (y)")
        conn.commit()
        conn.close()
    else:
        store.write_bytes(bytes(data))
    again = Qpv.open([user])
    assert first_hit(again, "jardin ivry") == "ivry-jardin"
    assert again.get("ivry-jardin").titre == "Jardin partagé à Ivry"
    assert [e.id for e in again.select()][-1] == "ivry-jardin"


def test_store_damaged_after_opening_is_rebuilt_on_the_fly(user):
    opened = Qpv.open([user])
    (store,) = stores()
    conn = sqlite3.connect(store)
    with conn:
        conn.execute("UPDATE postings SET docs = x'00'")  # arrays that cannot agree
    conn.close()
    assert first_hit(opened, "jardin ivry") == "ivry-jardin"
    assert "cache endommagé : reconstruit." in opened.notices


def test_unusable_cache_folder_answers_from_memory_and_says_so(user, tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x", encoding="utf-8")
    monkeypatch.setenv("QPV_CACHE_DIR", str(blocker / "cache"))
    opened = Qpv.open([user])
    assert first_hit(opened, "jardin ivry") == "ivry-jardin"
    (notice,) = opened.notices
    assert notice.startswith("dossier de cache inutilisable (") and "en mémoire" in notice


def test_full_disk_while_building_answers_from_memory(user, monkeypatch):
    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cache.os, "replace", full)
    opened = Qpv.open([user])
    assert opened.get("ivry-jardin") is not None
    assert "No space left on device" in opened.notices[0]
    assert stores() == [] and not list(cache.cache_dir().glob("*.tmp")), "nothing half-written is left"


def test_read_only_cache_folder(user, tmp_path, monkeypatch):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    monkeypatch.setenv("QPV_CACHE_DIR", str(folder))
    try:
        if os.access(folder, os.W_OK):
            pytest.skip("running as root: a read-only folder is still writable")
        opened = Qpv.open([user])
        assert opened.get("ivry-jardin") is not None and opened.notices
    finally:
        folder.chmod(0o755)


def test_relative_xdg_cache_home_is_ignored(monkeypatch):
    monkeypatch.delenv("QPV_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", "relatif/cache")
    assert cache.cache_dir() == Path.home() / ".cache" / "qpv"
    monkeypatch.setenv("XDG_CACHE_HOME", "/absolu/cache")
    assert cache.cache_dir() == Path("/absolu/cache/qpv")


def test_stdin_source_is_read_and_leaves_no_store(tmp_path):
    folder = tmp_path / "cache"
    env = {**os.environ, "QPV_CACHE_DIR": str(folder)}
    run = subprocess.run(
        [sys.executable, "-m", "qpvcli", "--data", "/dev/stdin", "search", "jardin ivry"],
        input=USER,
        check=False,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert first_id(run.stdout) == "ivry-jardin"
    assert not folder.exists() or not list(folder.iterdir())


def test_concurrent_first_runs_all_succeed_and_build_once(user, tmp_path):
    """Six processes started together on an empty cache: all answer, one store is left."""
    folder = tmp_path / "cache"
    procs = [start(folder, "--data", str(user), "search", "jardin ivry") for _ in range(6)]
    results = [(p.wait(timeout=120), *p.communicate()) for p in procs]
    for code, out, err in results:
        assert code == 0, err
        assert err == ""
        assert first_id(out) == "ivry-jardin"
    assert len(list(folder.glob("*.sqlite3"))) == 1
    assert not list(folder.glob("*.tmp"))


def test_search_while_the_catalogue_is_rewritten(user, tmp_path):
    """Readers and a writer at once: every reader answers, from the old or the new text."""
    folder = tmp_path / "cache"
    readers = []
    for i in range(8):
        user.write_text(USER.replace("Ivry", f"Ivry {i}"), encoding="utf-8")
        readers.append(start(folder, "--data", str(user), "show", "ivry-jardin"))
    for p in readers:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        assert "Jardin partagé à Ivry" in out


def test_cli_follows_the_sources(qpv, user):
    assert first_id(qpv("--data", str(user), "search", "jardin ivry").out) == "ivry-jardin"
    user.write_text(USER.replace("ivry-jardin", "ivry-verger").replace("Jardin", "Verger"), encoding="utf-8")
    assert first_id(qpv("--data", str(user), "search", "verger ivry").out) == "ivry-verger"
    assert qpv("--data", str(user), "search", "jardin ivry").out.count("ivry-jardin") == 0


def test_the_store_key_covers_the_data_files_it_is_built_from():
    from qpvcli.thematiques import THEMES_FILE
    from qpvcli.thesaurus import THESAURUS_FILE

    here = Path(cache.__file__).parent
    assert {here / name for name in cache.DATA_FILES} == {THESAURUS_FILE, THEMES_FILE}


# ---------------------------------------------------------------------------- parallel build


def _table_rows(path: Path) -> dict[str, list[tuple]]:
    """Every table of a store, every row (the time its sources were signed aside), and its
    indexes."""
    conn = sqlite3.connect(path)
    try:
        tables = [t for (t,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        assert {"postings", "vocabulaire", "exemples", "niveaux", "exemple_partenaires", "meta"} <= set(tables)
        rows = {t: sorted(conn.execute(f"SELECT * FROM {t}"), key=repr) for t in tables}
        rows["meta"] = [r for r in rows["meta"] if r[0] != "signe_le"]
        # The postings in the order they were written, too (that of the stems' numbers).
        rows["postings_order"] = conn.execute("SELECT stem, segment FROM postings ORDER BY rowid").fetchall()
        rows["schema"] = sorted(conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master"))
        return rows
    finally:
        conn.close()


@pytest.mark.parametrize("batch", [500, 7])
def test_index_built_in_a_second_process_is_the_same(user, monkeypatch, batch):
    """Large catalogues index in a second process: the store must be exactly the one built in
    a single process (every table, every row, the same indexes), and no scratch file remains;
    whether the batches' texts are prepared by the first process or the second."""
    monkeypatch.setattr(cache, "PARALLEL_ABOVE_BYTES", 10**12)
    Qpv.open([user])
    (alone,) = stores()
    expected = _table_rows(alone)
    alone.unlink()
    monkeypatch.setattr(cache, "PARALLEL_ABOVE_BYTES", 0)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    from qpvcli.search import index

    started = []
    original = index.ParallelIndex.__init__

    def init(self, *args):
        started.append(args)
        original(self, *args)

    monkeypatch.setattr(index.ParallelIndex, "__init__", init)
    monkeypatch.setattr(index.ParallelIndex, "BATCH", batch)
    assert first_hit(Qpv.open([user]), "jardin ivry") == "ivry-jardin"
    assert started, "the second process was not used"
    (store,) = stores()
    assert _table_rows(store) == expected
    assert [p.name for p in store.parent.iterdir() if p.name.endswith(".tmp")] == []


def test_a_second_process_that_dies_falls_back_to_memory_and_leaves_nothing(user, monkeypatch):
    monkeypatch.setattr(cache, "PARALLEL_ABOVE_BYTES", 0)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    from qpvcli.search import index

    original = index.ParallelIndex.add_texts

    def add_after_killing(self, texts):
        if self.worker.is_alive():
            self.worker.kill()
            self.worker.join()
        self.BATCH = 1  # send at once: the dead worker is noticed on this record
        original(self, texts)

    monkeypatch.setattr(index.ParallelIndex, "add_texts", add_after_killing)
    qpv = Qpv.open([user])
    assert any("second processus" in n for n in qpv.notices), qpv.notices
    assert first_hit(qpv, "jardin ivry") == "ivry-jardin"  # answered from memory
    folder = cache.cache_dir()
    assert [p.name for p in folder.iterdir() if not p.name.endswith(".lock")] == []


def test_a_killed_qpv_leaves_no_indexing_process_holding_the_lock(tmp_path):
    """kill -9 during a parallel build: the second process must end too (it would otherwise hold
    the store's lock it inherited, and the next run would wait for it), and the next run builds
    and answers."""
    import fcntl
    import signal
    import time

    from .test_reading import big_catalogue

    big = tmp_path / "gros.toml"
    big.write_text(big_catalogue(40_000), encoding="utf-8")
    assert big.stat().st_size >= cache.PARALLEL_ABOVE_BYTES
    folder = tmp_path / "cache"
    proc = start(folder, "--sans-rapport", "--data", str(big), "search", "remplissage")
    deadline = time.monotonic() + 60
    while not list(folder.glob("*.index.tmp")) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    if proc.poll() is not None or not list(folder.glob("*.index.tmp")):
        pytest.skip("the build ended before it could be interrupted (a single core, or a very fast machine)")
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    (lock,) = folder.glob("*.lock")
    with open(lock, "rb") as f:
        deadline = time.monotonic() + 20
        while True:
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                assert time.monotonic() < deadline, "an orphan still holds the store's lock"
                time.sleep(0.1)
        fcntl.flock(f, fcntl.LOCK_UN)
    again = start(folder, "--sans-rapport", "--data", str(big), "search", "remplissage", "--limit", "1")
    out, err = again.communicate(timeout=120)
    assert again.returncode == 0, err
    assert first_id(out).startswith("exemple-")
    assert not list(folder.glob("*.tmp"))


def test_a_script_without_a_main_guard_can_build_in_a_second_process(user, tmp_path):
    """The worker is a fresh interpreter, which imports the caller's main script again: a script
    without `if __name__ == "__main__":` used to open the catalogue again there and wait for the
    lock its parent held (both stuck for 10 minutes). It must not see the script."""
    script = tmp_path / "script.py"
    script.write_text(
        "import os\n"
        "from qpvcli import cache\n"
        "from qpvcli.api import Qpv\n"
        "cache.PARALLEL_ABOVE_BYTES = 0\n"
        "os.cpu_count = lambda: 2\n"
        "print('run', flush=True)\n"
        f"print(Qpv.open([{str(user)!r}]).search('jardin').hits[0].exemple.id)\n",
        encoding="utf-8",
    )
    env = {**os.environ, "QPV_CACHE_DIR": str(tmp_path / "cache")}
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["run", "ivry-jardin"]  # the script ran once, not in the worker
