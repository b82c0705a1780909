"""The suite's own rule: under CI=true a test that skips because something is missing fails."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_a_test_that_skips_for_want_of_something_fails_under_ci(tmp_path):
    (tmp_path / "test_needs_a_server.py").write_text(
        "import pytest\n\n\n@pytest.fixture\ndef server():\n    pytest.skip('no server')\n\n\n"
        "def test_uses_it(server):\n    assert server\n",
        encoding="utf-8",
    )
    tests_dir = str(Path(__file__).resolve().parent)
    env = {**os.environ, "PYTHONPATH": tests_dir, "CI": "true"}
    args = [sys.executable, "-m", "pytest", "-q", "-p", "conftest", "-p", "no:cacheprovider", str(tmp_path)]
    in_ci = subprocess.run(args, cwd=tmp_path, env=env, capture_output=True, text=True)
    assert in_ci.returncode == 1, in_ci.stdout
    assert "skipped under CI=true, which counts as a failure: Skipped: no server" in in_ci.stdout
    local = subprocess.run(args, cwd=tmp_path, env={**env, "CI": ""}, capture_output=True, text=True)
    assert local.returncode == 0 and "1 skipped" in local.stdout, local.stdout
