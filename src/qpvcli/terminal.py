"""What reaches a terminal: one sanitiser, and the guarded standard streams that apply it.

The rule: any text that came from a catalogue or a file name and is printed to a terminal goes
through `safe`, which makes C0/C1 control characters, escape sequences and bidirectional
controls visible instead of letting the terminal execute them. `cli.main` installs
`GuardedText` on stdout and stderr: stderr (messages, never data) is always sanitised; stdout
only when it is a terminal, so data written to a file or a pipe stays byte-exact. Failures to
write (full disk, closed stream) become `OutputError`, a French message, instead of a trace.
"""

from __future__ import annotations

import codecs
import io
import re
from functools import cache
from typing import Any, BinaryIO, TextIO

# C0 controls (tab and line feed kept), DEL, C1 controls; bidirectional embeddings, overrides,
# isolates and marks (they can make a line read differently from what it contains); line and
# paragraph separators (some terminals start a new line on them).
_CONTROL = r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"


def _visible(m: re.Match[str]) -> str:
    code = ord(m.group())
    if code < 0x20:
        return chr(0x2400 + code)  # ␛ for ESC, ␇ for BEL, ␍ for CR...
    if code == 0x7F:
        return "\u2421"  # ␡
    return "\ufffd"  # C1 controls and bidirectional controls: �


def safe(text: str) -> str:
    """Text fit for a terminal: control characters shown as visible symbols, never executed."""
    if text.isprintable():  # every character of _CONTROL is unprintable: most texts stop here
        return text
    control = _control()
    return control.sub(_visible, text) if control.search(text) else text


@cache
def _control() -> re.Pattern[str]:
    return re.compile(_CONTROL)  # compiled on first use (~0.2 ms): most runs never need it


def line(text: str) -> str:
    """`safe`, on one line: for a file name or a value quoted inside a message."""
    return safe(text.replace("\r\n", " ").replace("\n", "\u2424"))


class OutputError(OSError):
    """Writing to stdout or stderr failed for another reason than a closed pipe."""

    def __init__(self, name: str, err: OSError):
        super().__init__(err.errno, err.strerror)
        self.name = name

    def french(self) -> str:
        import errno

        where = "la sortie standard" if self.name == "stdout" else "la sortie d'erreur"
        if self.errno == errno.ENOSPC:
            return f"{where} est pleine (disque plein) : la sortie est incomplète."
        if self.errno == errno.EBADF:
            return f"{where} est fermée : rien n'a pu y être écrit."
        return f"écriture impossible sur {where} ({self.strerror or self.errno})."


class _Closed(io.RawIOBase):
    """A standard stream closed by the shell (`>&-`): every write fails with EBADF."""

    def writable(self) -> bool:
        return True

    def write(self, b: Any) -> int:
        import errno

        raise OSError(errno.EBADF, "Bad file descriptor")


class _Guard:
    """What both guarded streams do with a failed write or flush: a closed pipe is noted (the
    command ends quietly), any other error becomes an OutputError with a French message."""

    name_: str
    broken_pipe: bool

    def _guarded(self, action: Any, *args: Any) -> Any:
        try:
            return action(*args)
        except BrokenPipeError:
            self.broken_pipe = True
            raise
        except OSError as err:
            raise OutputError(self.name_, err) from None


class GuardedBinary(_Guard, io.RawIOBase):
    """The `.buffer` of a GuardedText: bytes written as they are, or decoded (UTF-8), made safe
    and re-encoded when the stream is a terminal."""

    def __init__(self, inner: BinaryIO, name: str, sanitise: bool, encoding: str):
        super().__init__()
        self.inner = inner
        self.name_ = name
        self.sanitise = sanitise
        self.encoding = encoding
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self.broken_pipe = False

    def writable(self) -> bool:
        return True

    def write(self, b: Any) -> int:
        data = bytes(b)
        out = data
        if self.sanitise:
            out = safe(self._decoder.decode(data)).encode(self.encoding, "replace")
        self._guarded(self.inner.write, out)
        return len(data)

    def flush(self) -> None:
        self._guarded(self.inner.flush)

    def fileno(self) -> int:
        return self.inner.fileno()

    def isatty(self) -> bool:
        return self.inner.isatty()


class GuardedText(_Guard, io.TextIOBase):
    """A standard stream that sanitises what it is given (when `sanitise`) and turns write
    failures into OutputError. `trusted` writes qpv's own styling (rich) without sanitising:
    what rich is given is made safe by render.py with the same `safe`."""

    def __init__(self, inner: TextIO, name: str, sanitise: bool):
        super().__init__()
        self.inner = inner
        self.name_ = name
        self.sanitise = sanitise
        self._encoding = getattr(inner, "encoding", None) or "utf-8"
        self._errors = getattr(inner, "errors", None) or "strict"
        raw = getattr(inner, "buffer", None)
        self.buffer = GuardedBinary(raw, name, sanitise, self._encoding) if raw is not None else None
        self.trusted: TextIO = _Trusted(self) if sanitise else self  # type: ignore[assignment]
        self.broken_pipe = False

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self._encoding

    @property
    def errors(self) -> str:  # type: ignore[override]
        return self._errors

    def writable(self) -> bool:
        return True

    def write(self, s: str) -> int:
        if not isinstance(s, str):
            raise TypeError("write() argument must be str")
        self._write(safe(s) if self.sanitise else s)
        return len(s)

    def _write(self, s: str) -> None:
        self._guarded(self.inner.write, s)

    def flush(self) -> None:
        self._guarded(self.inner.flush)

    def fileno(self) -> int:
        return self.inner.fileno()

    def isatty(self) -> bool:
        try:
            return self.inner.isatty()
        except (ValueError, OSError):
            return False


class _Trusted(io.TextIOBase):
    """Writes to a GuardedText without sanitising (qpv's own escape sequences, from rich)."""

    def __init__(self, guarded: GuardedText):
        super().__init__()
        self.guarded = guarded

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self.guarded.encoding

    def writable(self) -> bool:
        return True

    def write(self, s: str) -> int:
        self.guarded._write(s)
        return len(s)

    def flush(self) -> None:
        self.guarded.flush()

    def fileno(self) -> int:
        return self.guarded.fileno()

    def isatty(self) -> bool:
        return self.guarded.isatty()


def trusted(stream: Any) -> Any:
    """The stream rich should write its styling to."""
    return getattr(stream, "trusted", stream)


def closed_stream(name: str) -> TextIO:
    """A stand-in for a standard stream the shell closed: writes fail with EBADF."""
    return io.TextIOWrapper(io.BufferedWriter(_Closed()), encoding="utf-8", errors="replace", write_through=True)
