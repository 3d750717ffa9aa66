"""The ports, each served by the adapter `adapters.py` chooses from the settings. Nothing connects
at import or construction time: providers build engines, clients and brokers when first asked.
Tests override a port here (`container.summarizer.override(...)`) and every use case bound on top
of it (see the area modules) gets the override."""

from __future__ import annotations

import time
from collections.abc import Callable

from dependency_injector import containers, providers

from changple_adapters.generation_cache import GenerationCache
from changple_adapters.local.clock import SystemClock
from changple_adapters.local.ids import RandomIds
from changple_adapters.memory import MemoryStore, MemoryUnitOfWork
from changple_adapters.query_cache import CachedQueryEmbedder
from changple_adapters.queue.dramatiq_queue import DramatiqTaskQueue
from changple_adapters.sql.engine import create_engine_for, create_session_factory
from changple_adapters.sql.health import database_is_reachable
from changple_adapters.sql.unit_of_work import SqlUnitOfWork
from changple_domain.policies.workflow import WorkflowTimings
from changple_domain.ports import (
    BatchEmbedder,
    BatchSummarizer,
    CafeSource,
    Clock,
    ContentChanges,
    ExportProcessor,
    FileStorage,
    LoginLinkStore,
    Mutex,
    OAuthProvider,
    QueryEmbedder,
    TaskQueue,
    UnitOfWork,
    VectorIndex,
)
from changple_domain.use_cases.pipeline_ports import PipelinePorts
from changple_domain.use_cases.scan_cafe import ScanPorts
from changple_entrypoints.composition.adapters import (
    make_cafe_source,
    make_content_changes,
    make_embedder,
    make_export_processor,
    make_file_storage,
    make_login_links,
    make_mutex,
    make_oauth_provider,
    make_pipeline_config,
    make_scan_policy,
    make_summarizer,
    make_token_cipher,
    make_vector_index,
)
from changple_entrypoints.settings import Settings
from changple_entrypoints.worker.broker import broker_is_reachable, build_broker
from changple_entrypoints.worker.dead_letters import DeadLetters, dead_letters_for


def _always_ready() -> tuple[bool, str]:
    return True, "memory"


class Ports(containers.DeclarativeContainer):
    """Every port with its adapter; `Container` (container.py) adds the use cases bound to them."""

    settings = providers.Dependency(instance_of=Settings)

    clock: providers.Provider[Clock] = providers.Singleton(SystemClock)
    ids = providers.Singleton(RandomIds)  # record ids (scans, runs, batch jobs): unique, not secret
    ingestion_policy = providers.Singleton(lambda s: s.ingestion_policy(), settings)
    pipeline_config = providers.Singleton(make_pipeline_config, settings)
    content_config = providers.Singleton(lambda s: s.content_config(), settings)
    scan_policy = providers.Singleton(make_scan_policy, settings)
    workflow_timings = providers.Singleton(
        lambda s: WorkflowTimings(
            scan_busy_retry_seconds=s.scan_busy_retry_seconds,
            poll_interval_seconds=s.poll_interval_seconds,
            poll_max_interval_seconds=s.poll_max_interval_seconds,
        ),
        settings,
    )
    # A fresh source per use: a browser belongs to the scan (and thread) that started it.
    cafe_source: providers.Provider[CafeSource] = providers.Factory(make_cafe_source, settings)

    # --- providers: real ones when keys are set, embedded offline ones otherwise
    summarizer: providers.Provider[BatchSummarizer] = providers.Singleton(make_summarizer, settings)
    embedder: providers.Provider[BatchEmbedder] = providers.Singleton(make_embedder, settings)
    vector_index: providers.Provider[VectorIndex] = providers.Singleton(
        lambda s, e: make_vector_index(s, e.dimensions), settings, embedder
    )
    # Search embeds each query at once: repeated queries come from this process's cache.
    query_embedder: providers.Provider[QueryEmbedder] = providers.Singleton(
        lambda s, e: CachedQueryEmbedder(e, max_entries=s.search_embedding_cache_entries), settings, embedder
    )
    content_index: providers.Provider[VectorIndex] = providers.Singleton(
        lambda s, e: make_vector_index(s, e.dimensions, collection="content"), settings, embedder
    )

    # --- Notion content: uploaded files on the local disk (or in memory), exports read in memory
    file_storage: providers.Provider[FileStorage] = providers.Singleton(make_file_storage, settings)
    export_processor: providers.Provider[ExportProcessor] = providers.Singleton(make_export_processor)

    # --- the console's one-time login links (embedded mode): files every process of the install shares
    login_links: providers.Provider[LoginLinkStore] = providers.Singleton(make_login_links, settings)

    # --- Naver Login: raises InvalidSetting (HTTP 503) until its client is configured
    oauth: providers.Provider[OAuthProvider] = providers.Singleton(make_oauth_provider, settings, clock)

    # --- storage: a SQL database (SQLite by default, Postgres by URL) or process memory
    engine = providers.Singleton(create_engine_for, url=settings.provided.resolved_database_url)
    session_factory = providers.Singleton(create_session_factory, engine)
    memory_store = providers.Singleton(MemoryStore)
    token_cipher = providers.Singleton(make_token_cipher, settings)
    # Told by every unit of work that commits content; the public columns cache reads it.
    content_changes: providers.Provider[ContentChanges] = providers.Singleton(make_content_changes, settings)
    columns_cache = providers.Singleton(GenerationCache, max_entries=64, max_age_seconds=30.0)
    uow: providers.Provider[UnitOfWork] = providers.Selector(
        settings.provided.storage,
        sql=providers.Factory(
            SqlUnitOfWork,
            session_factory=session_factory,
            cipher=token_cipher,
            on_content_commit=content_changes.provided.bump,
        ),
        memory=providers.Factory(MemoryUnitOfWork, store=memory_store, on_content_commit=content_changes.provided.bump),
    )
    database_check: providers.Provider[Callable[[], tuple[bool, str]]] = providers.Selector(
        settings.provided.storage,
        sql=providers.Callable(lambda engine: lambda: database_is_reachable(engine), engine),
        memory=providers.Object(_always_ready),
    )

    # --- background work: Redis broker when configured, in-process otherwise
    broker = providers.Singleton(
        build_broker,
        redis_url=settings.provided.redis_url,
        namespace=settings.provided.redis_namespace,
        dead_worker_seconds=settings.provided.dead_worker_seconds,
    )
    task_queue: providers.Provider[TaskQueue] = providers.Singleton(DramatiqTaskQueue, broker=broker)
    broker_check = providers.Callable(lambda broker: lambda: broker_is_reachable(broker), broker)
    # The messages the broker gave up on (worker/dead_letters.py), seen and requeued by a person.
    dead_letters: providers.Provider[DeadLetters] = providers.Singleton(dead_letters_for, broker)
    # One pipeline tick at a time: across machines on Redis, across processes on one machine.
    mutex: providers.Provider[Mutex] = providers.Singleton(make_mutex, settings)

    pipeline_ports = providers.Factory(
        PipelinePorts,
        uow=uow,
        clock=clock,
        summarizer=summarizer,
        embedder=embedder,
        index=vector_index,
        config=pipeline_config,
        policy=ingestion_policy,
        sleep=providers.Object(time.sleep),
        mutex=mutex,
        ids=ids,
    )
    scan_ports = providers.Factory(
        ScanPorts,
        uow=uow,
        clock=clock,
        policy=ingestion_policy,
        scan=scan_policy,
        mutex=mutex,
        ids=ids,
    )
