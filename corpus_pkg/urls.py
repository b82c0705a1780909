"""Which document URLs are web addresses: the only ones we link to or accept."""

from __future__ import annotations

import urllib.parse

WEB_SCHEMES = ("http", "https")


def web_url(url: str) -> bool:
    """True for an absolute http(s) URL with a host, written without spaces or control characters.

    Browsers drop tabs and newlines inside a URL and spaces around it before reading its scheme, so
    ``java\tscript:`` is javascript; refusing those characters outright keeps our reading and theirs the same.
    """
    if any(ord(c) <= 0x20 or ord(c) == 0x7F for c in url):
        return False
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in WEB_SCHEMES and bool(parts.netloc)
