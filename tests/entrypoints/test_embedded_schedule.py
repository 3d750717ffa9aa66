"""`changple serve` without Redis keeps the schedule itself: the same jobs as `changple scheduler`,
run on a thread of the server, acting only while it leads its data directory (a FileMutex)."""

from __future__ import annotations

import time
from pathlib import Path

from litestar.testing import TestClient

from changple_adapters.sql.migrations import upgrade_database
from changple_domain.model.runs import RunState, RunTrigger
from changple_domain.use_cases.pipeline_runs import StartRun
from changple_entrypoints.composition.bootstrap import build_container
from changple_entrypoints.composition.container import Container
from changple_entrypoints.http.app import create_app
from changple_entrypoints.settings import Settings

DEADLINE_SECONDS = 60  # generous: the wait ends as soon as the run is finished


def _embedded(data_dir: Path) -> Container:
    settings = Settings(_env_file=None, data_dir=data_dir, redis_url=None)  # type: ignore[call-arg]
    upgrade_database(settings.resolved_database_url)
    return build_container(settings)


def _state(container: Container, run_id: str) -> RunState | None:
    uow = container.uow()
    with uow:
        run = uow.runs.get(run_id)
    return None if run is None else run.state


def test_serve_without_redis_runs_the_schedule_and_one_server_per_data_directory_leads(tmp_path: Path) -> None:
    leader, standby = _embedded(tmp_path / "data"), _embedded(tmp_path / "data")
    stale = leader.start_run(StartRun(key="nightly:lost", trigger=RunTrigger.SCHEDULE)).run  # nobody steps it

    with (
        TestClient(app=create_app(leader, run_embedded_worker=True)),
        TestClient(app=create_app(standby, run_embedded_worker=True)),
    ):
        schedule = leader.embedded_schedule()
        assert schedule.running
        assert {job.id for job in schedule.get_jobs()} >= {"nightly", "poll", "revocations"}
        assert leader.scheduler_lease().held()
        assert not standby.scheduler_lease().held()  # the same data directory: one leader

        leader.embedded_schedule().get_job("poll").func()  # the leader's poll, as its timer would run it
        deadline = time.monotonic() + DEADLINE_SECONDS
        while _state(leader, stale.id) is RunState.RUNNING and time.monotonic() < deadline:
            time.sleep(0.05)

        assert _state(leader, stale.id) is RunState.SUCCEEDED  # the poll's tick finished the open run
    assert not schedule.running
    after = _embedded(tmp_path / "data").scheduler_lease()
    assert after.refresh()  # both servers stopped: their leadership was let go
    after.release()
