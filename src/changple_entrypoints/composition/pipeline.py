"""The pipeline's use cases bound to their ports: queueing scans and runs, status, batches, post
trails, reading posts and searching them."""

from __future__ import annotations

from dependency_injector import providers

from changple_domain.use_cases import (
    apply_results,
    background,
    batch_records,
    evaluate_ingestion,
    pipeline_report,
    pipeline_runs,
    queue_work,
    read_posts,
    run_pipeline,
    work_status,
)
from changple_domain.use_cases import drive_run as driving
from changple_domain.use_cases import operational_figures as figures
from changple_domain.use_cases import post_trail as trails
from changple_domain.use_cases import reindex as reindexing
from changple_domain.use_cases import search as searching
from changple_entrypoints import sample_data
from changple_entrypoints.composition.ports import Ports
from changple_entrypoints.worker import dead_letters
from changple_entrypoints.worker.broker import queue_depths as read_queue_depths


class PipelineUseCases(Ports):
    # `queue_scan(cmd, ingest_after=...)`, `queue_pipeline_run(cmd)`: recorded, then queued.
    queue_scan = providers.Callable(
        queue_work.queue_scan, uow=Ports.uow, clock=Ports.clock, queue=Ports.task_queue, ids=Ports.ids
    )
    queue_pipeline_run = providers.Callable(
        queue_work.queue_pipeline_run, uow=Ports.uow, clock=Ports.clock, queue=Ports.task_queue, ids=Ports.ids
    )
    queue_poll = providers.Callable(queue_work.queue_poll, queue=Ports.task_queue)
    pipeline_status = providers.Callable(
        pipeline_report.pipeline_status, uow=Ports.uow, policy=Ports.ingestion_policy, config=Ports.pipeline_config
    )
    estimate_run = providers.Callable(
        pipeline_report.estimate_run,
        uow=Ports.uow,
        policy=Ports.ingestion_policy,
        config=Ports.pipeline_config,
        summary_model=Ports.summarizer.provided.model,
        embedding_model=Ports.embedder.provided.model,
    )
    # `drive_run(key, wait=..., on_tick=...)`: `changple pipeline run`, ticking in this process.
    drive_run = providers.Callable(driving.drive_run, ports=Ports.pipeline_ports, timings=Ports.workflow_timings)
    tick_latest_open_run = providers.Callable(driving.tick_latest_open_run, ports=Ports.pipeline_ports)
    # `pipeline_tick(run_id=...)`: one step of the pipeline; `latest_open_run()`: the run a poll steps.
    pipeline_tick = providers.Callable(run_pipeline.pipeline_tick, Ports.pipeline_ports)
    latest_open_run = providers.Callable(run_pipeline.latest_open_run, Ports.uow)
    start_run = providers.Callable(pipeline_runs.start_run, uow=Ports.uow, clock=Ports.clock, ids=Ports.ids)
    # `scan_cafe(cmd, on_article=...)`: one scan with a fresh source, closed when it ends.
    scan_cafe = providers.Callable(background.scan_with_own_source, ports=Ports.scan_ports, source=Ports.cafe_source)
    apply_job = providers.Callable(apply_results.apply_job_by_id, ports=Ports.pipeline_ports)
    # `reindex(article_ids or None, summaries=...)`: mark posts to be embedded (and summarized) again.
    reindex = providers.Callable(reindexing.reindex, uow=Ports.uow)
    recent_batches = providers.Callable(batch_records.recent_batches, uow=Ports.uow)
    batch_record = providers.Callable(batch_records.batch_record, uow=Ports.uow)
    # `run_status(run_id)`, `scan_status(scan_id)`: one run or scan by id, else NotFound.
    run_status = providers.Callable(work_status.run_status, uow=Ports.uow)
    scan_status = providers.Callable(work_status.scan_status, uow=Ports.uow)
    # `list_runs(limit=, offset=)`, `list_scans(...)`: a page of them, newest first.
    list_runs = providers.Callable(work_status.list_runs, uow=Ports.uow)
    list_scans = providers.Callable(work_status.list_scans, uow=Ports.uow)
    post_trail = providers.Callable(trails.post_trail, uow=Ports.uow, policy=Ports.ingestion_policy)
    # `read_post(article_id, viewer=caller)`: a post the caller may read, else NotFound.
    read_post = providers.Callable(read_posts.read_post, uow=Ports.uow, policy=Ports.ingestion_policy)
    # `read_many_posts(article_ids, viewer=caller)`: up to 100 posts; those the caller may not read apart.
    read_many_posts = providers.Callable(read_posts.read_posts, uow=Ports.uow, policy=Ports.ingestion_policy)
    # `search(SearchQuery)`: the posts the public may read that best answer the query;
    # `search_page(SearchQuery)`: the same as one page of the search's whole depth (the API's list).
    search = providers.Callable(searching.search_posts)
    search_page = providers.Callable(searching.search_page)
    for _searching in (search, search_page):
        _searching.add_kwargs(
            uow=Ports.uow, embedder=Ports.query_embedder, index=Ports.vector_index, policy=Ports.ingestion_policy
        )
    del _searching
    # The demo's tour: the bundled sample cafe scanned like Naver, then every stored post's verdict.
    scan_sample_cafe = providers.Callable(sample_data.scan_sample_cafe, ports=Ports.scan_ports)
    # `/metrics`: counts and sums the store answers cheaply, and each Dramatiq queue's depth.
    operational_figures = providers.Callable(figures.operational_figures, uow=Ports.uow)
    queue_depths = providers.Callable(read_queue_depths, Ports.broker)
    # Dead letters (the console's Queues page, `changple queue ...`): `list_dead_letters(queue=None,
    # limit=50, offset=0)`, `requeue_dead_letter(message_id)`, `requeue_dead_queue(queue)`.
    list_dead_letters = providers.Callable(dead_letters.list_dead_letters, Ports.dead_letters)
    requeue_dead_letter = providers.Callable(dead_letters.requeue_dead_letter, Ports.dead_letters)
    requeue_dead_queue = providers.Callable(dead_letters.requeue_dead_queue, Ports.dead_letters)
    ingestion_report = providers.Callable(
        evaluate_ingestion.ingestion_report, uow=Ports.uow, policy=Ports.ingestion_policy
    )
