"""Time helpers shared by the models: Naver shows Korean time, we store aware datetimes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Annotated

from pydantic import AfterValidator

KST = timezone(timedelta(hours=9), "KST")


def aware_kst(value: datetime) -> datetime:
    """Naive datetimes are read as KST (the cafe's clock); aware ones keep their offset."""
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        return value.replace(tzinfo=KST)
    return value


def aware_utc(value: datetime) -> datetime:
    """Naive datetimes from our own clock or database are UTC."""
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        return value.replace(tzinfo=UTC)
    return value


# A model field of this type is always aware: a naive value (our clock, SQLite) is read as UTC.
UtcDatetime = Annotated[datetime, AfterValidator(aware_utc)]
