"""The console's users and content use cases on the in-memory adapters: promote and demote answer
with the list; publish and unpublish move only processed content; preferred flips; a failed upload
is retried with a corrected export through the same checks as a new one, and nothing else is."""

from __future__ import annotations

import io
from typing import Any

import pytest

from changple_adapters.memory import FixedClock, MemoryUnitOfWork
from changple_adapters.memory.file_storage import MemoryFileStorage
from changple_adapters.memory.queue import MemoryTaskQueue
from changple_domain.errors import IllegalTransition, NotFound, UnsafeUpload
from changple_domain.model.access import Caller
from changple_domain.model.content import ContentState, ContentView, NotionContent
from changple_domain.model.users import NewUser, SocialProfile, UserRole
from changple_domain.use_cases.content_library import content_detail, list_content
from changple_domain.use_cases.content_uploads import UploadContent, process_content, retry_upload, start_upload
from changple_domain.use_cases.people_console import (
    library,
    prefer_then_list,
    publish_then_list,
    retry_then_list,
    role_then_list,
    user_list,
)
from tests.unit.test_content_use_cases import CONFIG, ScriptedProcessor


class Install:
    """The in-memory ports of one install; `ports` are what every content use case takes."""

    def __init__(self) -> None:
        self.uow, self.storage, self.clock, self.queue = (
            MemoryUnitOfWork(),
            MemoryFileStorage(),
            FixedClock(),
            MemoryTaskQueue(),
        )
        self.ports: dict[str, Any] = {"uow": self.uow, "storage": self.storage, "clock": self.clock, "config": CONFIG}

    def upload(self, title: str, *, refuse: str | None = None) -> int:
        archive = io.BytesIO(b"PK fake zip")
        content = start_upload(
            UploadContent(title=title), archive, processor=ScriptedProcessor(), queue=self.queue, **self.ports
        )
        self.process(content.id, refuse=refuse)
        return content.id

    def process(self, content_id: int, *, refuse: str | None = None) -> ContentState:
        return process_content(content_id, processor=ScriptedProcessor(refuse), **self.ports).state

    def retry(self, content_id: int, archive: bytes, **more: Any) -> NotionContent:
        stream = io.BytesIO(archive)
        return retry_upload(content_id, stream, processor=ScriptedProcessor(), queue=self.queue, **self.ports, **more)


def test_promote_and_demote_answer_with_the_list_and_an_unknown_id_is_not_found() -> None:
    uow, clock = MemoryUnitOfWork(), FixedClock()
    with uow:
        ids = [
            uow.users.add(NewUser(profile=SocialProfile(social_id=f"nv-{n}"), created_at=clock.now())).id
            for n in (1, 2)
        ]
        uow.commit()
    promoted, listed = role_then_list(ids[1], UserRole.ADMIN, uow=uow)
    assert promoted.is_admin
    assert [(u.id, u.role) for u in listed.users] == [(ids[0], UserRole.SOCIAL), (ids[1], UserRole.ADMIN)]
    assert listed.more is False
    demoted, _ = role_then_list(ids[1], UserRole.SOCIAL, uow=uow)
    assert not demoted.is_admin
    assert [u.role for u in user_list(uow=uow).users] == [UserRole.SOCIAL, UserRole.SOCIAL]
    with pytest.raises(NotFound, match=f"no user with id {ids[1] + 100}"):
        role_then_list(ids[1] + 100, UserRole.ADMIN, uow=uow)


def test_unpublished_content_is_hidden_from_readers_and_comes_back_when_published() -> None:
    site = Install()
    column = site.upload("칼럼")
    taken_down, shown = publish_then_list(column, published=False, uow=site.uow, now=site.clock.now())
    assert taken_down.state is ContentState.UNPUBLISHED
    assert [(r.content.id, r.content.state) for r in shown.rows] == [(column, ContentState.UNPUBLISHED)]
    with pytest.raises(NotFound):
        content_detail(column, uow=site.uow, storage=site.storage, viewer=Caller())
    assert list_content(uow=site.uow).total == 0
    assert site.storage.list(f"content/{column}/")  # its files stay, ready to come back
    again, _ = publish_then_list(column, published=False, uow=site.uow, now=site.clock.now())
    assert again == taken_down  # asking twice changes nothing
    back, _ = publish_then_list(column, published=True, uow=site.uow, now=site.clock.now())
    assert back.state is ContentState.PUBLISHED
    assert back.published_at == taken_down.published_at
    assert content_detail(column, uow=site.uow, storage=site.storage, viewer=Caller()).html is not None


def test_only_processed_content_is_published_or_unpublished() -> None:
    site = Install()
    refused = site.upload("거절된 칼럼", refuse="image_bomb")
    for published in (True, False):
        with pytest.raises(IllegalTransition, match="failed upload is retried"):
            publish_then_list(refused, published=published, uow=site.uow, now=site.clock.now())
    with pytest.raises(NotFound):
        publish_then_list(refused + 100, published=True, uow=site.uow, now=site.clock.now())


def test_preferred_flips_and_the_library_counts_every_view() -> None:
    site = Install()
    older, newer = site.upload("첫 칼럼"), site.upload("둘째 칼럼", refuse="image_bomb")
    with site.uow:
        reader = site.uow.users.add(NewUser(profile=SocialProfile(social_id="nv-r"), created_at=site.clock.now())).id
        for minutes in (0, 40):
            at = site.clock.now().replace(minute=minutes % 60)
            site.uow.content_views.add(ContentView(user_id=reader, content_id=older, viewed_at=at))
        site.uow.commit()
    preferred, shown = prefer_then_list(older, preferred=True, uow=site.uow, now=site.clock.now())
    assert preferred.is_preferred
    assert [(r.content.id, r.content.is_preferred, r.views) for r in shown.rows] == [
        (newer, False, 0),
        (older, True, 2),
    ]
    assert shown.total == 2
    assert not prefer_then_list(older, preferred=False, uow=site.uow, now=site.clock.now())[0].is_preferred


def test_a_failed_upload_is_retried_with_a_corrected_export_and_published() -> None:
    site = Install()
    failed = site.upload("칼럼", refuse="image_bomb")
    assert site.storage.list("uploads/") == []
    site.queue.enqueued.clear()

    with pytest.raises(UnsafeUpload):  # the same checks as a new upload: nothing stored, still failed
        site.retry(failed, b"not a zip")
    assert site.storage.list("uploads/") == []
    assert library(uow=site.uow).rows[0].content.failure == "refused: image_bomb"

    retried, shown = retry_then_list(
        failed,
        io.BytesIO(b"PK fixed zip"),
        thumbnail=io.BytesIO(b"jpg"),
        retry=lambda content_id, archive, **more: site.retry(content_id, archive.read(), **more),
        uow=site.uow,
    )
    assert (retried.id, retried.title, retried.state, retried.failure) == (
        failed,
        "칼럼",
        ContentState.PROCESSING,
        None,
    )
    assert shown.rows[0].content.state is ContentState.PROCESSING
    assert len(site.storage.list("uploads/")) == 2  # the export and its thumbnail, until processed
    assert site.queue.enqueued == [("process_content", {"content_id": failed})]
    assert site.process(failed) is ContentState.PUBLISHED
    assert site.storage.list("uploads/") == []


def test_only_a_failed_upload_can_be_retried() -> None:
    site = Install()
    published = site.upload("칼럼")
    with pytest.raises(IllegalTransition, match="only a failed upload can be retried"):
        site.retry(published, b"PK zip")
    with pytest.raises(NotFound):
        site.retry(published + 100, b"PK zip")
    assert site.storage.list("uploads/") == []
