"""`corpus validate` on the real corpus and on broken copies of it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import invoke

from corpus_pkg.project import annotations_dir
from corpus_pkg.storage import corpus_files


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return invoke(*args, cwd=cwd)


def test_the_command_runs_as_a_real_process_and_validates_the_committed_corpus():
    result = subprocess.run([sys.executable, "-m", "corpus_pkg", "validate"], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 error(s)" in result.stdout


@pytest.fixture
def corpus_copy(tmp_path) -> Path:
    dst = tmp_path / "annotations"
    shutil.copytree(annotations_dir() / "corpus", dst / "corpus")
    return dst


def test_the_committed_corpus_validates_with_exit_0():
    result = run("validate")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 error(s)" in result.stdout


def _first_span_line(path: Path) -> tuple[int, dict]:
    for i, line in enumerate(path.read_text(encoding="utf-8").split("\n")):
        if line and json.loads(line)["record"] == "span":
            return i, json.loads(line)
    raise AssertionError("no span")


def test_a_span_with_its_start_shifted_by_one_exits_1_and_is_shown_with_file_line_and_text(corpus_copy):
    files = [p for p in sorted((corpus_copy / "corpus").glob("*.jsonl")) if '"record": "span"' in p.read_text()]
    if not files:
        pytest.fail("the corpus has no spans to shift")
    path = files[0]
    lines = path.read_text(encoding="utf-8").split("\n")
    i, span = _first_span_line(path)
    span["start"] += 1
    lines[i] = json.dumps(span, ensure_ascii=False, sort_keys=True)
    path.write_text("\n".join(lines), encoding="utf-8")

    result = run("validate", "--annotations", str(corpus_copy))
    assert result.returncode == 1
    assert f"{path}:{i + 1}" in result.stdout
    assert "[text-mismatch]" in result.stdout and span["id"] in result.stdout
    assert repr(span["text"]) in result.stdout


def test_json_output_lists_findings_for_machines(corpus_copy):
    path = sorted((corpus_copy / "corpus").glob("*.jsonl"))[0]
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('"sha256": "', '"sha256": "0', 1)[:-1] + "\n", encoding="utf-8")
    result = run("validate", "--annotations", str(corpus_copy), "--format", "json")
    assert result.returncode == 1
    out = json.loads(result.stdout)
    assert out["valid"] is False
    assert {f["rule"] for f in out["findings"]} >= {"schema"} or {f["rule"] for f in out["findings"]} >= {"sha256"}
    assert all(f["file"] for f in out["findings"])


def test_every_problem_is_reported_not_only_the_first(corpus_copy):
    paths = sorted((corpus_copy / "corpus").glob("*.jsonl"))
    for p in paths[:2]:
        p.write_text(p.read_text(encoding="utf-8") + '{"record": "span"}\n', encoding="utf-8")
    out = json.loads(run("validate", "--annotations", str(corpus_copy), "--format", "json").stdout)
    assert {f["file"] for f in out["findings"]} == {str(p) for p in paths[:2]}


def test_a_missing_file_is_a_usage_error_with_exit_2(tmp_path):
    result = run("validate", str(tmp_path / "nope.jsonl"))
    assert result.returncode == 2
    assert "nope.jsonl" in result.stdout and "no such file" in result.stdout


def test_bad_bytes_give_findings_not_a_traceback(tmp_path):
    bad = tmp_path / "batch.jsonl"
    bad.write_bytes(b'{"record": "span", "text": "\\ud800"}\n\xff\xfe{\n')
    result = run("validate", str(bad))
    assert result.returncode in (1, 2)
    assert "Traceback" not in result.stderr
    assert "batch.jsonl" in result.stdout


def test_a_lone_surrogate_escape_is_reported_as_json_problem(tmp_path):
    bad = tmp_path / "batch.jsonl"
    bad.write_text('{"record": "span", "text": "\\ud800"}\n', encoding="utf-8")
    result = run("validate", str(bad), "--format", "json")
    assert result.returncode == 1
    finding = json.loads(result.stdout)["findings"][0]
    assert finding["rule"] == "json" and finding["line"] == 1 and "surrogate" in finding["message"]


def test_every_subcommand_has_help():
    from corpus_pkg.cli import main

    def walk(group, prefix):
        for name, cmd in group.commands.items():
            yield [*prefix, name]
            if hasattr(cmd, "commands"):
                yield from walk(cmd, [*prefix, name])

    for path in walk(main, []):
        result = run(*path, "--help")
        assert result.returncode == 0, path
        assert "Usage:" in result.stdout


def test_the_corpus_files_are_what_the_validator_reads():
    assert [p.name for p in corpus_files()] == sorted(p.name for p in (annotations_dir() / "corpus").glob("*.jsonl"))


# Runs the CLI in-process, then prints which of the heavy schema libraries it imported.
_IMPORTS_AFTER_VALIDATE = """
import sys
from corpus_pkg.cli import main
try:
    main(["validate", *sys.argv[1:]])
except SystemExit as e:
    code = e.code
print("exit", code, "imported", sorted(m for m in ("jsonschema", "rfc3987_syntax") if m in sys.modules))
"""


def _heavy_imports(*args: str) -> str:
    result = subprocess.run([sys.executable, "-c", _IMPORTS_AFTER_VALIDATE, *args], capture_output=True, text=True)
    return result.stdout.strip().splitlines()[-1]


def test_validating_the_valid_corpus_never_imports_jsonschema_or_its_format_grammars():
    assert _heavy_imports() == "exit 0 imported []"


def test_a_record_the_compiled_validator_refuses_is_explained_by_jsonschema(corpus_copy):
    path = sorted((corpus_copy / "corpus").glob("*.jsonl"))[0]
    i, span = _first_span_line(path)
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[i] = json.dumps({**span, "label": "NOT_A_LABEL"}, ensure_ascii=False, sort_keys=True)
    path.write_text("\n".join(lines), encoding="utf-8")
    assert _heavy_imports("--annotations", str(corpus_copy)) == "exit 1 imported ['jsonschema', 'rfc3987_syntax']"
    result = run("validate", "--annotations", str(corpus_copy))
    assert f"{path}:{i + 1}" in result.stdout and "[unknown-label]" in result.stdout and "NOT_A_LABEL" in result.stdout
