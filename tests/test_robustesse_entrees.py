"""Issue #14, « Bounded inputs » and « Encodings »: regular files capped, pipes and stdin read
with a cap and a timeout, folders, devices, loops and long names refused in French; UTF-16/32,
old Mac line ends and NUL bytes diagnosed; hostile text bounded at analysis time."""

from __future__ import annotations

import os
import threading
import time

import pytest

from .procs import run, shell

GOOD = '[catalogue]\nversion_schema = 1\n\n[[exemples]]\nid = "a-b"\naction = 8\ntitre = "Titre"\ndescription = "D"\n'
FAST = {"QPV_DELAI_ENTREE": "1"}


def _french(err: bytes) -> str:
    text = err.decode("utf-8")
    assert "Traceback" not in text and "erreur inattendue" not in text, text
    assert text.startswith("qpv : ") or ": " in text
    return text


# ---------------------------------------------------------------------------- pipes


@pytest.mark.parametrize("command", [["--data", "{fifo}", "list"], ["valider", "{fifo}"]])
def test_pipe_with_no_writer_does_not_hang(tmp_path, command):
    fifo = tmp_path / "tube"
    os.mkfifo(fifo)
    start = time.monotonic()
    r = run([a.format(fifo=fifo) for a in command], env=FAST, timeout=30)
    assert time.monotonic() - start < 15
    assert r.returncode == 1
    assert "aucune donnée reçue depuis 1 s" in _french(r.stderr + r.stdout)


def test_pipe_whose_writer_comes_late_is_read(tmp_path):
    fifo = tmp_path / "tube"
    os.mkfifo(fifo)

    def late_writer():
        time.sleep(0.5)
        fifo.write_text(GOOD, encoding="utf-8")

    threading.Thread(target=late_writer, daemon=True).start()
    r = run(["--data", str(fifo), "list"], env={"QPV_DELAI_ENTREE": "20"})
    assert r.returncode == 0, r.stderr
    assert b"a-b\t8\tTitre" in r.stdout


@pytest.mark.parametrize("command", ["qpv --data /dev/stdin list < c.toml", "cat c.toml | qpv --data /dev/stdin list"])
def test_stdin_as_a_catalogue(tmp_path, command):
    (tmp_path / "c.toml").write_text(GOOD, encoding="utf-8")
    r = shell(command, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert b"a-b\t8\tTitre" in r.stdout


def test_process_substitution_and_valider_on_a_pipe(tmp_path):
    (tmp_path / "c.toml").write_text(GOOD, encoding="utf-8")
    r = shell("qpv valider <(cat c.toml) && cat c.toml | qpv valider /dev/stdin", cwd=tmp_path, env=FAST)
    assert r.returncode == 0, r.stderr
    assert r.stderr.decode().count("1 exemple valide") == 2


def test_stdin_from_a_silent_writer_times_out():
    r = shell("sleep 20 | qpv --data /dev/stdin list", env=FAST, timeout=60)
    assert r.returncode == 1 and "aucune donnée reçue" in _french(r.stderr)


def test_endless_pipe_stops_at_the_cap(qpv, tmp_path, monkeypatch):
    from qpvcli import sources

    monkeypatch.setattr(sources, "MAX_FILE_BYTES", 2**20)
    fifo = tmp_path / "tube"
    os.mkfifo(fifo)

    def endless():
        try:
            with open(fifo, "wb") as f:
                while True:
                    f.write(b"# " + b"x" * 65534 + b"\n")
        except (BrokenPipeError, OSError):
            pass

    threading.Thread(target=endless, daemon=True).start()
    start = time.monotonic()
    r = qpv("--data", str(fifo), "list")
    assert time.monotonic() - start < 10
    assert r.code == 1 and "trop grosses" in r.err and "1 Mo" in r.err


def test_endless_stdin_stops_at_the_cap_quickly():
    r = shell("cat /dev/zero | qpv --data /dev/stdin list", timeout=120)
    assert r.returncode == 1 and "trop grosses" in _french(r.stderr)


# ---------------------------------------------------------------------------- refused paths


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null", "/dev/urandom"])
@pytest.mark.parametrize("how", ["option", "env", "valider"])
def test_devices_are_refused_at_once(device, how):
    args = {"option": ["--data", device, "list"], "env": ["list"], "valider": ["valider", device]}[how]
    start = time.monotonic()
    r = run(args, env={"QPV_DATA": device} if how == "env" else None, timeout=30)
    assert time.monotonic() - start < 10
    assert r.returncode == 1 and "périphérique" in _french(r.stderr + r.stdout)


@pytest.mark.parametrize("how", ["option", "env", "valider"])
def test_symlink_loop_is_refused(tmp_path, how):
    loop = tmp_path / "boucle.toml"
    loop.symlink_to(loop.name)
    args = {"option": ["--data", str(loop), "list"], "env": ["list"], "valider": ["valider", str(loop)]}[how]
    r = run(args, env={"QPV_DATA": str(loop)} if how == "env" else None)
    assert r.returncode == 1 and "boucle de liens symboliques" in _french(r.stderr + r.stdout)


@pytest.mark.parametrize("how", ["option", "env", "valider"])
def test_name_over_255_bytes_is_refused(tmp_path, how):
    long = str(tmp_path / ("é" * 130 + ".toml"))
    args = {"option": ["--data", long, "list"], "env": ["list"], "valider": ["valider", long]}[how]
    r = run(args, env={"QPV_DATA": long} if how == "env" else None)
    assert r.returncode == 1 and "nom de fichier trop long" in _french(r.stderr + r.stdout)


@pytest.mark.parametrize("how", ["env", "valider"])
def test_folder_is_refused(tmp_path, how):
    args = ["list"] if how == "env" else ["valider", str(tmp_path)]
    r = run(args, env={"QPV_DATA": str(tmp_path)} if how == "env" else None)
    assert r.returncode == 1 and "c'est un dossier" in _french(r.stderr + r.stdout)


# ---------------------------------------------------------------------------- encodings


def _valider(qpv, tmp_path, data: bytes):
    path = tmp_path / "c.toml"
    path.write_bytes(data)
    return qpv("valider", str(path))


@pytest.mark.parametrize(
    ("encoding", "named"),
    [
        ("utf-16-le", "UTF-16 (petit-boutiste)"),
        ("utf-16-be", "UTF-16 (gros-boutiste)"),
        ("utf-32-le", "UTF-32 (petit-boutiste)"),
        ("utf-32-be", "UTF-32 (gros-boutiste)"),
    ],
)
def test_utf16_and_utf32_without_bom_are_named_with_the_fix(qpv, tmp_path, encoding, named):
    r = _valider(qpv, tmp_path, GOOD.encode(encoding))
    assert r.code == 1
    assert named in r.out and "sans marque d'ordre des octets" in r.out
    assert f"iconv -f {encoding.upper().replace('-', '').replace('UTF', 'UTF-')} -t UTF-8" in r.out
    assert "Windows-1252" not in r.out


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32"])
def test_utf16_and_utf32_with_bom_are_read(qpv, tmp_path, encoding):
    path = tmp_path / "c.toml"
    path.write_bytes(GOOD.encode(encoding))
    r = qpv("--data", str(path), "list")
    assert r.code == 0 and "a-b" in r.out


def test_old_mac_line_endings_are_named_with_the_fix(qpv, tmp_path):
    r = _valider(qpv, tmp_path, GOOD.replace("\n", "\r").encode())
    assert r.code == 1 and "ancien Mac OS" in r.out and "LF" in r.out
    assert "fin de ligne attendue" not in r.out


@pytest.mark.parametrize("where", ["dans un texte", "hors texte"])
def test_nul_byte_is_a_french_message(qpv, tmp_path, where):
    data = GOOD.replace('"Titre"', '"Ti\x00tre"') if where == "dans un texte" else GOOD + "\x00\n"
    r = _valider(qpv, tmp_path, data.encode())
    assert r.code == 1 and "octet nul (NUL)" in r.out
    line = 7 if where == "dans un texte" else 9
    assert f"c.toml:{line}:" in r.out


def test_windows_1252_names_the_conversion(qpv, tmp_path):
    r = _valider(qpv, tmp_path, GOOD.replace("Titre", "Côté").encode("cp1252"))
    assert r.code == 1 and "Windows-1252" in r.out and "iconv" in r.out


# ---------------------------------------------------------------------------- text bounds


@pytest.mark.parametrize(
    "title",
    [
        "e" + "\u0301" * 200_000,
        "Jardin " + "".join(chr(0x300 + i % 0x70) for i in range(200_000)),
        "e" + "\u0345" * 100_000,  # folds to a run of iotas
        "x" * 500_000,
        "-".join(["ab"] * 100_000),
    ],
    ids=["accents", "mixed-marks", "ypogegrammeni", "huge-token", "huge-compound"],
)
def test_hostile_title_first_search_is_fast(qpv, tmp_path, title):
    path = tmp_path / "c.toml"
    path.write_text(GOOD.replace('"Titre"', f'"{title} jardin"'), encoding="utf-8")
    for args in (["search", "jardin"], ["search", "jardni", "--explique"]):
        start = time.monotonic()
        r = qpv("--data", str(path), *args, tty=True)
        assert time.monotonic() - start < 5, args
        assert r.code == 0 and "a-b" in r.out


def test_analysis_bounds():
    from qpvcli.text import MAX_TOKEN_CHARS, analyse, normalise

    assert normalise("e" + "\u0301" * 1000).count("\u0301") <= 4
    assert max(map(len, analyse("y" * 10_000 + " jardin"))) == MAX_TOKEN_CHARS
    assert analyse("Îlots de fraîcheur") == ["ilots", "fraicheur"]
