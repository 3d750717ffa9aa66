"""Chat history through the real app: the chat agent records messages with a `chat` service token,
signed-in users list, read and delete their own sessions, and nobody learns that someone else's
session exists."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from litestar.testing import TestClient

from changple_domain.model.access import Scope
from changple_domain.model.authors import AllowedAuthor
from changple_domain.model.posts import CafePost
from changple_domain.use_cases.accounts import delete_account
from changple_entrypoints.composition.container import Container
from changple_entrypoints.http.app import create_app
from changple_entrypoints.http.sessions import session_config
from tests.entrypoints.callers import bearer, service_token
from tests.entrypoints.readers import Reader, make_user, reader_client

Client = TestClient[Any]
AGENT = "/api/v1/internal/chat/"
CHAT = "/api/v1/chat/"


@pytest.fixture
def agent(container: Container) -> Iterator[Client]:
    with TestClient(app=create_app(container), session_config=session_config(container.settings())) as client:
        client.headers.update(bearer(service_token(container, Scope.CHAT)))
        yield client


@pytest.fixture
def readers(container: Container) -> Iterator[list[Reader]]:
    clients = []
    made = []
    for nickname in ("첫째", "둘째"):
        user = make_user(container, nickname)
        client = reader_client(container, user)
        clients.append(client)
        made.append(Reader(client, user))
    yield made
    for client in clients:
        client.__exit__(None, None, None)


def _seed_post(container: Container, article_id: int, title: str) -> None:
    """A post the ingestion policy lets in (an allowed author, enough text): the public may see it."""
    uow = container.uow()
    with uow:
        uow.authors.add(AllowedAuthor(name="창플"))
        uow.posts.upsert_many(
            [
                CafePost(
                    article_id=article_id,
                    title=title,
                    content="가맹비 반환은 계약서의 해지 조항과 교육 이수 여부에 따라 달라집니다.",
                    author="창플",
                    published_at=datetime(2026, 11, 1, tzinfo=UTC),
                    url=f"https://cafe.naver.com/changple/{article_id}",
                )
            ]
        )
        uow.commit()


def say(agent: Client, nonce: str, content: str, role: str = "user", **extra: Any) -> Any:
    return agent.post(f"{AGENT}{nonce}/messages/", json={"role": role, "content": content, **extra})


def ticket_for(reader: Reader, nonce: str) -> str:
    """What the frontend does before the user sends a message: ask for the user's chat ticket."""
    answer = reader.post(f"{CHAT}tickets/", json={"nonce": nonce})
    assert answer.status_code == 201, answer.text
    return str(answer.json()["ticket"])


def test_the_agent_records_a_conversation_the_user_then_reads(
    agent: Client, readers: list[Reader], container: Container
) -> None:
    me = readers[0]
    _seed_post(container, 1001, "가맹비 반환 후기")
    first = say(agent, "session-aaaa", "  가맹비는   돌려받을 수 있나요?\n", ticket=ticket_for(me, "session-aaaa"))
    assert first.status_code == 201, first.text
    assert first.json()["session_created"] is True
    assert first.json()["session"]["title"] == "가맹비는 돌려받을 수 있나요?"
    answer = say(agent, "session-aaaa", "계약서 조항에 따라 다릅니다.", role="assistant", helpful_post_ids=[1001, 77])
    assert answer.status_code == 200, answer.text
    documents = answer.json()["message"]["helpful_documents"]
    assert documents == [
        {
            "article_id": 1001,
            "state": "readable",
            "title": "가맹비 반환 후기",
            "url": "https://cafe.naver.com/changple/1001",
        },
        {"article_id": 77, "state": "unknown", "title": None, "url": None},  # kept, and said to be unknown
    ]

    sessions = me.http.get(f"{CHAT}history/").json()
    assert [s["nonce"] for s in sessions["items"]] == ["session-aaaa"]
    assert sessions["items"][0]["message_count"] == 2
    conversation = me.http.get(f"{CHAT}session-aaaa/messages/").json()
    assert [m["role"] for m in conversation["messages"]] == ["user", "assistant"]
    assert conversation["messages"][1]["helpful_documents"][0]["title"] == "가맹비 반환 후기"
    assert conversation["next_after_id"] is None

    page = me.http.get(f"{CHAT}session-aaaa/messages/", params={"limit": 1}).json()
    assert len(page["messages"]) == 1
    rest = me.http.get(f"{CHAT}session-aaaa/messages/", params={"after_id": page["next_after_id"]}).json()
    assert [m["role"] for m in rest["messages"]] == ["assistant"]
    assert agent.get(f"{AGENT}session-aaaa/messages/").json()["session"]["nonce"] == "session-aaaa"


def test_sessions_are_newest_first_and_someone_elses_session_does_not_exist(
    agent: Client, readers: list[Reader]
) -> None:
    me, other = readers
    for nonce in ("older-session", "newer-session"):
        assert say(agent, nonce, f"{nonce} 질문", ticket=ticket_for(me, nonce)).status_code == 201
    assert say(agent, "others-session", "남의 질문", ticket=ticket_for(other, "others-session")).status_code == 201
    assert [s["nonce"] for s in me.http.get(f"{CHAT}history/").json()["items"]] == ["newer-session", "older-session"]
    second_page = me.http.get(f"{CHAT}history/", params={"limit": 1, "offset": 1}).json()
    assert [s["nonce"] for s in second_page["items"]] == ["older-session"]
    assert second_page["total"] == 2

    theirs = me.http.get(f"{CHAT}others-session/messages/")
    missing = me.http.get(f"{CHAT}never-existed/messages/")
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json()["error"] == missing.json()["error"] == "not_found"
    assert me.delete(f"{CHAT}others-session/").status_code == 404
    assert other.http.get(f"{CHAT}others-session/messages/").status_code == 200  # untouched

    assert me.delete(f"{CHAT}older-session/").status_code == 204
    assert me.http.get(f"{CHAT}older-session/messages/").status_code == 404
    assert agent.get(f"{AGENT}older-session/messages/").status_code == 404  # messages went with it
    assert me.http.delete(f"{CHAT}newer-session/").status_code == 403  # no CSRF token


def test_a_visitors_chat_is_never_claimed_and_an_owned_chat_never_moves(agent: Client, readers: list[Reader]) -> None:
    """Issue 16, item 9: the first user the agent named on a visitor's nonce took the chat over."""
    me, other = readers
    assert say(agent, "visitor-chat", "로그인 전 질문").status_code == 201
    claimed = say(agent, "visitor-chat", "로그인 후 질문", ticket=ticket_for(me, "visitor-chat"))
    assert claimed.status_code == 409
    assert claimed.json()["error"] == "already_exists"
    assert "start a new session" in claimed.json()["detail"]
    assert me.http.get(f"{CHAT}visitor-chat/messages/").status_code == 404  # still nobody's
    assert say(agent, "visitor-chat", "익명으로 이어서").status_code == 200  # the visitor goes on
    assert agent.get(f"{AGENT}visitor-chat/messages/").json()["session"]["message_count"] == 2

    assert say(agent, "my-own-chat", "내 질문", ticket=ticket_for(me, "my-own-chat")).status_code == 201
    taken = say(agent, "my-own-chat", "가로채기", ticket=ticket_for(other, "my-own-chat"))
    assert taken.status_code == 409
    assert "another user" in taken.json()["detail"]
    assert say(agent, "my-own-chat", "로그아웃 후 끼어들기").status_code == 409  # a visitor on my nonce
    assert say(agent, "my-own-chat", "답변", role="assistant").status_code == 200  # the agent may answer unnamed
    mine = me.http.get(f"{CHAT}my-own-chat/messages/").json()
    assert [m["content"] for m in mine["messages"]] == ["내 질문", "답변"]
    assert other.http.get(f"{CHAT}my-own-chat/messages/").status_code == 404


def test_bad_agent_input_is_a_clear_4xx(agent: Client, readers: list[Reader]) -> None:
    cases = {
        "short": ("abc", {"role": "user", "content": "x"}),
        "bad role": ("valid-nonce", {"role": "system", "content": "x"}),
        "empty": ("valid-nonce", {"role": "user", "content": ""}),
        "unknown user": ("valid-nonce", {"role": "user", "content": "x", "user_id": 99999}),
        "unknown content": ("valid-nonce", {"role": "user", "content": "x", "attached_content_ids": [4242]}),
        "too many posts": ("valid-nonce", {"role": "user", "content": "x", "helpful_post_ids": list(range(51))}),
    }
    for why, (nonce, body) in cases.items():
        answer = agent.post(f"{AGENT}{nonce}/messages/", json=body)
        assert 400 <= answer.status_code < 500, (why, answer.text)
        assert answer.json()["detail"], why
    assert agent.post(f"{AGENT}valid-nonce/messages/").status_code == 400
    assert agent.get(f"{AGENT}valid-nonce/messages/").status_code == 404  # nothing was recorded


def test_who_may_call_the_chat_routes(agent: Client, readers: list[Reader], container: Container) -> None:
    me = readers[0]
    with TestClient(app=create_app(container)) as anonymous:
        assert anonymous.get(f"{CHAT}history/").status_code == 401
        assert anonymous.post(f"{AGENT}some-nonce/messages/", json={"role": "user", "content": "x"}).status_code == 401
        pipeline = bearer(service_token(container, Scope.PIPELINE))
        assert (
            anonymous.post(
                f"{AGENT}some-nonce/messages/", json={"role": "user", "content": "x"}, headers=pipeline
            ).status_code
            == 403
        )
    assert me.post(f"{AGENT}some-nonce/messages/", json={"role": "user", "content": "x"}).status_code == 403
    assert agent.get(f"{CHAT}history/").status_code == 403  # a token is not a signed-in person


def test_withdrawal_deletes_the_users_chat_history(agent: Client, readers: list[Reader], container: Container) -> None:
    me = readers[0]
    assert say(agent, "doomed-chat", "질문", ticket=ticket_for(me, "doomed-chat")).status_code == 201
    delete_account(me.user.id, uow=container.uow())
    assert agent.get(f"{AGENT}doomed-chat/messages/").status_code == 404


def test_the_agent_names_the_user_only_through_the_users_chat_ticket(
    agent: Client, readers: list[Reader], container: Container
) -> None:
    me, other = readers
    ticket = ticket_for(me, "ticketed-chat")
    recorded = say(agent, "ticketed-chat", "질문", ticket=ticket)
    assert recorded.status_code == 201, recorded.text
    assert [s["nonce"] for s in me.http.get(f"{CHAT}history/").json()["items"]] == ["ticketed-chat"]

    trusted = say(agent, "unticketed", "질문", user_id=me.user.id)  # the old way: a user id taken on trust
    assert trusted.status_code == 400
    assert "ticket" in trusted.json()["detail"]
    assert say(agent, "ticketed-chat", "질문", ticket=ticket, user_id=other.user.id).status_code == 403
    assert say(agent, "another-chat", "질문", ticket=ticket).status_code == 403  # a ticket is for one session
    payload, _, signature = ticket.partition(".")
    assert say(agent, "ticketed-chat", "질문", ticket=f"{payload}x.{signature}").status_code == 403
    assert say(agent, "ticketed-chat", "질문", ticket="티켓" * 10).status_code == 403
    assert say(agent, "ticketed-chat", "질문", ticket="a" * 600).status_code == 400  # longer than any ticket
    assert agent.get(f"{AGENT}unticketed/messages/").status_code == 404  # nothing refused was recorded
    assert me.http.get(f"{CHAT}ticketed-chat/messages/").json()["session"]["message_count"] == 1

    visitor = say(agent, "visitor-ticketless", "질문")  # no ticket: a visitor's chat
    assert visitor.status_code == 201
    assert me.http.get(f"{CHAT}visitor-ticketless/messages/").status_code == 404

    with TestClient(app=create_app(container)) as anonymous:
        assert anonymous.post(f"{CHAT}tickets/", json={"nonce": "some-chat"}).status_code == 401
    assert me.http.post(f"{CHAT}tickets/", json={"nonce": "some-chat"}).status_code == 403  # no CSRF token
    assert me.post(f"{CHAT}tickets/", json={"nonce": "x"}).status_code == 400  # not a nonce
    assert me.post(f"{CHAT}tickets/").status_code == 400


def test_a_ticket_for_a_user_who_has_left_records_nothing(
    agent: Client, readers: list[Reader], container: Container
) -> None:
    me = readers[0]
    ticket = ticket_for(me, "leaving-chat")
    delete_account(me.user.id, uow=container.uow())
    answer = say(agent, "leaving-chat", "질문", ticket=ticket)
    assert answer.status_code == 404
    assert agent.get(f"{AGENT}leaving-chat/messages/").status_code == 404
