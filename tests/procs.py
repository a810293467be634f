"""Running the real `qpv` in a process: plain, through a shell, or on a real terminal (pty)."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

QPV = [sys.executable, "-m", "qpvcli"]


def run(args: list[str], *, env: dict[str, str] | None = None, timeout: float = 60, **kwargs: Any):
    """`qpv args` with captured bytes (stdout, stderr) and its exit code."""
    return subprocess.run(
        [*QPV, *args],
        check=False,
        capture_output=kwargs.pop("capture_output", "stdout" not in kwargs),
        env={**os.environ, **(env or {})},
        timeout=timeout,
        **kwargs,
    )


def shell(command: str, *, env: dict[str, str] | None = None, timeout: float = 60, **kwargs: Any):
    """A bash command line where `qpv` is this checkout's CLI."""
    qpv = " ".join(QPV)
    return subprocess.run(
        ["bash", "-c", f'qpv() {{ {qpv} "$@"; }}\n{command}'],
        check=False,
        capture_output=True,
        env={**os.environ, **(env or {})},
        timeout=timeout,
        **kwargs,
    )


def on_terminal(args: list[str], *, env: dict[str, str] | None = None, timeout: float = 60) -> tuple[int, bytes, bytes]:
    """`qpv args` with stdout on a real pseudo-terminal: exit code, what the terminal got, stderr."""
    import pty
    import select

    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [*QPV, *args],
        stdout=slave,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "COLUMNS": "100", **(env or {})},
    )
    os.close(slave)
    chunks = []
    while True:
        ready, _, _ = select.select([master], [], [], timeout)
        if not ready:
            proc.kill()
            raise TimeoutError(args)
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the process closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    assert proc.stderr is not None
    err = proc.stderr.read()
    proc.wait(timeout)
    return proc.returncode, b"".join(chunks), err
