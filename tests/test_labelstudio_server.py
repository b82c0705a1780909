"""The parts of starting Label Studio that need no server: the data folder's secret key, the admin's password."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import answering

from corpus_pkg.cli import main
from corpus_pkg.labelstudio import server
from corpus_pkg.labelstudio.server import (
    NotLabelStudio,
    ServerError,
    admin_password,
    ensure_secret_key,
    password_file,
    version_at,
)


def private_file(path: Path, text: str) -> Path:
    """A file as Label Studio 1.23 writes its .env: mode 0600."""
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)
    return path


def keys(env_file: Path) -> list[str]:
    return [line for line in env_file.read_text(encoding="utf-8").splitlines() if line.startswith("SECRET_KEY=")]


def test_a_new_data_folder_gets_one_private_secret_key_before_label_studio_starts(tmp_path: Path) -> None:
    ensure_secret_key(tmp_path)
    (key,) = keys(tmp_path / ".env")
    assert len(key) > len("SECRET_KEY=") + 40
    assert stat.S_IMODE((tmp_path / ".env").stat().st_mode) == 0o600
    ensure_secret_key(tmp_path)
    assert keys(tmp_path / ".env") == [key], "a second start must keep the key the tokens were signed with"


def test_a_key_label_studio_wrote_is_kept_with_the_rest_of_its_env_file(tmp_path: Path) -> None:
    env_file = private_file(tmp_path / ".env", "\nSECRET_KEY=made-by-label-studio\nOTHER=1\n")
    before = env_file.read_bytes()
    ensure_secret_key(tmp_path)
    assert env_file.read_bytes() == before


def test_other_settings_in_the_env_file_survive_the_new_key(tmp_path: Path) -> None:
    env_file = private_file(tmp_path / ".env", "DEBUG=false\n")
    ensure_secret_key(tmp_path)
    lines = env_file.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "DEBUG=false" and len(keys(env_file)) == 1
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600


def test_an_env_file_other_users_can_read_is_refused_naming_it_and_the_fix(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("SECRET_KEY=leaked\n", encoding="utf-8")
    env_file.chmod(0o644)
    with pytest.raises(ServerError) as info:
        ensure_secret_key(tmp_path)
    assert str(env_file) in str(info.value) and f"chmod 600 {env_file}" in str(info.value)


def test_the_admin_password_is_made_once_into_a_private_file(tmp_path: Path) -> None:
    password = admin_password(8080, tmp_path)
    path = password_file(8080, tmp_path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert admin_password(8080, tmp_path) == password


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o620])
def test_a_password_file_other_users_can_open_is_refused_and_left_as_it_is(tmp_path: Path, mode: int) -> None:
    path = password_file(8080, tmp_path)
    path.write_text("a-password-others-can-read", encoding="utf-8")
    path.chmod(mode)
    with pytest.raises(ServerError) as info:
        admin_password(8080, tmp_path)
    assert f"{path} holds a secret" in str(info.value) and f"chmod 600 {path}" in str(info.value)
    assert "a-password-others-can-read" not in str(info.value)
    assert path.read_text(encoding="utf-8") == "a-password-others-can-read"


def test_start_refuses_a_token_file_others_can_read_before_it_launches_anything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(server, "installed_version", lambda venv=None: server.LS_VERSION)

    def launch(*args, **kwargs):
        raise AssertionError("the server was launched")

    monkeypatch.setattr(server.subprocess, "Popen", launch)
    port = server.free_port()
    token = server.token_file(port, tmp_path / "state")
    token.parent.mkdir(parents=True)
    token.write_text("a-token-others-can-read", encoding="utf-8")
    token.chmod(0o644)
    with pytest.raises(ServerError) as info:
        server.start(port, data=tmp_path / "data", states=tmp_path / "state")
    assert f"chmod 600 {token}" in str(info.value)


# -- what answers at /api/version ---------------------------------------------------------------------------


NOT_LABEL_STUDIO = [
    (json.dumps(["1.23.2"]).encode(), 200, "not Label Studio's version object"),
    (b"1.23", 200, "not Label Studio's version object"),
    (b"null", 200, "not Label Studio's version object"),
    (b'"1.23.2"', 200, "not Label Studio's version object"),
    (json.dumps({"status": "ok"}).encode(), 200, "not Label Studio's version object"),
    (json.dumps({"release": ["1.23.2"], "label-studio-os-package": "1.23.2"}).encode(), 200, "not Label Studio's"),
    (json.dumps({"release": "1.23\u001b[31m"}).encode(), 200, "not Label Studio's version object"),
    (b"<html>It works!</html>", 200, "which is not JSON"),
    (b"\xff\xfe", 200, "which is not JSON"),
    (b"[" * 100_000, 200, "which is not JSON"),
    (b"{}", 404, "answered HTTP 404"),
]


@pytest.mark.parametrize(("body", "status", "says"), NOT_LABEL_STUDIO)
def test_an_answer_that_is_not_label_studios_version_is_named_not_a_traceback(body, status, says):
    with answering(body, status) as url, pytest.raises(NotLabelStudio) as info:
        version_at(url)
    assert f"{url}/api/version answered" in str(info.value) and says in str(info.value)


def test_label_studios_own_answer_gives_its_version_and_nothing_listening_gives_none():
    body = {"release": "1.23.2", "label-studio-os-package": {"version": "1.23.2"}}
    with answering(json.dumps(body).encode()) as url:
        assert version_at(url) == "1.23.2"
    with answering(json.dumps({"label-studio-os-package": {"version": "1.22.0"}}).encode()) as url:
        assert version_at(url) == "1.22.0"
    assert version_at(url, timeout=1) is None  # that server is gone


def test_status_reports_a_port_answered_by_something_else(tmp_path, monkeypatch):
    with answering(b"[]") as url:
        port = int(url.rsplit(":", 1)[1])
        data = tmp_path / "data"
        data.mkdir()
        # A pid file naming this process, so the server counts as running.
        (data / "server.json").write_text(json.dumps({"pid": os.getpid(), "port": port}))
        result = CliRunner().invoke(main, ["ls", "server", "status", "--data-dir", str(data)])
    assert result.exit_code == 2, result.output
    assert "runs but does not answer" in result.output and "not Label Studio's version object" in result.output


@pytest.mark.parametrize("content", ["[]", '{"pid": "1"}', '{"pid": 1}', "null", "{"])
def test_a_pid_file_that_is_not_ours_says_nothing_runs(tmp_path, content):
    (tmp_path / "server.json").write_text(content, encoding="utf-8")
    assert server.status(tmp_path)["running"] is False
    assert server.stop(tmp_path) is False
