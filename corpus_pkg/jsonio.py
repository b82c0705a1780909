"""Deterministic JSON(L) writing, strict JSON parsing, atomic files.

Writing: sorted keys, UTF-8 (no ASCII escapes, so diffs show the real text),
one record per line, a final newline. The same records always give the same
bytes. Reading JSONL files is ``storage``'s; this module only parses one value.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

# Characters that str.splitlines() and many editors treat as line breaks but JSON
# leaves raw with ensure_ascii=False: escaped so one record is always one line.
_LINE_BREAKS = {"\u0085": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"}
_LINE_BREAKS_RE = re.compile("[\u0085\u2028\u2029]")


def dumps(obj: Any) -> str:
    out = json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(", ", ": "))
    return _LINE_BREAKS_RE.sub(lambda m: _LINE_BREAKS[m.group(0)], out)


def dumps_pretty(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, indent=2) + "\n"


def dumps_lines(records: Iterable[dict[str, Any]]) -> str:
    return "".join(dumps(r) + "\n" for r in records)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _has_lone_surrogate(s: str) -> bool:
    return any(0xD800 <= ord(c) <= 0xDFFF for c in s)


def _check_strings(obj: Any) -> str | None:
    """A description of the first string holding a lone surrogate, if any."""
    stack = [obj]
    while stack:
        x = stack.pop()
        if isinstance(x, str):
            if _has_lone_surrogate(x):
                return f"string {x[:40]!r} holds a lone surrogate (\\ud800-\\udfff escape), which is not text"
        elif isinstance(x, dict):
            for k, v in x.items():
                stack.append(k)
                stack.append(v)
        elif isinstance(x, list):
            stack.extend(x)
    return None


# Decoded UTF-8 cannot hold surrogates, so a lone one can only come from a \\uD800-\\uDFFF escape.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89abAB]")


def loads_strict(s: str) -> Any:
    """``json.loads`` that refuses NaN/Infinity and lone surrogates."""
    value = json.loads(s, parse_constant=_reject_constant)
    if _SURROGATE_ESCAPE.search(s):
        problem = _check_strings(value)
        if problem:
            raise ValueError(problem)
    return value


def decode_bytes(data: bytes) -> tuple[str | None, str | None]:
    """Decode UTF-8 (a BOM is refused: it would shift nothing but breaks tools)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return None, "file starts with a UTF-8 byte order mark (BOM); save it as UTF-8 without BOM"
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        return None, f"not valid UTF-8 at byte {e.start} (line {line}): {data[e.start : e.start + 8]!r}"


def write_atomic(path: Path, content: str) -> bool:
    """Write ``content`` as UTF-8 to ``path`` atomically; return False if it was already identical."""
    return write_bytes_atomic(path, content.encode("utf-8"))


def _new_file_mode(path: Path) -> int:
    """The mode a plain ``open()`` would give: the old file's, or 0o666 less the umask."""
    try:
        return path.stat().st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def write_bytes_atomic(path: Path, data: bytes, *, durable: bool = True) -> bool:
    """Write ``data`` to ``path`` atomically; return False if it was already identical.

    The bytes go to a temporary file in the same folder, are flushed (and
    fsynced when ``durable``), then renamed over the target, so a reader (or a
    crash) sees the old file or the new one, never a mix. The file gets the
    mode an ordinary write would give it, not mkstemp's 0600: annotation and
    dataset files are read by others.
    """
    if path.exists() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = _new_file_mode(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            if durable:
                os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return True
