"""Record ids come from the IdSource port: random in production, counting up in tests."""

from __future__ import annotations

import re

from changple_adapters.local.ids import RandomIds
from changple_adapters.memory import FixedClock, MemoryUnitOfWork, SequentialIds
from changple_domain.model.runs import RunTrigger
from changple_domain.ports import IdSource
from changple_domain.use_cases.pipeline_runs import StartRun, start_run
from changple_domain.use_cases.scan_cafe import ScanCafe, start_scan


def test_random_ids_are_unique_uuid_hex_after_the_prefix() -> None:
    ids = RandomIds()
    assert isinstance(ids, IdSource)
    made = {ids.new_id("scan") for _ in range(200)}
    assert len(made) == 200
    assert all(re.fullmatch(r"scan-[0-9a-f]{32}", i) for i in made)


def test_sequential_ids_count_per_prefix() -> None:
    ids = SequentialIds()
    assert isinstance(ids, IdSource)
    assert [ids.new_id("scan"), ids.new_id("run"), ids.new_id("scan")] == ["scan-1", "run-1", "scan-2"]


def test_scans_and_runs_take_their_ids_from_the_port() -> None:
    uow, clock, ids = MemoryUnitOfWork(), FixedClock(), SequentialIds()
    assert start_scan(ScanCafe(key="nightly:1"), uow=uow, clock=clock, ids=ids).id == "scan-1"
    started = start_run(StartRun(key="nightly:1", trigger=RunTrigger.SCHEDULE), uow=uow, clock=clock, ids=ids)
    assert started.run.id == "run-1"
