"""The operations console's use cases bound to their ports."""

from __future__ import annotations

from dependency_injector import providers

from changple_domain.use_cases import console, console_actions, retry_post
from changple_entrypoints.composition.ports import Ports


class ConsoleUseCases(Ports):
    console_overview = providers.Callable(
        console.console_overview,
        uow=Ports.uow,
        clock=Ports.clock,
        policy=Ports.ingestion_policy,
        config=Ports.pipeline_config,
        summary_model=Ports.summarizer.provided.model,
        embedding_model=Ports.embedder.provided.model,
    )
    console_activity = providers.Callable(console_actions.console_activity, uow=Ports.uow)
    console_scan = providers.Callable(
        console_actions.console_scan, uow=Ports.uow, clock=Ports.clock, queue=Ports.task_queue, ids=Ports.ids
    )
    console_run = providers.Callable(
        console_actions.console_run, uow=Ports.uow, clock=Ports.clock, queue=Ports.task_queue, ids=Ports.ids
    )
    console_poll = providers.Callable(console_actions.console_poll, uow=Ports.uow, queue=Ports.task_queue)
    retry_failed_post = providers.Callable(retry_post.retry_failed_post, uow=Ports.uow, policy=Ports.ingestion_policy)
