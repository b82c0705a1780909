"""Label Studio fixtures: one real server per test session, fresh projects per test.

The server is started once through corpus_pkg.labelstudio.server (installed
first if its venv lacks it) on a free port with a temporary data folder and
token folder, and stopped at the end of the session. Without it the tests
that need it skip, which fails under CI=true (see conftest.py).
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from corpus_pkg.labelstudio import server
from corpus_pkg.project import current


@dataclass(frozen=True)
class RunningServer:
    url: str
    token: str
    email: str
    password: str
    port: int
    data_dir: Path
    states: Path


@contextmanager
def running_server(base: Path, what: str = "Label Studio") -> Iterator[RunningServer]:
    """Install if needed, start on a free port with its data and token folders under ``base``, stop after."""
    try:
        server.install()
    except server.ServerError as e:
        pytest.skip(f"Label Studio cannot be installed: {e}")
    data, states = base / "data", base / "state"
    port = server.free_port()
    try:
        info = server.start(port, data=data, states=states)
    except server.ServerError as e:
        pytest.skip(f"{what} does not start: {e}")
    try:
        yield RunningServer(
            info.url,
            info.token_file.read_text(encoding="utf-8").strip(),
            server.DEFAULT_EMAIL,
            server.password_file(port, states).read_text(encoding="utf-8").strip(),
            port,
            data,
            states,
        )
    finally:
        server.stop(data)


@pytest.fixture(scope="session")
def labelstudio_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with running_server(tmp_path_factory.mktemp("labelstudio")) as running:
        yield running


@pytest.fixture(scope="session")
def labelstudio_conn(labelstudio_server: RunningServer):
    from corpus_pkg.labelstudio.sync import connect

    return connect(labelstudio_server.url, labelstudio_server.token)


def unique_title(name: str) -> str:
    """A project title no other test (or earlier run on the same server) uses."""
    return f"t {name[:36]} {uuid.uuid4().hex[:8]}"


@pytest.fixture
def ls_project(request: pytest.FixtureRequest) -> str:
    """A fresh project title for this test; the project is made by the first push."""
    return unique_title(request.node.name)


@pytest.fixture
def corpus_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the real annotations/ folder, used through CORPUS_ANNOTATIONS."""
    dest = tmp_path / "annotations"
    shutil.copytree(current().annotations, dest, ignore=shutil.ignore_patterns(".sync"))
    monkeypatch.setenv("CORPUS_ANNOTATIONS", str(dest))
    return dest


@pytest.fixture
def no_labelstudio_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Keep a developer's LABEL_STUDIO_URL / LABEL_STUDIO_API_KEY and token files out of a test."""
    for name in ("LABEL_STUDIO_URL", "LABEL_STUDIO_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
