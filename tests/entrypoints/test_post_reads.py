"""Who reads which post over HTTP (issue 16, item 7): the public routes serve only what the ingestion
policy lets into the index, to visitors, signed-in readers and the chat agent alike; admins and
pipeline tokens read every stored post; a hidden post answers exactly as a missing one."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from litestar.testing import TestClient

from changple_domain.model.access import Scope
from changple_domain.model.authors import AllowedAuthor
from changple_domain.use_cases.catalog import update_entry
from changple_entrypoints.composition.container import Container
from changple_entrypoints.http.app import create_app
from changple_entrypoints.sample_data import load_sample_into_store
from tests.entrypoints.callers import bearer, service_token
from tests.entrypoints.draining import drain
from tests.entrypoints.readers import make_user, reader_client

ELIGIBLE, AD = 1003, 1010  # 1010: an ad by an author who is not allowed
AUTHOR_OF_ELIGIBLE = "창플지기"
QUERY = "가맹계약서 확인할 것"


Get = Callable[..., Any]


@pytest.fixture
def get_as(container: Container) -> Iterator[Get]:
    """`get_as(who, path, **kwargs)`: a GET on the same app as that kind of caller."""
    load_sample_into_store(uow=container.uow(), clock=container.clock())
    reader = reader_client(container, make_user(container))
    headers = {
        "visitor": {},
        "chat agent": bearer(service_token(container, Scope.CHAT)),
        "pipeline token": bearer(service_token(container, Scope.PIPELINE)),
        "admin token": bearer(service_token(container, Scope.ADMIN)),
    }
    with TestClient(app=create_app(container)) as plain:

        def get(who: str, path: str, **kwargs: Any) -> Any:
            if who == "social user":
                return reader.get(path, **kwargs)
            return plain.get(path, headers=headers[who], **kwargs)

        yield get
    reader.__exit__(None, None, None)


PUBLIC = ("visitor", "social user", "chat agent")
OPERATORS = ("pipeline token", "admin token")


def test_a_post_the_policy_refuses_is_a_404_like_a_missing_one_except_for_operators(get_as: Get) -> None:
    for who in PUBLIC:
        assert get_as(who, f"/api/v1/posts/{ELIGIBLE}/").status_code == 200, who
        hidden, missing = get_as(who, f"/api/v1/posts/{AD}/"), get_as(who, "/api/v1/posts/999999/")
        assert (hidden.status_code, missing.status_code) == (404, 404), who
        assert hidden.json() == {"error": "not_found", "detail": f"no post with article id {AD}"}, who
        assert missing.json() == {"error": "not_found", "detail": "no post with article id 999999"}, who
    for who in OPERATORS:
        assert get_as(who, f"/api/v1/posts/{AD}/").json()["article_id"] == AD, who


def test_disabling_an_author_hides_their_posts_from_the_public_at_once(get_as: Get, container: Container) -> None:
    update_entry(AllowedAuthor, AUTHOR_OF_ELIGIBLE, enabled=False, uow=container.uow())
    for who in PUBLIC:
        assert get_as(who, f"/api/v1/posts/{ELIGIBLE}/").status_code == 404, who
    for who in OPERATORS:
        assert get_as(who, f"/api/v1/posts/{ELIGIBLE}/").status_code == 200, who


def test_search_and_chat_citations_drop_a_post_hidden_since_it_was_indexed(get_as: Get, container: Container) -> None:
    admin = TestClient(app=create_app(container))
    with admin:
        admin.headers.update(bearer(service_token(container, Scope.ADMIN)))
        assert admin.post("/api/v1/scraper/ingest/", json={"key": "api:reads"}).status_code == 202
        drain(container)
        agent = bearer(service_token(container, Scope.CHAT))
        cited = admin.post(
            "/api/v1/internal/chat/cited-chat/messages/",
            json={"role": "assistant", "content": "답", "helpful_post_ids": [ELIGIBLE, AD]},
            headers=agent,
        )
        assert cited.status_code == 201, cited.text
        documents = cited.json()["message"]["helpful_documents"]
        assert [(d["article_id"], d["title"] is not None) for d in documents] == [(ELIGIBLE, True), (AD, False)]

    def found(who: str) -> list[int]:
        hits = get_as(who, "/api/v1/search/", params={"q": QUERY, "k": 10})
        assert hits.status_code == 200, hits.text
        return [h["article_id"] for h in hits.json()["items"]]

    assert ELIGIBLE in found("visitor")
    update_entry(AllowedAuthor, AUTHOR_OF_ELIGIBLE, enabled=False, uow=container.uow())  # its vectors are still indexed
    for who in (*PUBLIC, *OPERATORS):
        assert ELIGIBLE not in found(who), who
    with TestClient(app=create_app(container)) as agent_client:
        history = agent_client.get("/api/v1/internal/chat/cited-chat/messages/", headers=agent).json()
    assert history["messages"][0]["helpful_documents"][0] == {
        "article_id": ELIGIBLE,
        "state": "hidden",
        "title": None,
        "url": None,
    }


def test_posts_in_bulk_follow_the_same_rule_and_keep_the_order_asked(get_as: Get) -> None:
    asked = f"{AD},{ELIGIBLE},999999,{ELIGIBLE}"  # hidden, readable, never stored, repeated
    for who in PUBLIC:
        batch = get_as(who, "/api/v1/posts/", params={"ids": asked})
        assert batch.status_code == 200, (who, batch.text)
        body = batch.json()
        assert [p["article_id"] for p in body["items"]] == [ELIGIBLE], who
        assert body["missing"] == [AD, 999999], who  # hidden and never stored look the same
        post = body["items"][0]
        assert post["url"].endswith(str(ELIGIBLE)), who
        assert post["title"], who
        assert post["content"], who
    repeated = get_as("admin token", "/api/v1/posts/", params=[("ids", str(AD)), ("ids", str(ELIGIBLE))])
    assert [p["article_id"] for p in repeated.json()["items"]] == [AD, ELIGIBLE]
    assert repeated.json()["missing"] == []


@pytest.mark.parametrize(
    ("ids", "fix"),
    [
        (",".join(str(i) for i in range(1001, 1102)), "at most 100"),
        ("1003,abc", "'abc' is not an article id"),
        ("0", "'0' is not an article id"),
        ("", "'' is not an article id"),
    ],
)
def test_a_bad_bulk_read_is_a_400_that_says_what_to_fix(get_as: Get, ids: str, fix: str) -> None:
    answer = get_as("visitor", "/api/v1/posts/", params={"ids": ids})
    assert answer.status_code == 400
    assert fix in answer.json()["detail"]
    assert get_as("visitor", "/api/v1/posts/").status_code == 400  # no ids at all
