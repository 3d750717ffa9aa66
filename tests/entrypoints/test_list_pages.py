"""Every list the API serves has one shape, the columns list's: `items`, `total` (the same on every
page), `limit` and `offset`; walking the pages gives every item once, in order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from litestar.testing import TestClient

from changple_domain.model.runs import RunTrigger
from changple_domain.model.scans import ScanRun
from changple_domain.use_cases.pipeline_runs import StartRun
from changple_entrypoints.composition.container import Container
from changple_entrypoints.sample_data import load_sample_into_store
from tests.entrypoints.draining import drain

Client = TestClient  # type: ignore[type-arg]
START = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


def _walk(client: Any, path: str, key: str, **params: Any) -> tuple[list[Any], set[int]]:
    """Every item of a list, two at a time, and the totals the pages reported."""
    items: list[Any] = []
    totals: set[int] = set()
    offset = 0
    while True:
        response = client.get(path, params={**params, "limit": 2, "offset": offset})
        assert response.status_code == 200, response.text
        page = response.json()
        assert set(page) == {"items", "total", "limit", "offset"}
        assert (page["limit"], page["offset"]) == (2, offset)
        totals.add(page["total"])
        items.extend(item[key] for item in page["items"])
        offset += 2
        if offset >= page["total"]:
            return items, totals


def test_runs_and_scans_page_newest_first(client: Client, container: Container) -> None:
    keys = [f"api:page-{n}" for n in range(5)]
    for key in keys:
        container.start_run(StartRun(key=key, trigger=RunTrigger.API))
    uow = container.uow()
    with uow:
        for n in range(3):
            started = START + timedelta(minutes=n)
            uow.scans.add(ScanRun(id=f"scan-{n}", key=f"api:scan-{n}", trigger=RunTrigger.API, started_at=started))
        uow.commit()

    runs, run_totals = _walk(client, "/api/v1/runs/", "key")
    scans, scan_totals = _walk(client, "/api/v1/scans/", "id")

    assert runs == keys[::-1]
    assert run_totals == {5}
    assert scans == ["scan-2", "scan-1", "scan-0"]
    assert scan_totals == {3}


def test_batches_and_search_page_without_repeats(client: Client, container: Container) -> None:
    load_sample_into_store(uow=container.uow(), clock=container.clock())
    client.post("/api/v1/scraper/ingest/", json={"key": "api:pages"})
    drain(container)

    batches, batch_totals = _walk(client, "/api/v1/batches/", "id")
    assert len(batches) == len(set(batches)) == 2
    assert batch_totals == {2}

    hits, hit_totals = _walk(client, "/api/v1/search/", "article_id", q="가맹계약서 확인할 것")
    assert len(hits) == len(set(hits)) > 2
    assert hit_totals == {len(hits)}
    first = client.get("/api/v1/search/", params={"q": "가맹계약서 확인할 것", "limit": 3}).json()
    assert [h["article_id"] for h in first["items"]] == hits[:3]  # pages agree with one bigger page
    older = client.get("/api/v1/search/", params={"q": "가맹계약서 확인할 것", "k": 3}).json()
    assert older["items"] == first["items"]  # `k` is the older name of `limit`


@pytest.mark.parametrize(
    ("path", "params", "says"),
    [
        ("/api/v1/search/", {"q": "가맹", "limit": 60, "offset": 60}, "at most that"),
        ("/api/v1/search/", {"q": "가맹", "offset": -1}, "offset"),
        ("/api/v1/runs/", {"limit": 0}, "limit"),
        ("/api/v1/scans/", {"offset": -1}, "offset"),
        ("/api/v1/batches/", {"limit": 501}, "limit"),
    ],
)
def test_a_window_out_of_range_is_refused_with_what_to_fix(
    client: Client, path: str, params: dict[str, Any], says: str
) -> None:
    answer = client.get(path, params=params)
    assert answer.status_code == 400
    assert says in answer.text
