"""Scan runs in SQL: one small row per scan, rewritten as the scan records its progress."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.orm import Session

from changple_adapters.sql._support import count_by, first_row, refused_as, translate_errors, update_existing
from changple_adapters.sql.tables import ScanRunRow
from changple_domain.errors import AlreadyExists
from changple_domain.model.runs import RunState
from changple_domain.model.scans import ScanRun
from changple_domain.ports import ScanRunRepository

SCANS: Table = ScanRunRow.__table__  # type: ignore[assignment]
_FIELDS = (
    "key",
    "trigger",
    "state",
    "phase",
    "counts",
    "last_article_id",
    "stopped_because",
    "error",
    "started_at",
    "finished_at",
)


def _values(scan: ScanRun) -> dict[str, Any]:
    values: dict[str, Any] = {name: getattr(scan, name) for name in _FIELDS}
    values["trigger"], values["state"] = scan.trigger.value, scan.state.value
    values["counts"] = scan.counts.model_dump()  # JSON with the field names as keys, as rows always had
    return values


def _scan(row: RowMapping) -> ScanRun:
    return ScanRun.model_validate(dict(row))


class SqlScanRunRepository(ScanRunRepository):
    def __init__(self, session: Session) -> None:
        self._session = session

    @translate_errors
    def add(self, scan: ScanRun) -> None:
        taken = AlreadyExists(f"scan '{scan.key}' already exists")
        if self.get(scan.id) is not None or self.get_by_key(scan.key) is not None:
            raise taken
        with refused_as(self._session, taken):  # another transaction may have taken the key meanwhile
            self._session.execute(insert(SCANS).values(id=scan.id, **_values(scan)))

    @translate_errors
    def save(self, scan: ScanRun) -> None:
        statement = update(SCANS).where(SCANS.c.id == scan.id).values(**_values(scan))
        update_existing(self._session, statement, f"scan '{scan.id}' was never added")

    @translate_errors
    def get(self, scan_id: str) -> ScanRun | None:
        return first_row(self._session, select(SCANS).where(SCANS.c.id == scan_id), _scan)

    @translate_errors
    def get_by_key(self, key: str) -> ScanRun | None:
        return first_row(self._session, select(SCANS).where(SCANS.c.key == key), _scan)

    @translate_errors
    def recent(self, *, limit: int = 20, offset: int = 0) -> list[ScanRun]:
        if limit <= 0:
            return []
        newest_first = select(SCANS).order_by(SCANS.c.started_at.desc(), SCANS.c.id.desc())
        query = newest_first.limit(limit).offset(max(offset, 0))
        return [_scan(row) for row in self._session.execute(query).mappings()]

    @translate_errors
    def count_by_state(self) -> dict[RunState, int]:
        return {RunState(state): n for state, n in count_by(self._session, SCANS.c.state).items()}
