"""Label Studio on PostgreSQL, configured through the environment: the data lands there and comes back intact."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fixtures_labelstudio import RunningServer, running_server
from fixtures_postgres import Postgres

from corpus_pkg.labelstudio.sync import pull, push
from corpus_pkg.storage import corpus_files

pytestmark = pytest.mark.labelstudio


@pytest.fixture(scope="module")
def pg_labelstudio(postgres: Postgres, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """A second Label Studio, started with DJANGO_DB=default and the POSTGRE_* variables set."""
    with pytest.MonkeyPatch.context() as mp:
        for name, value in postgres.env().items():
            mp.setenv(name, value)
        with running_server(tmp_path_factory.mktemp("labelstudio-pg"), "Label Studio on PostgreSQL") as running:
            yield running


def test_on_postgresql_the_pushed_tasks_live_in_the_database_and_pull_back_byte_identical(
    pg_labelstudio: RunningServer, postgres: Postgres, corpus_copy, ls_project
) -> None:
    before = {p.name: p.read_bytes() for p in corpus_files(corpus_copy)}
    pushed = push(ls_project, root=corpus_copy, url=pg_labelstudio.url, api_key=pg_labelstudio.token)
    assert pushed.imported == len(before) == 5
    project = postgres.query(f"select id from project where title = '{ls_project}'")
    assert project.isdigit(), f"no project {ls_project!r} in PostgreSQL"
    assert postgres.query(f"select count(*) from task where project_id = {project}") == str(len(before))
    assert postgres.query(f"select count(*) from task_completion where project_id = {project}") == str(len(before))
    pulled = pull(ls_project, root=corpus_copy, url=pg_labelstudio.url, api_key=pg_labelstudio.token)
    assert pulled.written == [] and len(pulled.unchanged) == len(before)
    assert {p.name: p.read_bytes() for p in corpus_files(corpus_copy)} == before
    assert not list(pg_labelstudio.data_dir.rglob("*.sqlite3")), "Label Studio wrote a SQLite database"
