"""Run keys and run counts: one key format whoever asks, and counts that old rows still fill."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

from changple_adapters.memory import FixedClock, MemoryUnitOfWork, SequentialIds
from changple_domain.model._time import KST
from changple_domain.model.runs import PipelineRun, RunCounts, RunOrigin, RunTrigger
from changple_domain.policies.run_keys import default_run_key, default_scan_key, nightly_key, run_key_after_scan
from changple_domain.use_cases.pipeline_runs import StartRun, start_run
from changple_domain.use_cases.plan import WorkPlan

T0 = datetime(2026, 12, 2, 14, 22, 10, tzinfo=UTC)


def test_a_default_key_names_who_asked_and_the_moment_in_korean_time() -> None:
    assert default_run_key(RunOrigin.API, T0) == "api:2026-12-02T23:22:10.000000+09:00"
    assert default_run_key(RunOrigin.CONSOLE, T0 + timedelta(microseconds=7)) == "ops:2026-12-02T23:22:10.000007+09:00"
    assert default_run_key(RunOrigin.CLI, T0).startswith("manual:2026-12-02T23:22:10")


def test_a_naive_moment_is_read_as_utc_and_an_other_zone_gives_the_same_key() -> None:
    new_york = T0.astimezone(timezone(timedelta(hours=-5)))
    assert default_run_key(RunOrigin.API, T0.replace(tzinfo=None)) == default_run_key(RunOrigin.API, T0)
    assert default_run_key(RunOrigin.API, new_york) == default_run_key(RunOrigin.API, T0)


def test_two_requests_in_one_second_are_two_keys() -> None:
    first = default_run_key(RunOrigin.API, T0)
    assert default_run_key(RunOrigin.API, T0 + timedelta(microseconds=1)) != first


def test_each_trigger_names_its_own_origin() -> None:
    assert [RunOrigin.of(t) for t in RunTrigger] == [RunOrigin.SCHEDULE, RunOrigin.CLI, RunOrigin.API]


def test_the_run_after_a_scan_is_named_after_the_scan() -> None:
    assert run_key_after_scan("api:scan-1") == "after:api:scan-1"


def test_the_nightly_key_is_the_korean_date() -> None:
    assert nightly_key(datetime(2026, 11, 21, 19, 0, tzinfo=UTC)) == "nightly:2026-11-22"  # 04:00 KST
    assert nightly_key(datetime(2026, 11, 21, 14, 59, tzinfo=UTC)) == "nightly:2026-11-21"


def test_start_run_without_a_key_mints_one_from_its_clock() -> None:
    uow, clock, ids = MemoryUnitOfWork(), FixedClock(T0), SequentialIds()
    console = start_run(StartRun(trigger=RunTrigger.MANUAL, origin=RunOrigin.CONSOLE), uow=uow, clock=clock, ids=ids)
    assert console.run.key == "ops:2026-12-02T23:22:10.000000+09:00"
    clock.advance(timedelta(microseconds=1))
    api = start_run(StartRun(trigger=RunTrigger.API), uow=uow, clock=clock, ids=ids)
    assert api.created
    assert api.run.key == "api:2026-12-02T23:22:10.000001+09:00"
    named = start_run(StartRun(key="nightly:2026-12-02", trigger=RunTrigger.SCHEDULE), uow=uow, clock=clock, ids=ids)
    assert named.run.key == "nightly:2026-12-02"


def _run(**fields: object) -> PipelineRun:
    return PipelineRun.model_validate({"id": "run-1", "key": "k", "trigger": "api", "started_at": T0, **fields})


def test_counts_of_an_uncounted_run_read_as_zero_and_show_as_before() -> None:
    fresh = _run()
    assert fresh.counts.indexed == 0
    assert not fresh.counts.counted
    assert fresh.model_dump(mode="json")["counts"] == {}
    assert _run(counts={}).model_dump()["counts"] == {}


def test_counts_stored_by_name_load_and_dump_by_the_same_names() -> None:
    stored = {
        "needs_summary": 1,
        "needs_embedding": 2,
        "needs_removal": 3,
        "failed": 4,
        "indexed": 5,
        "ineligible": 6,
        "jobs": 7,
        "open_jobs": 8,
    }
    run = _run(counts=stored)
    assert run.counts == RunCounts(**stored)
    assert run.counts.jobs == 7
    assert json.loads(run.model_dump_json())["counts"] == stored
    zeros = run.model_copy(update={"counts": RunCounts(**dict.fromkeys(stored, 0))})
    assert zeros.model_dump()["counts"] == dict.fromkeys(stored, 0)  # counted, even when all zero


def test_the_plan_total_is_every_post_on_its_way_to_the_index() -> None:
    plan = WorkPlan(summary=[1, 2], embedding=[3], removal=[9], waiting_summary=4, waiting_embedding=5, done=6)
    assert plan.total == 2 + 1 + 4 + 5 + 6
    assert WorkPlan().total == 0


def test_a_scan_without_a_key_gets_a_new_one_in_korean_time_with_its_zone() -> None:
    key = default_scan_key("manual", T0, "scan-abc")
    assert key == f"manual:{T0.astimezone(KST).isoformat(timespec='seconds')}:scan-abc"
    assert "+09:00" in key
