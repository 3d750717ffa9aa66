"""Contract of ScanRunRepository, on every unit-of-work implementation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from changple_domain.errors import AlreadyExists, NotFound
from changple_domain.model.runs import RunState, RunTrigger
from changple_domain.model.scans import ScanCounts, ScanRun
from changple_domain.ports import UnitOfWork

T0 = datetime(2026, 11, 22, 4, 0, tzinfo=UTC)


def make_scan(scan_id: str, key: str, started: datetime = T0) -> ScanRun:
    return ScanRun(id=scan_id, key=key, trigger=RunTrigger.SCHEDULE, started_at=started)


def test_scan_round_trip_progress_and_finish(uow: UnitOfWork) -> None:
    scan = make_scan("scan-1", "nightly:2026-11-22")
    with uow:
        uow.scans.add(scan)
        uow.commit()
    progressed = scan.progressed(phase="new", counts=ScanCounts(fetched=40, new=31, gaps=2), last_article_id=1040)
    with uow:
        uow.scans.save(progressed)
        uow.commit()
    with uow:
        assert uow.scans.get("scan-1") == progressed
        assert uow.scans.get_by_key("nightly:2026-11-22") == progressed
    done = progressed.finished(at=T0 + timedelta(minutes=9), stopped_because="50 missing ids in a row")
    with uow:
        uow.scans.save(done)
        uow.commit()
    with uow:
        got = uow.scans.get("scan-1")
    assert got is not None
    assert got.state is RunState.SUCCEEDED
    assert got.finished_at == T0 + timedelta(minutes=9)
    assert got.stopped_because == "50 missing ids in a row"
    assert got.counts == ScanCounts(fetched=40, new=31, gaps=2)


def test_scan_keys_and_ids_are_unique_and_the_first_stays(uow: UnitOfWork) -> None:
    with uow:
        uow.scans.add(make_scan("scan-1", "nightly:2026-11-22"))
        uow.commit()
    with uow:
        with pytest.raises(AlreadyExists):
            uow.scans.add(make_scan("scan-2", "nightly:2026-11-22"))
        with pytest.raises(AlreadyExists):
            uow.scans.add(make_scan("scan-1", "manual:other"))
    with uow:
        assert [s.id for s in uow.scans.recent()] == ["scan-1"]


def test_saving_an_unknown_scan_raises_and_missing_ones_are_none(uow: UnitOfWork) -> None:
    with uow:
        with pytest.raises(NotFound):
            uow.scans.save(make_scan("scan-9", "manual:x"))
        assert uow.scans.get("scan-9") is None
        assert uow.scans.get_by_key("manual:x") is None


def test_recent_scans_newest_first_with_a_limit(uow: UnitOfWork) -> None:
    with uow:
        for i in range(5):
            uow.scans.add(make_scan(f"scan-{i}", f"manual:{i}", T0 + timedelta(hours=i)))
        uow.commit()
    with uow:
        assert [s.id for s in uow.scans.recent(limit=3)] == ["scan-4", "scan-3", "scan-2"]
        assert uow.scans.recent(limit=0) == []
        assert [s.id for s in uow.scans.recent(limit=2, offset=1)] == ["scan-3", "scan-2"]


def test_scans_are_counted_by_state(uow: UnitOfWork) -> None:
    with uow:
        assert uow.scans.count_by_state() == {}
        uow.scans.add(make_scan("scan-1", "k1"))
        uow.scans.add(make_scan("scan-2", "k2").finished(at=T0 + timedelta(minutes=3)))
        uow.scans.add(make_scan("scan-3", "k3").finished(at=T0 + timedelta(minutes=4), error="login page"))
        uow.commit()
    with uow:
        assert uow.scans.count_by_state() == {RunState.RUNNING: 1, RunState.SUCCEEDED: 1, RunState.FAILED: 1}
