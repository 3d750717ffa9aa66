"""Pipeline endpoints. Scans, runs, status, batches and post trails are for admins and for service
tokens with the `pipeline` scope; search is open to every caller, within a budget per caller."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Response, get, post
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, JSONBody, QueryParameter, SkipValidation
from pydantic import BaseModel, ConfigDict, Field

from changple_domain.errors import NotFound
from changple_domain.model.access import Scope
from changple_domain.model.runs import RunTrigger
from changple_domain.ports import TaskQueue, UnitOfWork
from changple_domain.use_cases.pipeline_report import JobProgress, PipelineStatus, pipeline_status
from changple_domain.use_cases.pipeline_runs import StartRun
from changple_domain.use_cases.post_trail import PostTrail, post_trail
from changple_domain.use_cases.queue_work import queue_pipeline_run, queue_scan
from changple_domain.use_cases.scan_cafe import ScanCafe
from changple_domain.use_cases.search import SearchHit, SearchQuery
from changple_entrypoints.containers import Container
from changple_entrypoints.http.access import AUTH_RESPONSES, SECURITY, requires
from changple_entrypoints.http.rate_limits import RATE_LIMITED_PER_CALLER, per_caller_limit
from changple_entrypoints.http.schemas import ErrorRead, IdPath

Uow = NamedDependency[SkipValidation[UnitOfWork]]
Queue = NamedDependency[SkipValidation[TaskQueue]]
Services = NamedDependency[SkipValidation[Container]]


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
def ingest(
    uow: Uow, task_queue: Queue, services: Services, data: JSONBody[IngestRequest | None] = None
) -> IngestAccepted:
    started = queue_pipeline_run(
        StartRun(key=data.key if data else None, trigger=RunTrigger.API),
        uow=uow,
        clock=services.clock(),
        queue=task_queue,
    )
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
def run_scan(
    uow: Uow, task_queue: Queue, services: Services, data: JSONBody[ScanRequest | None] = None
) -> ScanAccepted:
    request = data or ScanRequest()
    scan = queue_scan(
        ScanCafe(key=request.key, trigger=RunTrigger.API),
        ingest_after=request.ingest_after,
        uow=uow,
        clock=services.clock(),
        queue=task_queue,
    )
    return ScanAccepted(scan_id=scan.id, key=scan.key, state=scan.state.value, phase=scan.phase)


@get(
    "/api/v1/scraper/status/",
    **PIPELINE_ONLY,
    tags=["pipeline"],
    sync_to_thread=True,
    summary="Posts by stage, open batch jobs with progress, recent runs, cost",
)
def status(services: Services) -> PipelineStatus:
    return pipeline_status(uow=services.uow(), policy=services.ingestion_policy(), config=services.pipeline_config())


@get("/api/v1/batches/", tags=["pipeline"], sync_to_thread=True, **PIPELINE_ONLY)
def list_batches(uow: Uow, limit: Annotated[int, QueryParameter(ge=1, le=500)] = 50) -> list[JobProgress]:
    with uow:
        return [JobProgress.of(job) for job in uow.batches.recent(limit=limit)]


@get(
    "/api/v1/batches/{job_id:str}/",
    tags=["pipeline"],
    sync_to_thread=True,
    **pipeline_only(missing="No batch job has this id."),
)
def get_batch(job_id: FromPath[str], uow: Uow) -> Response[Any]:
    with uow:
        job = uow.batches.get(job_id)
    if job is None:
        raise NotFound(f"no batch job '{job_id}'")
    return Response(job.model_dump(mode="json"))


@get(
    "/api/v1/posts/{article_id:int}/ingestion/",
    **pipeline_only(missing="No post or status has this article id."),
    tags=["pipeline"],
    sync_to_thread=True,
    summary="One post's trail: hashes, stage attempts and errors, status, the batches that carried it",
)
def get_post_trail(article_id: IdPath, services: Services) -> PostTrail:
    return post_trail(article_id, uow=services.uow(), policy=services.ingestion_policy())


@get(
    "/api/v1/search/",
    tags=["search"],
    sync_to_thread=True,
    summary="The best posts for a query",
    description="Open to everyone; answers only with posts the ingestion policy lets into the index. Each "
    "caller has a budget a minute (per address, account or service token: CHANGPLE_SEARCH_RATE_LIMIT_*); "
    "over it, 429 with Retry-After.",
    guards=[per_caller_limit("search", "searches")],
    responses=RATE_LIMITED_PER_CALLER,
)
def search(
    services: Services,
    q: Annotated[str, QueryParameter(min_length=1, max_length=2000)],
    k: Annotated[int, QueryParameter(ge=1, le=100)] = 5,
) -> list[SearchHit]:
    return services.search(SearchQuery.of(q, k))


PIPELINE_ROUTES = [ingest, run_scan, status, list_batches, get_batch, get_post_trail, search]
