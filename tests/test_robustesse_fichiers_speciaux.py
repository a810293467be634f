"""Issue #14, « Only regular files are replaced »: -o into a FIFO, a device or a terminal writes
into it as a shell redirect would; protected paths are never outputs; French errors for loops,
long names and folders; permissions from the umask; the streaming `open_output`."""

from __future__ import annotations

import os
import stat
import subprocess
import threading
from pathlib import Path

import pytest

from qpvcli.errors import QpvError
from qpvcli.files import open_output, write_output

from .procs import QPV, run


def test_export_into_a_fifo_writes_into_it_and_keeps_it(tmp_path):
    fifo = tmp_path / "tube"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    r = run(["export", "--action", "8", "--format", "json", "-o", str(fifo), "--force"], timeout=60)
    reader.join(30)
    assert r.returncode == 0, r.stderr
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert got and got[0].startswith(b"{")
    assert [p.name for p in tmp_path.iterdir()] == ["tube"]


def test_export_into_a_fifo_whose_reader_leaves_early(tmp_path):
    fifo = tmp_path / "tube"
    os.mkfifo(fifo)
    reader = subprocess.Popen(["head", "-c", "10", str(fifo)], stdout=subprocess.DEVNULL)
    r = run(["export", "--format", "md", "-o", str(fifo)], timeout=60)
    reader.wait(30)
    assert r.returncode == 0 and b"Traceback" not in r.stderr
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


@pytest.mark.parametrize("force", [[], ["--force"]])
def test_export_to_dev_null_never_replaces_it(qpv, force):
    before = os.stat("/dev/null")
    r = qpv("export", "--format", "csv", "-o", "/dev/null", *force)
    assert r.code == 0, r.err
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and after.st_ino == before.st_ino and after.st_rdev == before.st_rdev


def test_export_to_dev_full_is_disk_full(qpv):
    r = qpv("export", "--format", "csv", "-o", "/dev/full", "--force")
    assert r.code == 1 and "disque plein" in r.err
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


def test_export_to_a_terminal_is_written_there_and_made_safe(tmp_path):
    hostile = tmp_path / "h.toml"
    hostile.write_text(
        '[catalogue]\nversion_schema = 1\n[[exemples]]\nid = "h"\naction = 8\n'
        'titre = "Titre \\u001b]0;piège\\u0007 \\u202e fin"\ndescription = "D"\n',
        encoding="utf-8",
    )
    import pty
    import select

    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [*QPV, "--data", str(hostile), "export", "--format", "csv", "-o", os.ttyname(slave)], stderr=subprocess.PIPE
    )
    chunks = []
    while proc.poll() is None or select.select([master], [], [], 0.2)[0]:
        if select.select([master], [], [], 0.2)[0]:
            chunks.append(os.read(master, 65536))
    os.close(slave)
    os.close(master)
    screen = b"".join(chunks)
    assert proc.returncode == 0, proc.stderr.read()
    assert b"\x1b]0;" not in screen and "\u202e".encode() not in screen
    assert "␛]0;piège␇".encode() in screen


def test_never_overwrites_the_bundled_catalogue(qpv):
    from qpvcli.sources import bundled_path

    bundled = bundled_path()
    before = bundled.read_bytes()
    r = qpv("export", "--format", "toml", "-o", str(bundled), "--force")
    assert r.code == 1 and "ne sera pas écrasé" in r.err
    assert bundled.read_bytes() == before


def test_catalogue_being_read_is_protected_through_links(qpv, tmp_path):
    source = tmp_path / "mes-exemples.toml"
    source.write_text("[catalogue]\nversion_schema = 1\n", encoding="utf-8")
    (tmp_path / "lien.toml").symlink_to(source)
    os.link(source, tmp_path / "dur.toml")
    (tmp_path / "sous").mkdir()
    for alias in ("lien.toml", "dur.toml", "sous/../mes-exemples.toml"):
        r = qpv(
            "--data", str(tmp_path / "lien.toml"), "export", "--format", "toml", "-o", str(tmp_path / alias), "--force"
        )
        assert r.code == 1 and "en cours de lecture" in r.err, alias
    assert source.read_text(encoding="utf-8") == "[catalogue]\nversion_schema = 1\n"


def test_catalogue_from_qpv_data_is_protected(qpv, tmp_path, monkeypatch):
    source = tmp_path / "c.toml"
    source.write_text("[catalogue]\nversion_schema = 1\n", encoding="utf-8")
    monkeypatch.setenv("QPV_DATA", str(source))
    monkeypatch.chdir(tmp_path)
    r = qpv("export", "--format", "toml", "-o", "c.toml", "--force")
    assert r.code == 1 and "en cours de lecture" in r.err


def test_cache_folder_is_never_an_output(qpv, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("QPV_CACHE_DIR", str(cache))
    assert qpv("list").code == 0
    stores = list(cache.iterdir())
    assert stores
    r = qpv("export", "--format", "md", "-o", str(stores[0]), "--force")
    assert r.code == 1 and "cache" in r.err
    r = qpv("export", "-o", str(cache / "nouveau.md"))
    assert r.code == 1 and "cache" in r.err


def test_output_symlink_loop(qpv, tmp_path):
    loop = tmp_path / "boucle.md"
    loop.symlink_to("boucle.md")
    r = qpv("export", "-o", str(loop), "--force")
    assert r.code == 1 and "boucle de liens symboliques" in r.err and "Traceback" not in r.err


def test_output_symlink_is_kept_and_its_target_replaced(qpv, tmp_path):
    real = tmp_path / "vrai.md"
    real.write_text("ancien", encoding="utf-8")
    link = tmp_path / "lien.md"
    link.symlink_to(real.name)
    r = qpv("export", "--action", "1", "-o", str(link), "--force")
    assert r.code == 0, r.err
    assert link.is_symlink() and real.read_text(encoding="utf-8").startswith("# ")


@pytest.mark.parametrize("name", ["a" * 256 + ".md", "é" * 128 + ".md", "dossier" * 40 + "/x.md"])
def test_output_name_too_long(qpv, tmp_path, name):
    r = qpv("export", "-o", str(tmp_path / name))
    assert r.code == 1 and "nom de fichier trop long" in r.err and "Traceback" not in r.err


@pytest.mark.parametrize("command", [["export"], ["nouveau", "--action", "8", "--titre", "T", "--description", "D"]])
def test_output_folder_is_a_french_usage_error(qpv, tmp_path, command):
    r = qpv(*command, "-o", str(tmp_path))
    assert r.code == 2 and "dossier" in r.err and "is a directory" not in r.err


def test_output_read_only_file_is_refused_even_with_force(qpv, tmp_path):
    target = tmp_path / "x.md"
    target.write_text("gardé", encoding="utf-8")
    target.chmod(0o444)
    r = qpv("export", "-o", str(target), "--force")
    assert r.code == 1 and "lecture seule" in r.err
    assert target.read_text(encoding="utf-8") == "gardé"


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_new_files_get_the_umask_permissions(tmp_path, umask):
    target = tmp_path / "x.csv"
    old = os.umask(umask)
    try:
        r = run(["export", "--format", "csv", "-o", str(target)])
    finally:
        os.umask(old)
    assert r.returncode == 0
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask


def test_existing_file_keeps_its_permissions(qpv, tmp_path):
    target = tmp_path / "x.csv"
    target.write_text("", encoding="utf-8")
    target.chmod(0o600)
    assert qpv("export", "--format", "csv", "-o", str(target), "--force").code == 0
    assert target.stat().st_mode & 0o777 == 0o600


# ---------------------------------------------------------------------------- open_output


def test_open_output_streams_then_renames(tmp_path):
    target = tmp_path / "gros.csv"
    with open_output(target, force=False) as f:
        for i in range(1000):
            f.write(f"ligne {i}\n".encode())
        assert not target.exists()  # not there until the block ends
    assert target.read_bytes().count(b"\n") == 1000
    assert [p.name for p in tmp_path.iterdir()] == ["gros.csv"]


@pytest.mark.parametrize("failure", [RuntimeError("boom"), KeyboardInterrupt()])
def test_open_output_failure_keeps_old_file_and_no_temp(tmp_path, failure):
    target = tmp_path / "x.csv"
    target.write_bytes(b"ancien")
    with pytest.raises(type(failure)), open_output(target, force=True) as f:
        f.write(b"nouveau")
        raise failure
    assert target.read_bytes() == b"ancien"
    assert [p.name for p in tmp_path.iterdir()] == ["x.csv"]


def test_open_output_special_file_written_directly():
    with open_output(Path("/dev/null"), force=False) as f:
        f.write(b"rien")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_write_output_keeps_its_signature(tmp_path):
    write_output(tmp_path / "a.md", b"x", force=False, protected=())
    with pytest.raises(QpvError):
        write_output(tmp_path / "a.md", b"y", force=False)
    assert (tmp_path / "a.md").read_bytes() == b"x"


def test_sigterm_during_export_to_fifo_without_reader(tmp_path):
    """Blocked as a shell redirect would be (no reader); SIGTERM ends it cleanly."""
    import signal
    import time

    fifo = tmp_path / "tube"
    os.mkfifo(fifo)
    proc = subprocess.Popen([*QPV, "export", "-o", str(fifo)], stderr=subprocess.PIPE)
    time.sleep(1.5)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 143 and err.decode() == "qpv : interrompu (SIGTERM).\n"
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


@pytest.mark.parametrize("device", ["/dev/stdout", "/dev/stderr", "/dev/fd/1"])
def test_export_to_a_standard_stream_in_a_pipe(device):
    from .procs import shell

    redirect = "2>&1 >/dev/null" if device == "/dev/stderr" else ""
    r = shell(f"qpv export --action 8 --format csv -o {device} --force {redirect} | head -c 3 | od -An -c")
    assert r.returncode == 0, r.stderr
    assert b"Traceback" not in r.stderr and b"357 273 277" in r.stdout.replace(b"  ", b" ")  # the CSV's BOM
