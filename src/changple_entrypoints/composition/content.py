"""Notion content's use cases bound to their ports: uploads, the library readers and admins use,
and the public columns list answered from its cache."""

from __future__ import annotations

from typing import Any

from dependency_injector import providers

from changple_domain.use_cases import content_library as library
from changple_domain.use_cases import content_uploads, people_console
from changple_entrypoints.composition.ports import Ports

# What turning an upload into published content needs (the CLI's `publish_upload` does it at once).
_PROCESSING: dict[str, providers.Provider[Any]] = {
    "uow": Ports.uow,
    "storage": Ports.file_storage,
    "processor": Ports.export_processor,
    "clock": Ports.clock,
    "config": Ports.content_config,
    "embedder": Ports.embedder,
    "index": Ports.content_index,
}
# What storing an upload and queueing its processing needs (a new upload, or a failed one's retry).
_STORING: dict[str, providers.Provider[Any]] = {
    "uow": Ports.uow,
    "storage": Ports.file_storage,
    "processor": Ports.export_processor,
    "queue": Ports.task_queue,
    "clock": Ports.clock,
    "config": Ports.content_config,
}


class ContentUseCases(Ports):
    # The two steps of a content upload: `start_upload(command, archive, thumbnail=...)` (a `queue=`
    # keyword replaces the task queue) and `process_upload(content_id)`; `publish_upload` does both
    # here and now, with no queue message (the CLI, waiting at the terminal).
    start_upload = providers.Callable(content_uploads.start_upload, **_STORING)
    # A failed upload given a corrected export: `retry_upload(content_id, archive, thumbnail=...)`.
    retry_upload = providers.Callable(content_uploads.retry_upload, **_STORING)
    process_upload = providers.Callable(content_uploads.process_content, **_PROCESSING)
    publish_upload = providers.Callable(content_uploads.publish_upload, **_PROCESSING)

    # --- admins: `edit_content(content_id, title=..., ...)`, `remove_content(content_id)`
    edit_content = providers.Callable(library.update_content, uow=Ports.uow, now=Ports.clock.provided.now.call())
    # `set_content_published(content_id, published=bool)`: take a column down or put it back up.
    set_content_published = providers.Callable(
        library.set_published, uow=Ports.uow, now=Ports.clock.provided.now.call()
    )
    remove_content = providers.Callable(
        library.delete_content, uow=Ports.uow, storage=Ports.file_storage, queue=Ports.task_queue
    )

    # --- the console's content page: `console_library()`, and each button's change with the list after it
    console_library = providers.Callable(people_console.library, uow=Ports.uow)
    publish_then_list = providers.Callable(
        people_console.publish_then_list, uow=Ports.uow, now=Ports.clock.provided.now.call()
    )
    prefer_then_list = providers.Callable(
        people_console.prefer_then_list, uow=Ports.uow, now=Ports.clock.provided.now.call()
    )
    retry_then_list = providers.Callable(people_console.retry_then_list, retry=retry_upload.provider, uow=Ports.uow)

    # --- readers: pages, one column with its page, its files, recommendations, the chat attachment
    # `cached_columns(state=, limit=, offset=, viewer=, encode=)`: the public list from its cache.
    cached_columns = providers.Callable(
        library.cached_columns_page, uow=Ports.uow, changes=Ports.content_changes, cache=Ports.columns_cache
    )
    list_content = providers.Callable(library.list_content, uow=Ports.uow)
    content_detail = providers.Callable(library.content_detail, uow=Ports.uow, storage=Ports.file_storage)
    read_content_file = providers.Callable(library.read_file, uow=Ports.uow, storage=Ports.file_storage)
    recommend_content = providers.Callable(library.recommend_page, uow=Ports.uow, index=Ports.content_index)
    attach_texts = providers.Callable(library.attach_texts, uow=Ports.uow, config=Ports.content_config)

    # --- signed-in readers: `view_history(user_id, ...)`, `record_content_view(user_id, content_id)`
    view_history = providers.Callable(library.view_history, uow=Ports.uow)
    record_content_view = providers.Callable(
        library.record_view, uow=Ports.uow, now=Ports.clock.provided.now.call(), config=Ports.content_config
    )
    forget_content_vector = providers.Callable(library.forget_content_vector, index=Ports.content_index)
    requeue_stuck_uploads = providers.Callable(
        content_uploads.requeue_stuck,
        uow=Ports.uow,
        queue=Ports.task_queue,
        clock=Ports.clock,
        config=Ports.content_config,
    )
