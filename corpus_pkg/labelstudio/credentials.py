"""Credentials of the Label Studio connection: kept out of every message we print, raise or log, and
stored in files only their owner can read.

Server answers and exceptions can carry a credential back to us: a proxy that
echoes request headers, an error page that repeats the request body (the token
refresh sends the Personal Access Token in it), a URL with a password in it.
``redact`` removes every credential this process has seen (``remember``) and
anything shaped like one: an ``Authorization``-like header's value, a
``Bearer``/``Token`` credential, a JWT, the user-info part of a URL and a
credential-named JSON field.

Token, password and key files are created mode 0600 (never written first and
restricted after), and a file that other users can open is refused, not used.
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
from pathlib import Path
from typing import Any

REDACTED = "[redacted]"
# Shorter values are not credentials we make; replacing them would mangle ordinary text.
MIN_LENGTH = 8

_known: set[str] = set()

_HEADER = re.compile(
    r"""(?ix)
    \b((?:proxy-)?authorization|x-api-key|cookie|set-cookie)   # a header that carries a credential
    (["']?\s*[:=]\s*["']?)                                     # its separator, maybe quoted (JSON, a repr)
    [^"'\r\n]+                                                 # its value, to the closing quote or the line's end
    """
)
# A credential after an auth scheme: with a digit, or too long for a word ("Basic agreement" stays).
_SCHEME = re.compile(
    r"(?i)\b(Bearer|Token|JWT|Basic)(\s+)(?:(?=[A-Za-z0-9._~+/=-]*\d)[A-Za-z0-9._~+/=-]{8,}|[A-Za-z0-9._~+/=-]{20,})"
)
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/@\s\"']+@")
_FIELD = re.compile(
    r"""(?ix)
    (["']?(?:refresh|access|token|api[_-]?key|password|secret(?:_key)?)["']?\s*[:=]\s*["'])
    [^"'\r\n]+
    """
)


def remember(*values: str | None) -> None:
    """Redact these values (API keys, access tokens, passwords) from every later message of this process."""
    for value in values:
        if isinstance(value, str) and len(value.strip()) >= MIN_LENGTH:
            _known.add(value.strip())


def remember_client(client: Any) -> None:
    """Remember the key a label-studio-sdk client holds and the access token it exchanged it for.

    The SDK keeps both on private attributes; they are read defensively, and the JWT
    pattern of ``redact`` still catches an access token refreshed after this call.
    """
    tokens = getattr(getattr(client, "_client_wrapper", None), "_tokens_client", None)
    remember(getattr(tokens, "_api_key", None), getattr(tokens, "_access_token", None))


def redact(text: str, *secrets: str | None) -> str:
    """``text`` without any remembered credential, the given ``secrets``, or anything shaped like a credential."""
    known = _known | {s.strip() for s in secrets if isinstance(s, str) and len(s.strip()) >= MIN_LENGTH}
    for value in sorted(known, key=len, reverse=True):
        text = text.replace(value, REDACTED)
    text = _HEADER.sub(lambda m: m[1] + m[2] + REDACTED, text)
    text = _FIELD.sub(lambda m: m[1] + REDACTED, text)
    text = _SCHEME.sub(lambda m: m[1] + m[2] + REDACTED, text)
    text = _JWT.sub(REDACTED, text)
    return _USERINFO.sub(lambda m: m[1] + REDACTED + "@", text)


class InsecureFileError(Exception):
    """A secret file that users other than its owner may read or change."""


def write_secret(path: Path, value: str) -> None:
    """Write ``value`` to ``path``, readable and writable by its owner only from the first byte on.

    The value goes to a new file made 0600 beside ``path``, which then replaces it: opening an
    existing file with O_TRUNC would keep that file's older, wider mode.
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    # mkstemp creates the file with O_EXCL and mode 0600.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(value)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def check_private(path: Path) -> None:
    """Refuse a secret file that its group or other users can read or change."""
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise InsecureFileError(
            f"{path} holds a secret but other users can open it (mode {mode:04o}); "
            f"refusing to use it. Restrict it with: chmod 600 {path}"
        )


def read_secret(path: Path) -> str | None:
    """The stripped content of a private secret file (remembered for redaction); None if it does not exist."""
    try:
        check_private(path)
        value = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    remember(value)
    return value
