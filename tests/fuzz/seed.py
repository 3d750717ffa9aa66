"""Rows for the fuzzer to find: posts, authors, brands, a batch job, a published column with its
files and a chat session owned by a signed-in reader. The column goes through the real upload route
and the real processing; the rest goes through the use cases and repositories the app itself uses.

Callers delete what they may (an admin deletes the column, the reader withdraws): `restore` puts
back what the previous caller took, so each caller starts from the same rows."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from changple_domain.model.access import Scope
from changple_domain.model.authors import AllowedAuthor, GoodToKnowBrand
from changple_domain.model.batches import BatchItem, BatchJob, BatchKind
from changple_domain.model.chat import ChatRole
from changple_domain.model.posts import CafePost
from changple_domain.model.runs import PipelineRun, RunTrigger
from changple_domain.model.scans import ScanRun
from changple_domain.model.users import User
from changple_domain.use_cases.catalog import create_entry
from changple_domain.use_cases.chat_history import RecordMessage
from changple_entrypoints.composition.container import Container
from tests.entrypoints.callers import bearer, service_token
from tests.entrypoints.readers import make_user
from tests.fixtures.uploads import notion_export

PUBLISHED = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
ARTICLE_IDS = (1001, 1002, 1003)
AUTHORS = ("창플", "가맹 전문가")
BRANDS = ("백억커피", "마라공방")
NONCE = "seeded-chat-1"
JOB_ID = "seeded-job-1"
RUN_ID = "seeded-run-1"
SCAN_ID = "seeded-scan-1"


@dataclass(frozen=True)
class Seeded:
    reader: User
    content_id: int
    content_files: tuple[str, ...]

    def path_values(self) -> dict[str, list[Any]]:
        """Values of path parameters that name a seeded row, by parameter name."""
        return {
            "article_id": list(ARTICLE_IDS),
            "job_id": [JOB_ID],
            "run_id": [RUN_ID],
            "scan_id": [SCAN_ID],
            "name": [*AUTHORS, *BRANDS, *self.content_files],
            "content_id": [self.content_id],
            "nonce": [NONCE],
        }


def _post(article_id: int) -> CafePost:
    return CafePost(
        article_id=article_id,
        title=f"가맹 계약 전에 확인할 것 {article_id}",
        content="가맹비와 로열티, 위약금 조항을 꼼꼼히 읽어 보세요. " * 5,
        author=AUTHORS[0],
        published_at=PUBLISHED,
        url=f"https://cafe.naver.com/changple/{article_id}",
    )


def _column(container: Container, app: Any) -> tuple[int, tuple[str, ...]]:
    from schemathesis.python import asgi

    with asgi.get_client(app) as http:
        accepted = http.post(
            "/api/v1/content/",
            headers=bearer(service_token(container, Scope.ADMIN)),
            data={"title": "가맹 계약 체크리스트", "description": "계약 전에 꼭 보세요", "is_preferred": "true"},
            files={"file": ("export.zip", notion_export(), "application/zip")},
        )
        assert accepted.status_code == 202, accepted.text
        content_id = int(accepted.json()["id"])
        published = container.process_upload(content_id)
        assert published.published, published.failure
    return content_id, tuple(key.rsplit("/", 1)[-1] for key in published.file_keys)


def restore(container: Container, app: Any, seeded: Seeded) -> Seeded:
    """The seeded rows again, after a caller deleted some: the reader, the column, the chat."""
    uow = container.uow()
    with uow:
        reader = uow.users.get(seeded.reader.id)
        column = uow.contents.get(seeded.content_id)
    if reader is None:
        seeded = replace(seeded, reader=make_user(container, "시드 독자"))
    if column is None:
        content_id, files = _column(container, app)
        seeded = replace(seeded, content_id=content_id, content_files=files)
    _chat(container, seeded.reader)
    return seeded


def _chat(container: Container, reader: User) -> None:
    """A message in the seeded chat session, which is created (for `reader`) when it is missing."""
    ticket = container.issue_chat_ticket(reader.id, NONCE).ticket
    container.append_chat_message(
        RecordMessage(nonce=NONCE, ticket=ticket, role=ChatRole.USER, content="가맹비는 돌려받을 수 있나요?")
    )


def seed(container: Container, app: Any) -> Seeded:
    uow = container.uow()
    now = container.clock().now()
    with uow:
        uow.posts.upsert_many([_post(article_id) for article_id in ARTICLE_IDS])
        uow.batches.add(
            BatchJob(
                id=JOB_ID,
                kind=BatchKind.SUMMARIZE,
                provider="offline",
                model="extractive",
                items=(BatchItem(article_id=ARTICLE_IDS[0], content_hash="0" * 64),),
                request_count=1,
                created_at=now,
                updated_at=now,
            )
        )
        uow.runs.add(PipelineRun(id=RUN_ID, key="seeded:run", trigger=RunTrigger.API, started_at=now))
        uow.scans.add(ScanRun(id=SCAN_ID, key="seeded:scan", trigger=RunTrigger.API, started_at=now))
        uow.commit()
    for name in AUTHORS:
        create_entry(AllowedAuthor, name, detail="창플", uow=container.uow())
    for name in BRANDS:
        create_entry(GoodToKnowBrand, name, detail="알아 두면 좋은 브랜드", uow=container.uow())
    reader = make_user(container, "시드 독자")
    content_id, files = _column(container, app)
    _chat(container, reader)
    return Seeded(reader=reader, content_id=content_id, content_files=files)
