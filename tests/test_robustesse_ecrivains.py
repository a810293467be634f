"""Issue #14, « Writers that cooperate »: `qpv nouveau` locks the catalogue, re-reads it under
the lock, appends, validates, writes atomically; an edit saved meanwhile is not undone. Real
processes for concurrency, locks and signals."""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import time
from pathlib import Path

import pytest

from qpvcli.authoring import lock_path

from .procs import QPV, run

HEAD = '[catalogue]\ntitre = "Mes exemples"\nversion_schema = 1\n'
RECORD = '\n[[exemples]]\nid = "{id}"\naction = 8\ntitre = "{titre}"\ndescription = "D"\n'


def nouveau(path: Path | str, titre: str, *extra: str) -> list[str]:
    return ["nouveau", "-o", str(path), "--action", "8", "--titre", titre, "--description", "Une description.", *extra]


def ids_in(path: Path) -> list[str]:
    import tomllib

    return [e["id"] for e in tomllib.loads(path.read_text(encoding="utf-8")).get("exemples", [])]


def test_ten_concurrent_nouveau_all_keep_their_record(tmp_path):
    target = tmp_path / "mes-exemples.toml"
    target.write_text(HEAD, encoding="utf-8")
    procs = [
        subprocess.Popen([*QPV, *nouveau(target, f"Jardin partagé {i}")], stderr=subprocess.PIPE) for i in range(10)
    ]
    errs = [p.communicate(timeout=120)[1].decode() for p in procs]
    assert [p.returncode for p in procs] == [0] * 10, errs
    assert all("ajouté" in e for e in errs)
    assert sorted(ids_in(target)) == sorted(f"jardin-partage-{i}" for i in range(10))
    assert target.read_text(encoding="utf-8").startswith(HEAD)
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name]  # no lock file left either


def test_concurrent_nouveau_on_a_new_file(tmp_path):
    target = tmp_path / "neuf.toml"
    procs = [subprocess.Popen([*QPV, *nouveau(target, f"Titre {i}")], stderr=subprocess.PIPE) for i in range(5)]
    for p in procs:
        p.communicate(timeout=120)
    assert [p.returncode for p in procs] == [0] * 5
    assert sorted(ids_in(target)) == sorted(f"titre-{i}" for i in range(5))
    assert target.read_text(encoding="utf-8").count("[catalogue]") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name]


def _hold_lock(target: Path):
    import fcntl

    fd = os.open(lock_path(Path(os.path.realpath(target))), os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(fd, fcntl.LOCK_EX)
    return fd


def test_lock_held_too_long_is_a_french_refusal(tmp_path):
    target = tmp_path / "c.toml"
    target.write_text(HEAD, encoding="utf-8")
    fd = _hold_lock(target)
    try:
        r = run(nouveau(target, "Attente"), env={"QPV_DELAI_VERROU": "0.5"})
    finally:
        os.close(fd)
    assert r.returncode == 1
    assert "une autre commande qpv y ajoute un exemple" in r.stderr.decode()
    assert target.read_text(encoding="utf-8") == HEAD


def test_waiting_writer_goes_on_when_the_lock_is_released(tmp_path):
    target = tmp_path / "c.toml"
    target.write_text(HEAD, encoding="utf-8")
    fd = _hold_lock(target)
    proc = subprocess.Popen([*QPV, *nouveau(target, "Patient")], stderr=subprocess.PIPE)
    time.sleep(1.0)
    assert proc.poll() is None  # waiting for the lock
    os.close(fd)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert ids_in(target) == ["patient"]


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129), (signal.SIGINT, 130)])
def test_signal_while_waiting_for_the_lock(tmp_path, signum, code):
    target = tmp_path / "c.toml"
    target.write_text(HEAD, encoding="utf-8")
    fd = _hold_lock(target)
    try:
        proc = subprocess.Popen([*QPV, *nouveau(target, "Jamais")], stderr=subprocess.PIPE)
        time.sleep(1.5)
        proc.send_signal(signum)
        _, err = proc.communicate(timeout=60)
    finally:
        os.close(fd)
    assert proc.returncode == code
    assert b"Traceback" not in err and err.decode().startswith("qpv : interrompu")
    assert target.read_text(encoding="utf-8") == HEAD
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_edit_saved_meanwhile_is_kept(qpv, tmp_path, monkeypatch):
    """An editor saves the file while nouveau validates: the append is done again on the new
    content, the edit is not undone."""
    from qpvcli import authoring

    target = tmp_path / "c.toml"
    target.write_text(HEAD, encoding="utf-8")
    real = authoring._appended
    calls = []

    def editor_saves_during_validation(path, existing, sources, fields, frame=None):
        result = real(path, existing, sources, fields, frame)
        if not calls:
            target.write_text(HEAD + RECORD.format(id="de-l-editeur", titre="Saisi dans l'éditeur"), encoding="utf-8")
        calls.append(1)
        return result

    monkeypatch.setattr(authoring, "_appended", editor_saves_during_validation)
    r = qpv(*nouveau(target, "Par qpv"))
    assert r.code == 0, r.err
    assert ids_in(target) == ["de-l-editeur", "par-qpv"]
    assert len(calls) == 2


def test_edit_that_cannot_be_merged_is_refused(qpv, tmp_path, monkeypatch):
    from qpvcli import authoring

    target = tmp_path / "c.toml"
    target.write_text(HEAD, encoding="utf-8")
    real = authoring._appended
    edited = HEAD + RECORD.format(id="meme-id", titre="Saisi dans l'éditeur")

    def editor_takes_the_id(path, existing, sources, fields, frame=None):
        result = real(path, existing, sources, fields, frame)
        if existing == HEAD.encode():
            target.write_text(edited, encoding="utf-8")
        return result

    monkeypatch.setattr(authoring, "_appended", editor_takes_the_id)
    r = qpv(*nouveau(target, "Par qpv", "--id", "meme-id"))
    assert r.code == 1
    assert "modifié par un autre programme pendant l'ajout" in r.err and "rien n'a été écrit" in r.err
    assert target.read_text(encoding="utf-8") == edited


def test_symlink_target_is_written_and_the_link_kept(qpv, tmp_path):
    real = tmp_path / "vrai.toml"
    real.write_text(HEAD, encoding="utf-8")
    link = tmp_path / "lien.toml"
    link.symlink_to(real.name)
    r = qpv(*nouveau(link, "Par le lien"))
    assert r.code == 0, r.err
    assert link.is_symlink() and os.readlink(link) == "vrai.toml"
    assert ids_in(real) == ["par-le-lien"]


def test_dangling_symlink_creates_its_target(qpv, tmp_path):
    link = tmp_path / "lien.toml"
    link.symlink_to("cible.toml")
    r = qpv(*nouveau(link, "Nouveau"))
    assert r.code == 0, r.err
    assert link.is_symlink() and ids_in(tmp_path / "cible.toml") == ["nouveau"]


@pytest.mark.parametrize("mode", [0o444, 0o400])
def test_read_only_catalogue_is_refused(qpv, tmp_path, mode):
    target = tmp_path / "c.toml"
    target.write_text(HEAD, encoding="utf-8")
    target.chmod(mode)
    r = qpv(*nouveau(target, "Refusé"))
    assert r.code == 1 and "en lecture seule" in r.err and "chmod u+w" in r.err
    assert target.read_text(encoding="utf-8") == HEAD
    assert oct(target.stat().st_mode & 0o777) == oct(mode)


def test_read_only_through_a_symlink_is_refused(qpv, tmp_path):
    real = tmp_path / "vrai.toml"
    real.write_text(HEAD, encoding="utf-8")
    real.chmod(0o444)
    link = tmp_path / "lien.toml"
    link.symlink_to(real)
    r = qpv(*nouveau(link, "Refusé"))
    assert r.code == 1 and "lecture seule" in r.err and real.read_text(encoding="utf-8") == HEAD


def test_permissions_of_the_catalogue_are_kept(qpv, tmp_path):
    target = tmp_path / "c.toml"
    target.write_text(HEAD, encoding="utf-8")
    target.chmod(0o640)
    assert qpv(*nouveau(target, "Droits")).code == 0
    assert target.stat().st_mode & 0o777 == 0o640


@pytest.mark.parametrize(
    ("encoding", "named"),
    [("utf-16", "UTF-16"), ("utf-16-le", "UTF-16"), ("utf-32", "UTF-32"), ("cp1252", "UTF-8")],
)
def test_non_utf8_catalogue_is_refused_with_the_fix(qpv, tmp_path, encoding, named):
    target = tmp_path / "c.toml"
    original = (HEAD + "# Côté éditeur\n").encode(encoding)
    target.write_bytes(original)
    r = qpv(*nouveau(target, "Refusé"))
    assert r.code == 1 and named in r.err and ("iconv" in r.err or "UTF-8" in r.err)
    assert target.read_bytes() == original


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_byte_order_mark_and_line_endings_are_kept(qpv, tmp_path, bom, newline):
    target = tmp_path / "c.toml"
    original = bom + HEAD.replace("\n", newline).encode("utf-8")
    target.write_bytes(original)
    r = qpv(*nouveau(target, "Fins de ligne"))
    assert r.code == 0, r.err
    data = target.read_bytes()
    assert data.startswith(original)
    added = data[len(original) :]
    if newline == "\r\n":
        assert added.count(b"\r\n") == added.count(b"\n") > 3
    else:
        assert b"\r" not in added
    assert "fins-de-ligne" in data.decode("utf-8-sig")


def test_relative_output_beside_absolute_qpv_data(tmp_path, monkeypatch):
    """The documented set-up: QPV_DATA names the catalogue absolutely, `-o` relatively."""
    target = tmp_path / "mes-exemples.toml"
    target.write_text(HEAD + RECORD.format(id="deja-la", titre="Déjà là"), encoding="utf-8")
    env = {"QPV_DATA": str(target)}
    r = run(nouveau("mes-exemples.toml", "Relatif"), env=env, cwd=tmp_path)
    assert r.returncode == 0, r.stderr.decode()
    r = run(nouveau("./mes-exemples.toml", "Encore"), env=env, cwd=tmp_path)
    assert r.returncode == 0, r.stderr.decode()
    assert ids_in(target) == ["deja-la", "relatif", "encore"]


def test_output_named_through_a_symlink_in_qpv_data(tmp_path):
    real = tmp_path / "vrai.toml"
    real.write_text(HEAD, encoding="utf-8")
    (tmp_path / "lien.toml").symlink_to(real)
    r = run(nouveau(real, "Une fois"), env={"QPV_DATA": str(tmp_path / "lien.toml")})
    assert r.returncode == 0, r.stderr.decode()
    assert ids_in(real) == ["une-fois"]


@pytest.mark.parametrize("special", ["fifo", "/dev/null", "/dev/stdout"])
def test_nouveau_on_a_special_file_is_refused(tmp_path, special):
    if special == "fifo":
        special = str(tmp_path / "tube")
        os.mkfifo(special)
    proc = subprocess.run(
        f"{shlex.join([*QPV, *nouveau(special, 'Spécial')])} | cat",
        shell=True,
        capture_output=True,
        timeout=30,
        check=False,
    )
    assert "n'est pas un fichier ordinaire" in proc.stderr.decode()
    assert b"Traceback" not in proc.stderr


def test_nouveau_never_writes_the_bundled_catalogue(qpv):
    from qpvcli.sources import bundled_path

    bundled = bundled_path()
    assert bundled is not None
    before = bundled.read_bytes()
    r = qpv(*nouveau(bundled, "Interdit"))
    assert r.code == 1 and "catalogue du rapport" in r.err
    assert bundled.read_bytes() == before


def test_nouveau_on_a_symlink_loop_or_a_long_name(qpv, tmp_path):
    loop = tmp_path / "boucle.toml"
    loop.symlink_to(loop.name)
    r = qpv(*nouveau(loop, "Boucle"))
    assert r.code == 1 and "boucle de liens symboliques" in r.err
    r = qpv(*nouveau(tmp_path / ("é" * 130 + ".toml"), "Long"))
    assert r.code == 1 and "nom de fichier trop long" in r.err


def test_stdin_closed_for_nouveau(tmp_path):
    target = tmp_path / "c.toml"
    r = subprocess.run(
        f"{shlex.join([*QPV, *nouveau(target, 'Sans-entree')])} <&-",
        shell=True,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert r.returncode == 0, r.stderr
    assert ids_in(target) == ["sans-entree"]
    r = subprocess.run(
        f"{shlex.join([*QPV, 'nouveau', '-o', str(target), '--action', '8'])} <&-",
        shell=True,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert r.returncode == 2 and "options manquantes : --titre, --description" in r.stderr.decode()
    assert b"Traceback" not in r.stderr


def test_editor_saving_while_nouveau_runs_real_processes(tmp_path):
    """A big catalogue (validation takes a while) edited over and over by an « editor » process
    while nouveau runs: whatever the timing, the editor's last save and qpv's record are both
    in the file at the end."""
    import sys

    target = tmp_path / "gros.toml"
    records = "".join(RECORD.format(id=f"r{i}", titre=f"Titre {i}") for i in range(3000))
    target.write_text(HEAD + records, encoding="utf-8")
    editor = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import os, sys, time\n"
            "path = sys.argv[1]\n"
            "for n in range(30):\n"
            "    text = open(path, encoding='utf-8').read()\n"
            '    text += \'\\n[[exemples]]\\nid = "edit-%d"\\naction = 8\\ntitre = "Edit %d"\\ndescription = "D"\\n\' % (n, n)\n'
            "    tmp = path + '.editeur'\n"
            "    open(tmp, 'w', encoding='utf-8').write(text)\n"
            "    os.replace(tmp, path)\n"
            "    time.sleep(0.05)\n",
            str(target),
        ]
    )
    writer = subprocess.run(
        [*QPV, *nouveau(target, "Pendant l'édition")], capture_output=True, timeout=120, check=False
    )
    editor.wait(60)
    ids = ids_in(target)
    err = writer.stderr.decode()
    assert writer.returncode == 0 or "change sans cesse" in err or "modifié par un autre programme" in err, err
    # qpv never undid a save of the editor: every edit is there, nothing twice. (qpv's own
    # record can only be lost by the editor itself, which re-reads then writes unlocked.)
    assert [i for i in ids if i.startswith("edit-")] == [f"edit-{n}" for n in range(30)]
    assert "r2999" in ids and len(ids) == len(set(ids))
