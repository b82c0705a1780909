"""No credential reaches a message: server answers that echo headers or bodies are redacted before they are shown."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
from click.testing import CliRunner
from helpers import write_corpus
from label_studio_sdk.core.api_error import ApiError

from corpus_pkg.cli import main
from corpus_pkg.labelstudio import credentials, server, sync
from corpus_pkg.labelstudio.convert import task_data, to_result
from corpus_pkg.labelstudio.credentials import (
    REDACTED,
    InsecureFileError,
    read_secret,
    redact,
    remember,
    remember_client,
    write_secret,
)
from corpus_pkg.labelstudio.server import ServerError
from corpus_pkg.labelstudio.sync import SyncError, _api, resolve
from corpus_pkg.model import AnnotatedDocument, Document, Provenance, make_span

# Shaped like Label Studio's: a Personal Access Token (a JWT refresh token), the access token the SDK
# exchanges it for, and a legacy 40-hex token.
PAT = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoicmVmcmVzaCJ9.c2lnbmF0dXJlLW9mLXRoZS1wYXQ"
ACCESS = "eyJhbGciOiJIUzI1NiJ9.eyJ0b2tlbl90eXBlIjoiYWNjZXNzIn0.YWNjZXNzLXNpZ25hdHVyZQ"
LEGACY = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture(autouse=True)
def _fresh_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(credentials, "_known", set())


def echoed_request(token: str, scheme: str = "Bearer") -> str:
    """What a misconfigured proxy answers: the request it got, headers and body, as text."""
    return (
        "<html><body><h1>502 Bad Gateway</h1><pre>"
        "POST /api/projects/1/import HTTP/1.1\r\n"
        "Host: 127.0.0.1:8080\r\n"
        f"Authorization: {scheme} {token}\r\n"
        "User-Agent: label_studio_sdk/2.1.2\r\n\r\n"
        f'{{"refresh": "{token}"}}</pre></body></html>'
    )


def assert_no_part_of(token: str, text: str) -> None:
    for i in range(len(token) - 7):
        assert token[i : i + 8] not in text, f"{token[i : i + 8]!r} of the token is in {text!r}"


@pytest.mark.parametrize("token", [PAT, ACCESS, LEGACY])
def test_a_remembered_token_is_redacted_wherever_it_appears(token):
    remember(token)
    out = redact(f"body: {token} and again {token[::-1]} then {token}!")
    assert token not in out and out.count(REDACTED) == 2


@pytest.mark.parametrize("scheme", ["Bearer", "Token"])
def test_an_echoed_authorization_header_and_request_body_are_redacted_even_for_an_unknown_token(scheme):
    out = redact(echoed_request(LEGACY, scheme))
    assert_no_part_of(LEGACY, out)
    assert "Authorization: " + REDACTED in out
    assert "Host: 127.0.0.1:8080" in out and "502 Bad Gateway" in out


def test_headers_echoed_as_json_or_as_a_python_repr_are_redacted():
    for text in (
        f'{{"headers": {{"Authorization": "Token {LEGACY}", "X-Api-Key": "{LEGACY}", "Cookie": "sessionid=ab"}}}}',
        str({"headers": {"authorization": f"Bearer {LEGACY}", "Proxy-Authorization": "Basic dXNlcjpwYXNzd29yZA=="}}),
    ):
        out = redact(text)
        assert_no_part_of(LEGACY, out)
        assert "dXNlcjpwYXNzd29yZA" not in out and "sessionid" not in out


def test_a_jwt_and_the_password_in_a_url_are_redacted_and_ordinary_text_is_kept():
    out = redact(f"at http://admin:hunter22@127.0.0.1:8080/api: token {ACCESS} expired")
    assert "hunter22" not in out and ACCESS not in out
    assert out == f"at http://{REDACTED}@127.0.0.1:8080/api: token {REDACTED} expired"
    for plain in (
        "Label Studio refused to list tasks (404): Token is invalid for project 3",
        "region t-e001 ('Basic agreement on military cooperation'): needs exactly one known label",
    ):
        assert redact(plain) == plain


def test_the_key_and_access_token_of_an_sdk_client_are_remembered():
    class Tokens:
        _api_key, _access_token = LEGACY, "a-fresh-access-token-value"

    class Wrapper:
        _tokens_client = Tokens()

    class Client:
        _client_wrapper = Wrapper()

    remember_client(Client())
    assert redact(f"{LEGACY} / a-fresh-access-token-value") == f"{REDACTED} / {REDACTED}"
    remember_client(object())  # a client without those attributes changes nothing


def test_api_turns_an_sdk_error_whose_body_echoes_the_token_into_a_message_without_it():
    remember(PAT)
    # The token sits where a 400-character cut would have split it, leaving a piece no pattern recognizes.
    body = "x" * 370 + echoed_request(PAT).replace("Authorization", "Authorisation-Echo")

    def call():
        raise ApiError(status_code=502, headers={"authorization": f"Bearer {ACCESS}"}, body=body)

    with pytest.raises(SyncError) as info:
        _api("import tasks", call)
    message = str(info.value)
    assert message.startswith("Label Studio refused to import tasks (502): xxx")
    assert_no_part_of(PAT, message)
    # A traceback would print the SDK error, whose text holds the raw response: it is not chained.
    assert info.value.__suppress_context__ and info.value.__cause__ is None


def test_api_turns_a_dict_body_and_a_connection_error_into_messages_without_the_token():
    def refused():
        raise ApiError(status_code=401, body={"detail": "bad", "echo": {"Authorization": f"Token {LEGACY}"}})

    def lost():
        raise httpx.ConnectError(f"proxy said: Authorization: Bearer {LEGACY}")

    for call in (refused, lost):
        with pytest.raises(SyncError) as info:
            _api("list tasks", call)
        assert_no_part_of(LEGACY, str(info.value))


def test_server_and_sync_errors_never_hold_a_remembered_password():
    remember("generated-admin-password")
    for error in (ServerError("log: password=generated-admin-password"), SyncError("x generated-admin-password")):
        assert "generated-admin-password" not in str(error)


# -- secret files -------------------------------------------------------------------------------------------


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("umask", [0o000, 0o022])
def test_a_secret_file_is_private_from_its_first_byte_even_when_it_replaces_a_readable_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, umask: int
) -> None:
    path = tmp_path / "state" / "8080.token"
    path.parent.mkdir()
    path.write_text("old", encoding="utf-8")
    path.chmod(0o644)
    seen: list[int] = []
    real_replace = os.replace

    def replace(src, dst):
        seen.append(mode(Path(src)))  # the file that holds the secret before it gets its name
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    old_umask = os.umask(umask)
    try:
        write_secret(path, LEGACY)
    finally:
        os.umask(old_umask)
    assert seen == [0o600]
    assert mode(path) == 0o600 and path.read_text(encoding="utf-8") == LEGACY
    assert sorted(p.name for p in path.parent.iterdir()) == ["8080.token"], "no temporary file is left"


def test_a_private_secret_file_is_read_and_its_value_redacted_from_then_on(tmp_path: Path) -> None:
    path = tmp_path / "8080.token"
    write_secret(path, LEGACY + "\n")
    assert read_secret(path) == LEGACY
    assert redact(f"key {LEGACY}") == f"key {REDACTED}"
    assert read_secret(tmp_path / "missing.token") is None


@pytest.mark.parametrize("bits", [0o640, 0o604, 0o660, 0o602])
def test_a_secret_file_other_users_can_open_is_refused_with_the_fix(tmp_path: Path, bits: int) -> None:
    path = tmp_path / "8080.token"
    path.write_text(LEGACY, encoding="utf-8")
    path.chmod(bits)
    with pytest.raises(InsecureFileError) as info:
        read_secret(path)
    assert str(path) in str(info.value) and f"chmod 600 {path}" in str(info.value)
    assert LEGACY not in str(info.value)


def test_the_local_token_file_is_refused_when_others_can_read_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LABEL_STUDIO_API_KEY", raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    path = server.token_file(18080)
    write_secret(path, LEGACY)
    assert resolve("http://127.0.0.1:18080") == ("http://127.0.0.1:18080", LEGACY)
    path.chmod(0o644)
    with pytest.raises(SyncError) as info:
        resolve("http://127.0.0.1:18080")
    assert info.value.exit_code == 2 and f"chmod 600 {path}" in str(info.value)
    root = write_corpus(tmp_path / "annotations", [AnnotatedDocument(Document.from_text("t-doc", "Text.", "t.txt"))])
    result = CliRunner().invoke(
        main, ["ls", "pull", "--project", "p", "--url", "http://127.0.0.1:18080", "--annotations", str(root)]
    )
    assert result.exit_code == 2, result.output
    assert f"chmod 600 {path}" in result.output and "Traceback" not in result.output


def test_pull_notes_and_conflict_batches_carry_no_credential(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = "Kim Jong Un met Vladimir Putin."
    document = Document.from_text("t-doc", text, "t.txt")
    prov = Provenance("someone", "corpus_pkg.anchor", "0.1.0", "gold")

    def entity(start: int, end: int) -> AnnotatedDocument:
        span = make_span(
            document, id="t-doc-e001", layer="entity", start=start, end=end, label="PERSON",
            attributes={"kind": "NAM", "cluster": "x"}, provenance=prov,
        )  # fmt: skip
        return AnnotatedDocument(document, [span])

    root = write_corpus(tmp_path / "annotations", [entity(0, 11)])
    theirs = to_result(entity(16, 30))
    export = [
        {"id": 1, "data": task_data(document), "annotations": [{"id": 2, "result": theirs, "completed_by": 1}]},
        {"id": 3, "data": {"doc_id": f"Bearer {LEGACY}", "text": "x"}, "annotations": []},
    ]
    conn = sync.Connection(SimpleNamespace(), "http://admin:hunter22@127.0.0.1:9", "1.23.2", 1, "me")
    monkeypatch.setattr(sync, "connect", lambda url=None, api_key=None: conn)
    monkeypatch.setattr(sync, "find_project", lambda conn, title: SimpleNamespace(id=1))
    monkeypatch.setattr(sync, "export_snapshot", lambda conn, project_id: export)
    batches = tmp_path / "incoming"
    args = ["ls", "pull", "--project", "p", "--annotations", str(root), "--incoming-as-batch", str(batches)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "note: task 3" in result.output and LEGACY not in result.output
    (batch,) = batches.iterdir()
    assert "hunter22" not in batch.read_text(encoding="utf-8")
