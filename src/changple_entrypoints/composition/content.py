"""Notion content's use cases bound to their ports."""

from __future__ import annotations

from dependency_injector import providers

from changple_domain.use_cases import content_library, content_uploads
from changple_entrypoints.composition.ports import Ports


class ContentUseCases(Ports):
    # The two steps of a content upload: `start_upload(command, archive, thumbnail=...)` (a `queue=`
    # keyword replaces the task queue) and `process_upload(content_id)`.
    start_upload = providers.Callable(
        content_uploads.start_upload,
        uow=Ports.uow,
        storage=Ports.file_storage,
        processor=Ports.export_processor,
        queue=Ports.task_queue,
        clock=Ports.clock,
        config=Ports.content_config,
    )
    process_upload = providers.Callable(
        content_uploads.process_content,
        uow=Ports.uow,
        storage=Ports.file_storage,
        processor=Ports.export_processor,
        clock=Ports.clock,
        config=Ports.content_config,
        embedder=Ports.embedder,
        index=Ports.content_index,
    )
    forget_content_vector = providers.Callable(content_library.forget_content_vector, index=Ports.content_index)
    requeue_stuck_uploads = providers.Callable(
        content_uploads.requeue_stuck,
        uow=Ports.uow,
        queue=Ports.task_queue,
        clock=Ports.clock,
        config=Ports.content_config,
    )
