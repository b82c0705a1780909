"""The parts of starting Label Studio that need no server: the data folder's secret key."""

from __future__ import annotations

import stat
from pathlib import Path

from corpus_pkg.labelstudio.server import ensure_secret_key


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
    env_file = tmp_path / ".env"
    env_file.write_text("\nSECRET_KEY=made-by-label-studio\nOTHER=1\n", encoding="utf-8")
    before = env_file.read_bytes()
    ensure_secret_key(tmp_path)
    assert env_file.read_bytes() == before


def test_other_settings_in_the_env_file_survive_the_new_key(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("DEBUG=false\n", encoding="utf-8")
    ensure_secret_key(tmp_path)
    lines = env_file.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "DEBUG=false" and len(keys(env_file)) == 1
