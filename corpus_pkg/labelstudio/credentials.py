"""Credentials of the Label Studio connection, kept out of every message we print, raise or log.

Server answers and exceptions can carry a credential back to us: a proxy that
echoes request headers, an error page that repeats the request body (the token
refresh sends the Personal Access Token in it), a URL with a password in it.
``redact`` removes every credential this process has seen (``remember``) and
anything shaped like one: an ``Authorization``-like header's value, a
``Bearer``/``Token`` credential, a JWT, the user-info part of a URL and a
credential-named JSON field.
"""

from __future__ import annotations

import re
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


def shorten(text: str, limit: int = 400) -> str:
    """At most ``limit`` characters of an already redacted text (redact first: a cut token no longer matches)."""
    return text if len(text) <= limit else text[:limit] + "…"
