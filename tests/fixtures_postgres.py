"""A throwaway PostgreSQL server for the test session, and a Label Studio configured to use it.

PostgreSQL comes from Debian's packages (scripts/test.sh installs them); the
cluster is made with initdb in a temporary folder, listens on 127.0.0.1 on a
free port with a password, and is removed at the end of the session.
PostgreSQL refuses to run as root, so under root its commands run as the
``postgres`` user. Label Studio is pointed at it the way a user would do it:
``DJANGO_DB=default`` and the ``POSTGRE_*`` variables in the environment.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from corpus_pkg.labelstudio import server


@dataclass(frozen=True)
class Postgres:
    host: str
    port: int
    user: str
    password: str
    name: str
    bin_dir: Path

    def env(self) -> dict[str, str]:
        """What Label Studio reads to use this database instead of SQLite."""
        return {
            "DJANGO_DB": "default",
            "POSTGRE_NAME": self.name,
            "POSTGRE_USER": self.user,
            "POSTGRE_PASSWORD": self.password,
            "POSTGRE_HOST": self.host,
            "POSTGRE_PORT": str(self.port),
        }

    def query(self, sql: str) -> str:
        """Run ``sql`` with psql over TCP, with the password: the way Label Studio connects."""
        where = ["-h", self.host, "-p", str(self.port), "-U", self.user, "-d", self.name]
        out = subprocess.run(
            [str(self.bin_dir / "psql"), *where, "-At", "-c", sql],
            env={**os.environ, "PGPASSWORD": self.password},
            capture_output=True,
            text=True,
            check=True,
        )
        return out.stdout.strip()


def _bin_dir() -> Path | None:
    for d in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if (Path(d) / "initdb").exists() and (Path(d) / "pg_ctl").exists():
            return Path(d)
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    bin_dir = _bin_dir()
    if bin_dir is None:
        pytest.skip("PostgreSQL's server programs (initdb, pg_ctl) are not installed")
    as_postgres: list[str] = []
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root, and there is no postgres user to run PostgreSQL as")
        as_postgres = ["runuser", "-u", "postgres", "--"]
    # Not under pytest's tmp folder: that is private to root, and the server runs as postgres.
    base = Path(tempfile.mkdtemp(prefix="corpus-pg-"))
    if as_postgres:
        shutil.chown(base, "postgres", "postgres")
    pg = Postgres("127.0.0.1", server.free_port(), "labelstudio", secrets.token_urlsafe(16), "labelstudio", bin_dir)
    pwfile = base / "pw"
    pwfile.write_text(pg.password + "\n", encoding="utf-8")
    if as_postgres:
        shutil.chown(pwfile, "postgres", "postgres")
    data = base / "data"

    def run(*args: str) -> None:
        done = subprocess.run([*as_postgres, *args], capture_output=True, text=True)
        if done.returncode != 0:
            pytest.fail(f"{' '.join(args[:2])} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")

    try:
        run(
            str(bin_dir / "initdb"),
            "-D",
            str(data),
            "-U",
            pg.user,
            "-E",
            "UTF8",
            "--auth=scram-sha-256",
            f"--pwfile={pwfile}",
        )
        pwfile.unlink()
        run(
            str(bin_dir / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(base / "server.log"),
            "-w",
            "-o",
            f"-h {pg.host} -p {pg.port} -k {base}",
            "start",
        )
        try:
            replace(pg, name="postgres").query(f"create database {pg.name}")
            yield pg
        finally:
            run(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop")
    finally:
        shutil.rmtree(base, ignore_errors=True)
