"""What the OpenAPI schema says about credentials: a client generated from it must know which
operations need a session or a service token, and of which kind."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient

SESSION = [{"sessionCookie": []}]
TOKEN = [{"serviceToken": []}]
EITHER = [{"serviceToken": []}, {"sessionCookie": []}]
SIGNED_IN_PEOPLE = {
    ("get", "/api/v1/users/me"),
    ("delete", "/api/v1/users/withdraw"),
    ("get", "/api/v1/content/history"),
    ("post", "/api/v1/content/view"),
    ("get", "/api/v1/chat/history"),
    ("get", "/api/v1/chat/{nonce}/messages"),
    ("delete", "/api/v1/chat/{nonce}"),
}
CHAT_AGENT = {("get", "/api/v1/internal/chat/{nonce}/messages"), ("post", "/api/v1/internal/chat/{nonce}/messages")}


def operations(client: TestClient[Any]) -> dict[tuple[str, str], dict[str, Any]]:
    paths = client.get("/schema/openapi.json").json()["paths"]
    return {(method, path): op for path, ops in paths.items() for method, op in ops.items()}


def test_both_schemes_are_declared(anonymous_client: TestClient[Any]) -> None:
    schemes = anonymous_client.get("/schema/openapi.json").json()["components"]["securitySchemes"]
    assert schemes["serviceToken"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "a service token from `changple tokens create`",
    }
    assert schemes["sessionCookie"]["type"] == "apiKey"
    assert schemes["sessionCookie"]["in"] == "cookie"


def test_routes_for_signed_in_people_declare_the_session_cookie(anonymous_client: TestClient[Any]) -> None:
    ops = operations(anonymous_client)
    for key in sorted(SIGNED_IN_PEOPLE):
        assert ops[key].get("security") == SESSION, key


def test_the_chat_agents_routes_declare_the_service_token(anonymous_client: TestClient[Any]) -> None:
    ops = operations(anonymous_client)
    for key in sorted(CHAT_AGENT):
        assert ops[key].get("security") == TOKEN, key


def test_every_operation_that_can_answer_401_names_its_credentials(anonymous_client: TestClient[Any]) -> None:
    """A 401 means "send a credential": the operation says which. One that anyone may call and a
    credential only widens lists the empty requirement first."""
    known = {"serviceToken", "sessionCookie"}
    missing = []
    for (method, path), op in sorted(operations(anonymous_client).items()):
        if "401" not in op["responses"]:
            continue
        security = op.get("security")
        if not security:
            missing.append(f"{method.upper()} {path}")
            continue
        assert all(set(requirement) <= known for requirement in security), (method, path, security)
    assert missing == []
    assert operations(anonymous_client)[("get", "/api/v1/content/columns")]["security"] == [{}, *EITHER]
