"""The console's card for the last changple2 import: absent before any import, then its tallies,
refused rows and still-open batch jobs, as the import reported them."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from litestar.testing import TestClient

from changple_domain.model.legacy import LegacyEntity, LegacyImportReport, LegacyRefusal, OpenBatchJob
from changple_entrypoints.http.app import create_app
from tests.entrypoints.console_support import login_link, seeded_container


def test_the_overview_shows_the_last_import(tmp_path: Path) -> None:
    container = seeded_container(tmp_path)
    with TestClient(app=create_app(container)) as client:
        assert client.get(login_link(container), follow_redirects=False).status_code == 303
        assert 'id="legacy-import"' not in client.get("/ops").text

        at = datetime(2026, 12, 3, 3, 0, tzinfo=UTC)
        report = LegacyImportReport(started_at=at, finished_at=at)
        report.entities[LegacyEntity.POSTS].imported = 4321
        report.refuse(LegacyEntity.POSTS, LegacyRefusal(table="scraper_navercafedata", legacy_id=77, reason="NUL byte"))
        report.open_batch_jobs.append(
            OpenBatchJob(
                legacy_id=2, provider="openai", provider_job_id="batch_open_42", job_type="embed", status="processing"
            )
        )
        uow = container.uow()
        with uow:
            uow.legacy.save_report(report)
            uow.commit()

        page = client.get("/ops").text
        assert 'id="legacy-import"' in page
        assert "4321" in page
        assert "scraper_navercafedata #77: NUL byte" in page
        assert "batch_open_42" in page
