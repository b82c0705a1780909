"""Nothing in the data can run code or write outside annotations/."""

from __future__ import annotations

import ast
from pathlib import Path

import corpus_pkg

PACKAGE = Path(corpus_pkg.__file__).parent
# Calls that would turn data into code, or hand it to a shell.
FORBIDDEN_CALLS = {"eval", "exec", "compile", "__import__"}
FORBIDDEN_MODULES = {"pickle", "cPickle", "dill", "marshal", "shelve"}


def _sources():
    return sorted(PACKAGE.rglob("*.py"))


def test_the_package_never_evaluates_unpickles_or_shells_out():
    problems = []
    for path in _sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in FORBIDDEN_CALLS:
                problems.append(f"{path.name}:{node.lineno} calls {node.func.id}")
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [a.name for a in node.names] + ([node.module] if isinstance(node, ast.ImportFrom) else [])
                bad = FORBIDDEN_MODULES & {str(n).split(".")[0] for n in names if n}
                if bad:
                    problems.append(f"{path.name}:{node.lineno} imports {sorted(bad)}")
            if isinstance(node, ast.keyword) and node.arg == "shell" and getattr(node.value, "value", False) is True:
                problems.append(f"{path.name}:{node.lineno} runs a shell")
            if isinstance(node, ast.Attribute) and node.attr == "load" and getattr(node.value, "id", "") == "yaml":
                problems.append(f"{path.name}:{node.lineno} uses yaml.load (use yaml.safe_load)")
    assert problems == []


def test_the_dataset_folder_holds_no_loading_script():
    from corpus_pkg.project import dataset_dir

    assert not list(dataset_dir().rglob("*.py"))


def test_a_doc_id_cannot_name_a_path():
    import re

    from corpus_pkg.schemas import ID_PATTERN

    for evil in ["../x", "a/b", "..", "x\\y", "x\n", ".hidden", "A"]:
        assert not re.fullmatch(ID_PATTERN.strip("^$"), evil), evil
