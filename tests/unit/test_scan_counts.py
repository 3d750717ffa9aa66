"""Scan counts are a typed model whose field names are the stored JSON's keys: rows written as a
plain dict (perhaps with keys missing, or none before the first fetch) still load."""

from __future__ import annotations

from datetime import UTC, datetime

from changple_domain.model.scans import ScanCounts, ScanRun

NOW = datetime(2026, 11, 22, 4, 0, tzinfo=UTC)
KEYS = ["fetched", "new", "changed", "unchanged", "deleted", "members_only", "skipped", "errors", "gaps"]


def test_an_old_row_with_a_dict_of_counts_loads() -> None:
    row = {"id": "scan-1", "key": "nightly:1", "trigger": "schedule", "started_at": NOW}
    partial = ScanRun.model_validate(row | {"counts": {"fetched": 40, "new": 31, "gaps": 2}})
    assert partial.counts == ScanCounts(fetched=40, new=31, gaps=2)
    assert partial.not_started is False
    empty = ScanRun.model_validate(row | {"counts": {}})
    assert empty.counts == ScanCounts()
    assert empty.not_started


def test_counts_dump_with_the_keys_readers_use_and_add_up() -> None:
    counts = ScanCounts().plus(fetched=2, new=1).plus(fetched=1, gaps=1)
    assert list(counts.model_dump()) == KEYS
    assert (counts.fetched, counts.new, counts.gaps, counts.errors) == (3, 1, 1, 0)
