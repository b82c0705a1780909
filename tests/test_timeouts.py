"""The suite's per-test time limit (pytest-timeout, configured in pyproject.toml)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from corpus_pkg.project import current

REPO_DIR = current().root

PYPROJECT = REPO_DIR / "pyproject.toml"


def run_pytest(tmp_path: Path, source: str, *args: str) -> tuple[subprocess.CompletedProcess, float]:
    """Run pytest under this project's configuration on one small test file; (result, seconds taken)."""
    test = tmp_path / "test_tiny.py"
    test.write_text(source, encoding="utf-8")
    cmd = [sys.executable, "-m", "pytest", "-c", str(PYPROJECT), "-p", "no:cacheprovider", str(test), *args]
    started = time.monotonic()
    done = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    return done, time.monotonic() - started


def test_every_test_has_a_time_limit_that_leaves_session_fixtures_alone(pytestconfig: pytest.Config) -> None:
    assert float(pytestconfig.getini("timeout")) > 0
    assert pytestconfig.getini("timeout_func_only") is True
    assert pytestconfig.getini("timeout_method") == "signal"


def test_a_hanging_test_fails_with_timeout_and_the_rest_of_the_session_runs(tmp_path: Path) -> None:
    source = "import time\n\ndef test_hangs():\n    time.sleep(60)\n\ndef test_after():\n    pass\n"
    done, took = run_pytest(tmp_path, source, "--timeout=1")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Timeout" in done.stdout and "1 failed, 1 passed" in done.stdout, done.stdout
    assert took < 45


def test_a_slow_fixture_setup_is_not_counted_against_the_test(tmp_path: Path) -> None:
    # Like the Label Studio session fixture's first start: slower than the limit, then a quick test.
    source = (
        "import time\nimport pytest\n\n"
        "@pytest.fixture(scope='session')\ndef server():\n    time.sleep(3)\n    yield 'up'\n\n"
        "def test_uses_server(server):\n    assert server == 'up'\n"
    )
    done, _ = run_pytest(tmp_path, source, "--timeout=1")
    assert done.returncode == 0, done.stdout + done.stderr
