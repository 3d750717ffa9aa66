"""The content and chat use cases on the in-memory adapters, with a scripted export processor:
what happens on a repeated delivery, a crash half-way through storing, a refusal, a lost queue
message, and the chat rules (titles, binding, counts)."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import BinaryIO

import pytest

from changple_adapters.memory import FixedClock, MemoryUnitOfWork
from changple_adapters.memory.file_storage import MemoryFileStorage
from changple_adapters.memory.queue import MemoryTaskQueue
from changple_domain.errors import AlreadyExists, InvalidInput, NotFound, UnsafeUpload
from changple_domain.model.access import Caller
from changple_domain.model.chat import ChatRole
from changple_domain.model.content import (
    ArchiveSummary,
    ContentState,
    ExportAsset,
    NotionContent,
    ProcessedExport,
    UploadLimits,
)
from changple_domain.policies.eligibility import IngestionPolicy
from changple_domain.ports import ExportProcessor, FileStorage
from changple_domain.use_cases import chat_history as chat
from changple_domain.use_cases.content_library import attach_texts, attachment, content_detail, record_view
from changple_domain.use_cases.content_uploads import (
    ContentConfig,
    UploadContent,
    process_content,
    publish_upload,
    requeue_stuck,
    start_upload,
)
from tests.unit.chat_support import record_message, ticket

CONFIG = ContentConfig(attachment_max_chars=10)
POLICY = IngestionPolicy()


class ScriptedProcessor(ExportProcessor):
    """Accepts every archive at `check`; `process` refuses when told to, else returns two images."""

    def __init__(self, refuse: str | None = None) -> None:
        self.refuse, self.calls = refuse, 0

    def check(self, archive: BinaryIO, limits: UploadLimits) -> ArchiveSummary:
        if archive.read(2) != b"PK":
            raise UnsafeUpload("not_a_zip", "this is not a zip")
        return ArchiveSummary(entries=1, total_bytes=1, html_files=1)

    def process(
        self, archive: BinaryIO, *, limits: UploadLimits, asset_url_prefix: str, thumbnail: BinaryIO | None = None
    ) -> ProcessedExport:
        self.calls += 1
        if self.refuse:
            raise UnsafeUpload(self.refuse, f"refused: {self.refuse}")
        assets = tuple(ExportAsset(name=f"img-00{n}.png", content_type="image/png", data=b"png") for n in (1, 2))
        return ProcessedExport(
            html=f'<p>안녕</p><img src="{asset_url_prefix}img-001.png">',
            plain_text="가맹 계약의 모든 것\n\n두 번째 문단",
            assets=assets,
            thumbnail=ExportAsset(name="thumbnail.jpg", content_type="image/jpeg", data=b"jpg"),
        )


class FailingStorage(MemoryFileStorage):
    """Fails the n-th save, as a full disk or a killed worker would."""

    def __init__(self, fail_on_save: int) -> None:
        super().__init__()
        self.saves, self.fail_on_save = 0, fail_on_save

    def save(self, key: str, data: bytes | BinaryIO) -> int:
        self.saves += 1
        if self.saves == self.fail_on_save:
            raise OSError("disk full")
        return super().save(key, data)


def _upload(uow: MemoryUnitOfWork, storage: FileStorage, clock: FixedClock, queue: MemoryTaskQueue) -> int:
    content = start_upload(
        UploadContent(title="  가맹   계약 "),
        io.BytesIO(b"PK fake zip"),
        uow=uow,
        storage=storage,
        processor=ScriptedProcessor(),
        queue=queue,
        clock=clock,
        config=CONFIG,
    )
    assert content.title == "가맹 계약"
    assert queue.enqueued == [("process_content", {"content_id": content.id})]
    return content.id


def test_processing_publishes_once_and_a_repeated_delivery_changes_nothing() -> None:
    uow, storage, clock, queue = MemoryUnitOfWork(), MemoryFileStorage(), FixedClock(), MemoryTaskQueue()
    content_id = _upload(uow, storage, clock, queue)
    processor = ScriptedProcessor()
    published = process_content(content_id, uow=uow, storage=storage, processor=processor, clock=clock, config=CONFIG)
    assert published.state is ContentState.PUBLISHED
    assert published.upload_key is None
    assert storage.list("content/") == [
        f"content/{content_id}/files/img-001.png",
        f"content/{content_id}/files/img-002.png",
        f"content/{content_id}/page.html",
        f"content/{content_id}/thumbnail.jpg",
    ]
    assert storage.list("uploads/") == []
    again = process_content(content_id, uow=uow, storage=storage, processor=processor, clock=clock, config=CONFIG)
    assert again == published
    assert processor.calls == 1


def test_a_crash_half_way_through_storing_is_finished_by_the_next_delivery() -> None:
    uow, clock, queue = MemoryUnitOfWork(), FixedClock(), MemoryTaskQueue()
    storage = FailingStorage(fail_on_save=3)  # the zip is save 1; the crash hits the second image
    content_id = _upload(uow, storage, clock, queue)
    with pytest.raises(OSError, match="disk full"):
        process_content(content_id, uow=uow, storage=storage, processor=ScriptedProcessor(), clock=clock, config=CONFIG)
    with uow:
        assert uow.contents.get(content_id).state is ContentState.PROCESSING  # type: ignore[union-attr]
    done = process_content(
        content_id, uow=uow, storage=storage, processor=ScriptedProcessor(), clock=clock, config=CONFIG
    )
    assert done.state is ContentState.PUBLISHED
    assert len(storage.list(f"content/{content_id}/")) == 4


def test_a_refusal_marks_the_content_failed_and_removes_every_file() -> None:
    uow, storage, clock, queue = MemoryUnitOfWork(), MemoryFileStorage(), FixedClock(), MemoryTaskQueue()
    content_id = _upload(uow, storage, clock, queue)
    storage.save(f"content/{content_id}/files/leftover.png", b"from an earlier attempt")
    failed = process_content(
        content_id, uow=uow, storage=storage, processor=ScriptedProcessor("image_bomb"), clock=clock, config=CONFIG
    )
    assert failed.state is ContentState.FAILED
    assert failed.failure == "refused: image_bomb"
    assert storage.list("content/") == []
    assert storage.list("uploads/") == []


def test_start_upload_refuses_before_storing_anything() -> None:
    uow, storage, clock, queue = MemoryUnitOfWork(), MemoryFileStorage(), FixedClock(), MemoryTaskQueue()
    for archive, title, what in (
        (b"not a zip", "제목", "not a zip"),
        (b"PK", "   ", "title"),
        (b"PK" + b"x" * 200, "제목", "limit"),
    ):
        with pytest.raises(InvalidInput, match=what):
            start_upload(
                UploadContent(title=title),
                io.BytesIO(archive),
                uow=uow,
                storage=storage,
                processor=ScriptedProcessor(),
                queue=queue,
                clock=clock,
                config=ContentConfig(limits=UploadLimits(max_upload_bytes=100)),
            )
    assert storage.list("uploads/") == []
    assert queue.enqueued == []


def test_uploads_whose_message_was_lost_are_queued_again_after_a_while() -> None:
    uow, storage, clock, queue = MemoryUnitOfWork(), MemoryFileStorage(), FixedClock(), MemoryTaskQueue()
    content_id = _upload(uow, storage, clock, queue)
    queue.enqueued.clear()
    assert requeue_stuck(uow=uow, queue=queue, clock=clock, config=CONFIG) == []
    clock.advance(CONFIG.stuck_after + timedelta(seconds=1))
    assert requeue_stuck(uow=uow, queue=queue, clock=clock, config=CONFIG) == [content_id]
    assert requeue_stuck(uow=uow, queue=queue, clock=clock, config=CONFIG) == []  # touched: wait again
    assert queue.enqueued == [("process_content", {"content_id": content_id})]


def test_views_within_the_window_count_once_and_attachments_keep_to_the_budget() -> None:
    uow, storage, clock, queue = MemoryUnitOfWork(), MemoryFileStorage(), FixedClock(), MemoryTaskQueue()
    content_id = _upload(uow, storage, clock, queue)
    with pytest.raises(NotFound):  # still processing: not readable
        record_view(1, content_id, uow=uow, now=clock.now(), config=CONFIG)
    process_content(content_id, uow=uow, storage=storage, processor=ScriptedProcessor(), clock=clock, config=CONFIG)
    user_id = _user(uow, clock)
    assert record_view(user_id, content_id, uow=uow, now=clock.now(), config=CONFIG).counted
    assert not record_view(user_id, content_id, uow=uow, now=clock.now() + timedelta(minutes=29), config=CONFIG).counted
    assert record_view(user_id, content_id, uow=uow, now=clock.now() + timedelta(minutes=31), config=CONFIG).counted
    attached = attachment([content_id], uow=uow, config=CONFIG)
    assert attached[0].text == "가맹 계약의 모든 "  # ten characters
    assert attached[0].truncated


def test_publishing_at_once_stores_and_processes_in_one_call_and_a_refusal_ends_failed() -> None:
    uow, storage, clock = MemoryUnitOfWork(), MemoryFileStorage(), FixedClock()

    def publish(zip_bytes: bytes, processor: ScriptedProcessor) -> NotionContent:
        return publish_upload(
            UploadContent(title="칼럼"),
            io.BytesIO(zip_bytes),
            uow=uow,
            storage=storage,
            processor=processor,
            clock=clock,
            config=CONFIG,
        )

    assert publish(b"PK fake zip", ScriptedProcessor()).state is ContentState.PUBLISHED
    assert storage.list("uploads/") == []
    refused = publish(b"PK fake zip", ScriptedProcessor("image_bomb"))
    assert (refused.state, refused.failure) == (ContentState.FAILED, "refused: image_bomb")
    with pytest.raises(UnsafeUpload):  # refused at the check: nothing stored
        publish(b"not a zip", ScriptedProcessor())
    assert storage.list("uploads/") == []


def test_the_detail_carries_the_page_once_published_and_the_attachment_its_cap() -> None:
    uow, storage, clock, queue = MemoryUnitOfWork(), MemoryFileStorage(), FixedClock(), MemoryTaskQueue()
    content_id = _upload(uow, storage, clock, queue)
    with pytest.raises(NotFound):  # processing: hidden from readers
        content_detail(content_id, uow=uow, storage=storage, viewer=Caller())
    process_content(content_id, uow=uow, storage=storage, processor=ScriptedProcessor(), clock=clock, config=CONFIG)
    detail = content_detail(content_id, uow=uow, storage=storage, viewer=Caller())
    assert detail.content.id == content_id
    assert detail.html is not None
    assert detail.html.startswith("<p>안녕</p>")
    attached = attach_texts([content_id], uow=uow, config=CONFIG)
    assert attached.max_chars == CONFIG.attachment_max_chars
    assert attached.items == attachment([content_id], uow=uow, config=CONFIG)


def _user(uow: MemoryUnitOfWork, clock: FixedClock) -> int:
    from changple_domain.model.users import NewUser, SocialProfile

    with uow:
        user = uow.users.add(NewUser(profile=SocialProfile(social_id="u1"), created_at=clock.now()))
        uow.commit()
    return user.id


def test_a_session_takes_its_title_from_the_first_user_message() -> None:
    uow, now = MemoryUnitOfWork(), datetime(2026, 11, 22, tzinfo=UTC)
    greeting = record_message(
        chat.RecordMessage(nonce="nonce-0001", role=ChatRole.ASSISTANT, content="무엇을 도와드릴까요?"),
        uow=uow,
        now=now,
        policy=POLICY,
    )
    assert greeting.session_created
    assert greeting.session.title == ""
    question = record_message(
        chat.RecordMessage(nonce="nonce-0001", role=ChatRole.USER, content="가" * 300), uow=uow, now=now, policy=POLICY
    )
    assert len(question.session.title) == 100
    assert question.session.title.endswith("…")
    later = record_message(
        chat.RecordMessage(nonce="nonce-0001", role=ChatRole.USER, content="다른 질문"), uow=uow, now=now, policy=POLICY
    )
    assert later.session.title == question.session.title
    assert later.session.message_count == 3


def test_a_bound_session_never_moves_to_another_user() -> None:
    uow, clock = MemoryUnitOfWork(), FixedClock()
    first, second = _user(uow, clock), None
    with uow:
        from changple_domain.model.users import NewUser, SocialProfile

        second = uow.users.add(NewUser(profile=SocialProfile(social_id="u2"), created_at=clock.now())).id
        uow.commit()
    record_message(
        chat.RecordMessage(nonce="nonce-0002", ticket=ticket(first, "nonce-0002"), role=ChatRole.USER, content="q"),
        uow=uow,
        now=clock.now(),
        policy=POLICY,
    )
    with pytest.raises(AlreadyExists, match="another user"):
        record_message(
            chat.RecordMessage(
                nonce="nonce-0002", ticket=ticket(second, "nonce-0002"), role=ChatRole.USER, content="q"
            ),
            uow=uow,
            now=clock.now(),
            policy=POLICY,
        )
    with pytest.raises(NotFound):
        chat.read_session("nonce-0002", uow=uow, owner_id=second, policy=POLICY)
    assert chat.read_session("nonce-0002", uow=uow, owner_id=first, policy=POLICY).session.message_count == 1


USER = ChatRole.USER


def _two_users(uow: MemoryUnitOfWork, clock: FixedClock) -> tuple[int, int]:
    from changple_domain.model.users import NewUser, SocialProfile

    with uow:
        ids = [
            uow.users.add(NewUser(profile=SocialProfile(social_id=f"owner-{n}"), created_at=clock.now())).id
            for n in (1, 2)
        ]
        uow.commit()
    return ids[0], ids[1]


def _say(uow: MemoryUnitOfWork, clock: FixedClock, nonce: str, user: int | None, role: ChatRole = USER) -> None:
    message = chat.RecordMessage(
        nonce=nonce, ticket=None if user is None else ticket(user, nonce), role=role, content="q"
    )
    record_message(message, uow=uow, now=clock.now(), policy=POLICY)


def test_a_visitors_chat_with_messages_is_never_claimed_by_a_user() -> None:
    """Issue 16, item 9: the first user the agent named on a visitor's nonce took the chat over."""
    uow, clock = MemoryUnitOfWork(), FixedClock()
    me, _ = _two_users(uow, clock)
    _say(uow, clock, "visitor-0001", None)
    with pytest.raises(AlreadyExists, match="visitor"):
        _say(uow, clock, "visitor-0001", me)
    with pytest.raises(NotFound):  # still nobody's
        chat.read_session("visitor-0001", uow=uow, owner_id=me, policy=POLICY)
    agent_view = chat.read_session("visitor-0001", uow=uow, owner_id=None, policy=POLICY, as_agent=True)
    assert agent_view.session.message_count == 1
    _say(uow, clock, "visitor-0001", None, ChatRole.ASSISTANT)  # the visitor's conversation goes on


def test_a_users_chat_takes_no_visitor_message_but_the_agent_may_answer_unnamed() -> None:
    uow, clock = MemoryUnitOfWork(), FixedClock()
    me, _ = _two_users(uow, clock)
    _say(uow, clock, "owned-00001", me)
    with pytest.raises(AlreadyExists, match="signed-in user"):
        _say(uow, clock, "owned-00001", None)  # someone not signed in, on a signed-in user's nonce
    _say(uow, clock, "owned-00001", None, ChatRole.ASSISTANT)
    _say(uow, clock, "owned-00001", me)
    found = chat.read_session("owned-00001", uow=uow, owner_id=me, policy=POLICY)
    assert found.session.message_count == 3
    assert [m.role for m in found.messages] == [ChatRole.USER, ChatRole.ASSISTANT, ChatRole.USER]


def test_an_assistant_message_naming_another_user_is_refused_too() -> None:
    uow, clock = MemoryUnitOfWork(), FixedClock()
    me, other = _two_users(uow, clock)
    _say(uow, clock, "owned-00002", me)
    with pytest.raises(AlreadyExists, match="another user"):
        _say(uow, clock, "owned-00002", other, ChatRole.ASSISTANT)
    assert chat.read_session("owned-00002", uow=uow, owner_id=me, policy=POLICY).session.message_count == 1
