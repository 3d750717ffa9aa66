"""Who may read which post (issue 16, item 7): visitors, signed-in readers and the chat agent see a
post only while the ingestion policy lets it into the index (the same verdict the pipeline uses),
operators see every stored post, and a hidden post is the same NotFound as a missing one. The same
rule holds for search hits and for the posts a chat answer cites."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from changple_adapters.memory import MemoryUnitOfWork
from changple_adapters.memory.embedder import MemoryBatchEmbedder
from changple_adapters.memory.vector_index import MemoryVectorIndex
from changple_domain.errors import NotFound
from changple_domain.model.access import Caller, Scope, new_service_token
from changple_domain.model.authors import AllowedAuthor
from changple_domain.model.chat import ChatRole, CitedPost
from changple_domain.model.posts import CafePost, PostStatus, PostStatusKind
from changple_domain.model.providers import VectorRecord
from changple_domain.model.users import NewUser, SocialProfile, User, UserRole
from changple_domain.policies.eligibility import IngestionPolicy
from changple_domain.use_cases import chat_history as chat
from changple_domain.use_cases.read_posts import read_post, visible_posts
from changple_domain.use_cases.search import SearchQuery, search_posts
from tests.unit.chat_support import record_message, ticket

T0 = datetime(2026, 11, 22, tzinfo=UTC)
POLICY = IngestionPolicy(excluded_boards=frozenset({"광고"}), min_content_length=10)
TEXT = "가맹 계약서에서 꼭 확인해야 할 조항들을 정리했습니다."

ELIGIBLE, DISABLED_AUTHOR, UNKNOWN_AUTHOR, EXCLUDED_BOARD, DELETED, MEMBERS_ONLY, DUPLICATE, SHORT = range(101, 109)
HIDDEN = (DISABLED_AUTHOR, UNKNOWN_AUTHOR, EXCLUDED_BOARD, DELETED, MEMBERS_ONLY, DUPLICATE, SHORT)


def _post(article_id: int, *, author: str = "창플", board: str = "창업", content: str = TEXT) -> CafePost:
    return CafePost(
        article_id=article_id,
        title=f"글 {article_id}" if article_id != DUPLICATE else f"글 {ELIGIBLE}",
        board=board,
        content=content,
        author=author,
        published_at=T0,
        url=f"https://cafe.naver.com/changple/{article_id}",
    )


@pytest.fixture
def uow() -> MemoryUnitOfWork:
    uow = MemoryUnitOfWork()
    with uow:
        uow.authors.add(AllowedAuthor(name="창플"))
        uow.authors.add(AllowedAuthor(name="옛필자", active=False))
        posts = [
            _post(ELIGIBLE),
            _post(DISABLED_AUTHOR, author="옛필자"),
            _post(UNKNOWN_AUTHOR, author="광고주"),
            _post(EXCLUDED_BOARD, board="광고"),
            _post(DELETED),
            _post(MEMBERS_ONLY),
            _post(DUPLICATE),  # the same title and text as ELIGIBLE, a later id
            _post(SHORT, content="짧다"),
        ]
        uow.posts.upsert_many([p.model_copy(update={"indexed_hash": p.content_hash}) for p in posts])
        uow.statuses.upsert_many(
            [
                PostStatus(article_id=DELETED, kind=PostStatusKind.DELETED, updated_at=T0),
                PostStatus(article_id=MEMBERS_ONLY, kind=PostStatusKind.MEMBERS_ONLY, updated_at=T0),
            ]
        )
        uow.commit()
    return uow


def _user(role: UserRole) -> Caller:
    return Caller(user=User(id=7, social_id="nv-7", role=role, created_at=T0))


def _token(*scopes: Scope) -> Caller:
    return Caller(token=new_service_token("caller", frozenset(scopes), now=T0)[0])


PUBLIC = {
    "visitor": Caller(),
    "social user": _user(UserRole.SOCIAL),
    "chat agent": _token(Scope.CHAT),
}
OPERATORS = {
    "admin": _user(UserRole.ADMIN),
    "admin token": _token(Scope.ADMIN),
    "pipeline token": _token(Scope.PIPELINE),
}


@pytest.mark.parametrize("who", list(PUBLIC))
def test_the_public_reads_only_what_the_policy_lets_in_and_a_hidden_post_is_not_found(
    uow: MemoryUnitOfWork, who: str
) -> None:
    viewer = PUBLIC[who]
    assert read_post(ELIGIBLE, uow=uow, policy=POLICY, viewer=viewer).article_id == ELIGIBLE
    with pytest.raises(NotFound) as missing:
        read_post(999, uow=uow, policy=POLICY, viewer=viewer)
    for article_id in HIDDEN:
        with pytest.raises(NotFound) as hidden:
            read_post(article_id, uow=uow, policy=POLICY, viewer=viewer)
        assert hidden.value.detail == missing.value.detail.replace("999", str(article_id))  # no oracle
    assert set(visible_posts([ELIGIBLE, *HIDDEN, 999], uow=uow, policy=POLICY, viewer=viewer)) == {ELIGIBLE}


@pytest.mark.parametrize("who", list(OPERATORS))
def test_operators_read_every_stored_post(uow: MemoryUnitOfWork, who: str) -> None:
    viewer = OPERATORS[who]
    for article_id in (ELIGIBLE, *HIDDEN):
        assert read_post(article_id, uow=uow, policy=POLICY, viewer=viewer).article_id == article_id
    with pytest.raises(NotFound):
        read_post(999, uow=uow, policy=POLICY, viewer=viewer)
    assert set(visible_posts([ELIGIBLE, *HIDDEN, 999], uow=uow, policy=POLICY, viewer=viewer)) == {ELIGIBLE, *HIDDEN}


def test_disabling_an_author_hides_their_posts_at_once(uow: MemoryUnitOfWork) -> None:
    with uow:
        uow.authors.save(AllowedAuthor(name="창플", active=False))
        uow.commit()
    with pytest.raises(NotFound):
        read_post(ELIGIBLE, uow=uow, policy=POLICY, viewer=Caller())


def test_search_answers_only_with_posts_the_policy_lets_in_even_before_the_index_is_cleaned(
    uow: MemoryUnitOfWork,
) -> None:
    """Every post here still has vectors (the pipeline has not removed them yet): search must not
    answer with the ones the policy now refuses."""
    embedder, index = MemoryBatchEmbedder(dimensions=16), MemoryVectorIndex(dimensions=16)
    with uow:
        stored = uow.posts.get_many([ELIGIBLE, *HIDDEN])
    index.upsert(
        [
            VectorRecord(
                id=f"post-{i}#0",
                values=embedder.embed_query(TEXT),
                metadata={"post_id": i, "content_hash": p.content_hash, "text": p.content},
            )
            for i, p in stored.items()
        ]
    )
    hits = search_posts(SearchQuery.of(TEXT, 20), uow=uow, embedder=embedder, index=index, policy=POLICY)
    assert [h.article_id for h in hits] == [ELIGIBLE]


def test_a_chat_answer_cites_a_hidden_post_without_its_title_or_link(uow: MemoryUnitOfWork) -> None:
    with uow:
        owner = uow.users.add(NewUser(profile=SocialProfile(social_id="reader"), created_at=T0)).id
        uow.commit()
    record_message(
        chat.RecordMessage(nonce="cited-0001", ticket=ticket(owner, "cited-0001"), role=ChatRole.USER, content="질문"),
        uow=uow,
        now=T0,
        policy=POLICY,
    )
    recorded = record_message(
        chat.RecordMessage(
            nonce="cited-0001", role=ChatRole.ASSISTANT, content="답", helpful_post_ids=(ELIGIBLE, DISABLED_AUTHOR)
        ),
        uow=uow,
        now=T0,
        policy=POLICY,
    )
    read = chat.read_session("cited-0001", uow=uow, owner_id=owner, policy=POLICY)
    for documents in (recorded.message.helpful_documents, read.messages[-1].helpful_documents):
        assert [(d.article_id, d.state, d.title, d.url) for d in documents] == [
            (ELIGIBLE, CitedPost.READABLE, f"글 {ELIGIBLE}", f"https://cafe.naver.com/changple/{ELIGIBLE}"),
            (DISABLED_AUTHOR, CitedPost.HIDDEN, None, None),
        ]
