"""Pipeline endpoints. Scans, runs, status, batches and post trails are for admins and for service
tokens with the `pipeline` scope; search is open to every caller, within a budget per caller."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import get, post
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, JSONBody, QueryParameter
from pydantic import BaseModel, ConfigDict, Field

from changple_domain.model.access import Scope
from changple_domain.model.batches import BatchJob
from changple_domain.model.pages import Page
from changple_domain.model.runs import RunTrigger
from changple_domain.model.scans import ScanRun
from changple_domain.use_cases.pipeline_report import JobProgress, PipelineStatus
from changple_domain.use_cases.pipeline_runs import StartedRun, StartRun
from changple_domain.use_cases.post_trail import PostTrail
from changple_domain.use_cases.scan_cafe import ScanCafe
from changple_domain.use_cases.search import SEARCH_DEPTH, SearchHit, SearchQuery
from changple_domain.use_cases.work_status import RunStatus, ScanStatus
from changple_entrypoints.http.access import AUTH_RESPONSES, SECURITY, requires
from changple_entrypoints.http.dependencies import UseCase
from changple_entrypoints.http.rate_limits import RATE_LIMITED_PER_CALLER, per_caller_limit
from changple_entrypoints.http.schemas import ErrorRead, IdPath, Offset


def pipeline_only(*, missing: str | None = None) -> dict[str, Any]:
    """Spread into each guarded handler's decorator: the guard, and the 401/403 it adds to the schema
    (with a 404 saying what is `missing`, for routes that look one thing up)."""
    responses = {**AUTH_RESPONSES}
    if missing is not None:
        responses[404] = ResponseSpec(ErrorRead, description=missing)
    return {"guards": [requires(Scope.PIPELINE)], "responses": responses, "security": SECURITY}


PIPELINE_ONLY = pipeline_only()


class IngestRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str | None = Field(default=None, min_length=1, max_length=200, description="defaults to api:<time>")


class IngestAccepted(BaseModel):
    run_id: str
    key: str
    created: bool
    state: str


@post(
    "/api/v1/scraper/ingest/",
    **PIPELINE_ONLY,
    tags=["pipeline"],
    status_code=202,
    sync_to_thread=True,
    summary="Start (or find) a pipeline run and queue it; answers at once",
)
def ingest(queue_pipeline_run: UseCase[StartedRun], data: JSONBody[IngestRequest | None] = None) -> IngestAccepted:
    started = queue_pipeline_run(StartRun(key=data.key if data else None, trigger=RunTrigger.API))
    return IngestAccepted(
        run_id=started.run.id, key=started.run.key, created=started.created, state=started.run.state.value
    )


class ScanRequest(BaseModel):
    key: str | None = Field(default=None, min_length=1, max_length=200, description="defaults to a new key")
    ingest_after: bool = Field(default=False, description="start a pipeline run once the scan ends")


class ScanAccepted(BaseModel):
    scan_id: str
    key: str
    state: str
    phase: str


@post(
    "/api/v1/scraper/run/",
    **PIPELINE_ONLY,
    tags=["pipeline"],
    status_code=202,
    sync_to_thread=True,
    summary="Record a scan of the cafe and queue it; answers at once (progress in /api/v1/scraper/status/)",
)
def run_scan(queue_scan: UseCase[ScanRun], data: JSONBody[ScanRequest | None] = None) -> ScanAccepted:
    request = data or ScanRequest()
    scan = queue_scan(ScanCafe(key=request.key, trigger=RunTrigger.API), ingest_after=request.ingest_after)
    return ScanAccepted(scan_id=scan.id, key=scan.key, state=scan.state.value, phase=scan.phase)


@get(
    "/api/v1/scraper/status/",
    **PIPELINE_ONLY,
    tags=["pipeline"],
    sync_to_thread=True,
    summary="Posts by stage, open batch jobs with progress, recent runs, cost",
)
def status(pipeline_status: UseCase[PipelineStatus]) -> PipelineStatus:
    return pipeline_status()


def _one_by_id(*, summary: str, missing: str) -> dict[str, Any]:
    """The decorator arguments of a guarded route that reads one record by id."""
    return {"tags": ["pipeline"], "sync_to_thread": True, "summary": summary, **pipeline_only(missing=missing)}


@get(
    "/api/v1/runs/{run_id:str}/",
    **_one_by_id(
        summary="One pipeline run: state, stage counts, cost so far, started, finished, error",
        missing="No pipeline run has this id.",
    ),
)
def get_run(run_id: FromPath[str], run_status: UseCase[RunStatus]) -> RunStatus:
    return run_status(run_id)


@get(
    "/api/v1/scans/{scan_id:str}/",
    **_one_by_id(
        summary="One scan: state, phase, counts, where the walk is, started, finished, error",
        missing="No scan has this id.",
    ),
)
def get_scan(scan_id: FromPath[str], scan_status: UseCase[ScanStatus]) -> ScanStatus:
    return scan_status(scan_id)


PageSize = Annotated[int, QueryParameter(ge=1, le=500, description="page size")]


@get("/api/v1/batches/", tags=["pipeline"], sync_to_thread=True, summary="Batch jobs, newest first", **PIPELINE_ONLY)
def list_batches(
    recent_batches: UseCase[Page[JobProgress]], limit: PageSize = 50, offset: Offset = 0
) -> Page[JobProgress]:
    return recent_batches(limit=limit, offset=offset)


@get("/api/v1/runs/", tags=["pipeline"], sync_to_thread=True, summary="Pipeline runs, newest first", **PIPELINE_ONLY)
def runs_list(list_runs: UseCase[Page[RunStatus]], limit: PageSize = 20, offset: Offset = 0) -> Page[RunStatus]:
    return list_runs(limit=limit, offset=offset)


@get("/api/v1/scans/", tags=["pipeline"], sync_to_thread=True, summary="Scans, newest first", **PIPELINE_ONLY)
def scans_list(list_scans: UseCase[Page[ScanStatus]], limit: PageSize = 20, offset: Offset = 0) -> Page[ScanStatus]:
    return list_scans(limit=limit, offset=offset)


@get(
    "/api/v1/batches/{job_id:str}/",
    tags=["pipeline"],
    sync_to_thread=True,
    **pipeline_only(missing="No batch job has this id."),
)
def get_batch(job_id: FromPath[str], batch_record: UseCase[BatchJob]) -> BatchJob:
    return batch_record(job_id)


@get(
    "/api/v1/posts/{article_id:int}/ingestion/",
    **pipeline_only(missing="No post or status has this article id."),
    tags=["pipeline"],
    sync_to_thread=True,
    summary="One post's trail: hashes, stage attempts and errors, status, the batches that carried it",
)
def get_post_trail(article_id: IdPath, post_trail: UseCase[PostTrail]) -> PostTrail:
    return post_trail(article_id)


@get(
    "/api/v1/search/",
    tags=["search"],
    sync_to_thread=True,
    summary="The best posts for a query, a page at a time",
    description="Open to everyone; answers only with posts the ingestion policy lets into the index. A search "
    f"ranks its best {SEARCH_DEPTH} posts: `total` is how many of those it found, and `offset + limit` may not "
    "pass that depth. `k` is the older name of `limit`. Each caller has a budget a minute (per address, "
    "account or service token: CHANGPLE_SEARCH_RATE_LIMIT_*); over it, 429 with Retry-After.",
    guards=[per_caller_limit("search", "searches")],
    responses=RATE_LIMITED_PER_CALLER,
)
def search(
    search_page: UseCase[Page[SearchHit]],
    q: Annotated[str, QueryParameter(min_length=1, max_length=2000)],
    limit: Annotated[int, QueryParameter(ge=1, le=SEARCH_DEPTH, description="hits on this page")] = 5,
    offset: Annotated[int, QueryParameter(ge=0, le=SEARCH_DEPTH - 1, description="hits to skip")] = 0,
    k: Annotated[int | None, QueryParameter(ge=1, le=SEARCH_DEPTH, description="older name of limit")] = None,
) -> Page[SearchHit]:
    return search_page(SearchQuery.of(q, k or limit, offset))


PIPELINE_ROUTES = [
    ingest,
    run_scan,
    status,
    runs_list,
    get_run,
    scans_list,
    get_scan,
    list_batches,
    get_batch,
    get_post_trail,
    search,
]
