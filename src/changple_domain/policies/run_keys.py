"""Run keys: the name that makes a second trigger for the same run find the first.

A run asked for without a key gets `<origin>:<moment>`, the moment in Korean time with its offset
and to the microsecond (`api:2026-12-02T23:22:10.123456+09:00`): the console shows Korean time,
the offset keeps the key readable anywhere, and the microseconds keep two requests in one second
two runs, as an operator pressing "run" twice expects. A run that follows a scan is named after
the scan, so the scan's retries never start a second run; the night's scan and run are named after
the Korean date, so a second trigger in the same night finds them."""

from __future__ import annotations

from datetime import datetime

from changple_domain.model._time import KST, aware_utc
from changple_domain.model.runs import RunOrigin

AFTER_SCAN_PREFIX = "after:"


def default_run_key(origin: RunOrigin, now: datetime) -> str:
    """The key of a run `origin` asked for at `now` without naming one (naive `now` is UTC)."""
    return f"{origin.value}:{aware_utc(now).astimezone(KST).isoformat(timespec='microseconds')}"


def default_scan_key(trigger: str, now: datetime, scan_id: str) -> str:
    """The key of a scan started without one: always new (it ends with the scan's id), in the same
    Korean time with an explicit zone as a run's key."""
    return f"{trigger}:{aware_utc(now).astimezone(KST).isoformat(timespec='seconds')}:{scan_id}"


def run_key_after_scan(scan_key: str) -> str:
    """The key of the run that ingests what the scan `scan_key` found."""
    return f"{AFTER_SCAN_PREFIX}{scan_key}"


def nightly_key(now: datetime) -> str:
    """The key of the night's scan and run that `now` falls in, by the Korean calendar."""
    return f"nightly:{aware_utc(now).astimezone(KST):%Y-%m-%d}"
