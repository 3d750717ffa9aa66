"""Fill a changple2 database through the Django ORM, the way the monolith wrote it. Run in a
subprocess with cwd the changple2 project, DJANGO_SETTINGS_MODULE=config.settings and the
CHANGPLE2_* variables naming the database; `python changple2_fill.py base|change|bulk N`.

`base` writes every kind of row and the awkward ones an importer must refuse alone; `change` is the
monolith a few days later (a new post, an edited post, a new user, a new message); `bulk POSTS`
writes a large database for the bench (80% of posts summarized)."""

from __future__ import annotations

import json
import sys
import uuid
from datetime import UTC, datetime, timedelta

import django

django.setup()

from chat.models import ChatMessage, ChatSession  # noqa: E402
from content.models import ContentViewHistory, NotionContent  # noqa: E402
from django.db import connection  # noqa: E402
from scraper.models import AllowedAuthor, BatchJob, GoodtoKnowBrands, NaverCafeData, PostStatus  # noqa: E402
from users.models import User  # noqa: E402

SQLITE = connection.vendor == "sqlite"
BODY = "창업을 준비하면서 상권 분석과 가맹 계약서 검토가 가장 중요했습니다. " * 8
SESSION_NONCE = uuid.UUID("6f1c2f9e-3a4b-4c5d-8e7f-0123456789ab")
ANON_NONCE = uuid.UUID("0a1b2c3d-4e5f-4a6b-8c7d-9e8f7a6b5c4d")


def post(post_id: int, *, summarized: bool, author: str = "창플지기", **extra: object) -> NaverCafeData:
    fields: dict[str, object] = {
        "title": f"창업 후기 {post_id}",
        "category": "창업 이야기",
        "content": f"{BODY} (글 {post_id})",
        "author": author,
        "published_date": datetime(2025, 3, 1, 9, 0, tzinfo=UTC) + timedelta(hours=post_id % 1000),
        "post_id": post_id,
        "keywords": ["상권", "계약"] if summarized else [],
        "summary": f"글 {post_id}의 요약: 상권과 계약이 핵심" if summarized else "",
        "possible_questions": ["상권은 어떻게 보나요?"] if summarized else [],
        "ingested": summarized,
    }
    return NaverCafeData.objects.create(**(fields | extra))


def raw(sql: str, *params: object) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def delete_post_keeping_citations(post_id: int) -> None:
    """The monolith lost a post its chat answers still cite (a raw delete, past the foreign keys)."""
    if SQLITE:
        raw("PRAGMA foreign_keys = OFF")
        raw("DELETE FROM scraper_navercafedata WHERE post_id = %s", post_id)
        raw("PRAGMA foreign_keys = ON")
    else:
        raw("SET session_replication_role = replica")
        raw("DELETE FROM scraper_navercafedata WHERE post_id = %s", post_id)
        raw("SET session_replication_role = DEFAULT")


def base() -> dict[str, object]:
    AllowedAuthor.objects.create(name="창플지기", author_group="창플")
    AllowedAuthor.objects.create(name="팀장", author_group="팀비즈니스")
    AllowedAuthor.objects.create(name="옛작가", author_group="기타", is_active=False)
    AllowedAuthor.objects.create(name="긴" * 150, author_group="기타")  # longer than changple's 100
    AllowedAuthor.objects.create(name="운영자", author_group="운영진")  # not one of the choices
    GoodtoKnowBrands.objects.create(name="창플치킨", description="가맹비 없는 브랜드")
    GoodtoKnowBrands.objects.create(name="옛브랜드", description="", is_goodto_know=False)

    cited = [post(1001, summarized=True), post(1002, summarized=False), post(1003, summarized=True, author="팀장")]
    gone = post(1004, summarized=True)
    post(1005, summarized=False, author="옛작가")
    post(1006, summarized=True, keywords={"not": "a list"})  # valid JSON, not a list of strings
    if SQLITE:  # Postgres refuses NUL bytes and invalid jsonb itself; SQLite keeps whatever it is given
        post(1007, summarized=False, content="널 바이트가 \x00 들어간 글")
        post(1008, summarized=True)
        raw("PRAGMA ignore_check_constraints = ON")
        raw("UPDATE scraper_navercafedata SET keywords = '[\"상권\", ' WHERE post_id = 1008")
        raw("PRAGMA ignore_check_constraints = OFF")
    PostStatus.objects.create(post_id=1001, status="SAVED")
    PostStatus.objects.create(post_id=1002, status="SAVED")
    PostStatus.objects.create(post_id=1003, status="ERROR")
    PostStatus.objects.create(post_id=999, status="DELETED")

    member = User.objects.create_user(
        username="naver_abc",
        social_id="naver-abc",
        provider="naver",
        name="김창플",
        nickname="창플러",
        email="kim@example.com",
        naver_access_token="clear-access-token-abc",
        information={"age": "30-39"},
    )
    member.last_login = datetime(2025, 5, 1, tzinfo=UTC)
    member.save()
    other = User.objects.create_user(username="naver_def", social_id="naver-def", provider="naver", nickname="둘째")
    User.objects.create_user(username="admin_kim", social_id="naver-admin", provider="naver", user_type="admin")
    User.objects.create_superuser(username="root", email="root@example.com", password="not-carried-1234")
    User.objects.create_user(username="no_naver", provider="naver")  # a social user without a Naver id

    zipped = NotionContent.objects.create(
        title="가맹 계약 체크리스트", zip_file="notion_zips/checklist.zip", is_preferred=True
    )
    extracted = NotionContent.objects.create(title="상권 분석", html_path="notion_extracted/area/상권 분석.html")
    missing = NotionContent.objects.create(title="사라진 파일", zip_file="notion_zips/missing.zip")
    NotionContent.objects.create(title="바깥 경로", zip_file="../outside.zip")
    NotionContent.objects.create(title="압축 폭탄", zip_file="notion_zips/bomb.zip")
    ContentViewHistory.objects.create(user=member, content=zipped)
    ContentViewHistory.objects.create(user=other, content=extracted)
    ContentViewHistory.objects.create(user=member, content=missing)  # its column is refused

    chat = ChatSession.objects.create(user=member, nonce=SESSION_NONCE)
    ChatMessage.objects.create(session=chat, role="user", content="상권은 어떻게 분석하나요?")
    answer = ChatMessage.objects.create(
        session=chat, role="assistant", content="이 글들을 참고하세요.", attached_content_ids=[zipped.id]
    )
    answer.helpful_documents.set(cited[::2])
    lost = ChatMessage.objects.create(session=chat, role="assistant", content="지워진 글을 인용한 답")
    lost.helpful_documents.set([gone])
    ChatMessage.objects.create(session=chat, role="user", content="가" * 50_001)  # over changple's limit
    anonymous = ChatSession.objects.create(user=None, nonce=ANON_NONCE)
    ChatMessage.objects.create(session=anonymous, role="user", content="로그인 없이 묻습니다")
    delete_post_keeping_citations(1004)

    BatchJob.objects.create(
        job_type="summarize", provider="gemini", job_id="batches/done-1", status="completed", post_ids=[1]
    )
    BatchJob.objects.create(
        job_type="embed", provider="openai", job_id="batch_open_42", status="processing", post_ids=[c.id for c in cited]
    )
    return {"sqlite": SQLITE}


def change() -> dict[str, object]:
    post(1009, summarized=True)
    edited = NaverCafeData.objects.get(post_id=1002)
    edited.content = f"{BODY} 수정된 본문입니다."
    edited.save()
    User.objects.create_user(username="naver_new", social_id="naver-new", provider="naver", nickname="새 회원")
    chat = ChatSession.objects.get(nonce=SESSION_NONCE)
    ChatMessage.objects.create(session=chat, role="user", content="추가 질문입니다")
    first = ChatMessage.objects.filter(session=chat).order_by("id").first()
    first.content = "상권은 어떻게 분석하나요? (고쳐 쓴 질문)"  # an edited message: carried again, never doubled
    first.save()
    return {"changed": True}


def bulk(posts: int) -> dict[str, object]:
    """The bench's monolith: POSTS posts (80% summarized), POSTS/5 users, POSTS/2 sessions with
    POSTS*2 messages, POSTS/200 columns (without files: they are refused, which is cheap)."""
    AllowedAuthor.objects.create(name="창플지기", author_group="창플")
    batch = 5000
    for start in range(0, posts, batch):
        NaverCafeData.objects.bulk_create(
            NaverCafeData(
                title=f"창업 후기 {i}",
                category="창업 이야기",
                content=f"{BODY} (글 {i})",
                author="창플지기",
                published_date=datetime(2025, 1, 1, tzinfo=UTC),
                post_id=100_000 + i,
                keywords=["상권"] if i % 5 else [],
                summary=f"요약 {i}" if i % 5 else "",
                possible_questions=[],
            )
            for i in range(start, min(posts, start + batch))
        )
    users = User.objects.bulk_create(
        User(username=f"u{i}", social_id=f"naver-{i}", provider="naver", password="!") for i in range(posts // 5)
    )
    sessions = ChatSession.objects.bulk_create(
        ChatSession(user=users[i % len(users)], nonce=uuid.uuid4()) for i in range(posts // 2)
    )
    for start in range(0, posts * 2, batch):
        ChatMessage.objects.bulk_create(
            ChatMessage(session=sessions[(i // 4) % len(sessions)], role="user", content=f"질문 {i}")
            for i in range(start, min(posts * 2, start + batch))
        )
    NotionContent.objects.bulk_create(NotionContent(title=f"칼럼 {i}") for i in range(posts // 200))
    return {"posts": posts}


if __name__ == "__main__":
    scenario = sys.argv[1]
    done = bulk(int(sys.argv[2])) if scenario == "bulk" else {"base": base, "change": change}[scenario]()
    sys.stdout.write(json.dumps(done) + "\n")
