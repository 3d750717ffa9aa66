"""Bodies no route should parse: nested thousands of levels deep, not JSON at all, or larger than a
route takes. Each is a 4xx that says what to send, cheaply, with no traceback in the log; reasonable
bodies (brackets inside strings, a few levels of nesting) still go through."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from litestar.testing import TestClient

from changple_entrypoints.http.bodies import MAX_JSON_DEPTH, json_depth

ATTACHMENT = "/api/v1/content/attachment/"
AUTHORS = "/api/v1/admin/authors/"
BRANDS = "/api/v1/admin/brands/"
JSON = {"Content-Type": "application/json"}
Client = TestClient[Any]


def deep(kind: str, levels: int, *, closed: bool = True) -> bytes:
    opening, closing = ("[", "]") if kind == "arrays" else ('{"a":', "}")
    inner = "1" if kind == "objects" else ""
    return (opening * levels + inner + (closing * levels if closed else "")).encode()


def assert_no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    assert not [r for r in caplog.records if r.exc_info], [r.getMessage() for r in caplog.records if r.exc_info]
    assert "Traceback" not in caplog.text


DEEP_BODIES = [
    pytest.param(deep(kind, levels, closed=closed), id=f"{kind}-{levels}{'' if closed else '-unclosed'}")
    for kind in ("arrays", "objects")
    for levels in (5_000, 100_000)
    for closed in (True, False)
]


@pytest.mark.hostile
@pytest.mark.parametrize("body", DEEP_BODIES)
def test_a_deep_body_is_a_400_that_says_so(
    body: bytes, client: Client, anonymous_client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    for who, path in ((anonymous_client, ATTACHMENT), (client, ATTACHMENT), (client, AUTHORS)):
        answer = who.post(path, content=body, headers=JSON)
        assert answer.status_code == 400, (path, answer.text)
        assert answer.json()["error"] == "body_too_deep"
        assert f"more than {MAX_JSON_DEPTH} levels" in answer.json()["detail"]
    # an admin route refuses an anonymous caller first, and still never with a 500
    answer = anonymous_client.post(AUTHORS, content=body, headers=JSON)
    assert answer.status_code in (400, 401), answer.text
    assert_no_traceback(caplog)


@pytest.mark.hostile
@pytest.mark.parametrize("body", [b"{", b'{"content_ids": [1,', b"\xff\xfe", b"[1, 2] trailing", b'{"a": tru}'])
def test_a_body_that_is_not_json_is_a_400(body: bytes, client: Client, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    for path in (ATTACHMENT, AUTHORS):
        answer = client.post(path, content=body, headers=JSON)
        assert answer.status_code == 400, (path, answer.text)
        assert answer.json()["error"] == "invalid_input"
        assert "not valid JSON" in answer.json()["detail"]
    assert_no_traceback(caplog)


@pytest.mark.hostile
def test_a_flat_body_over_the_limit_is_a_413(
    client: Client, anonymous_client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    limit = client.app.request_max_body_size
    assert limit == 1024 * 1024
    body = b"[" + b"0," * (limit // 2) + b"0]"
    for who, path in ((anonymous_client, ATTACHMENT), (client, AUTHORS)):
        answer = who.post(path, content=body, headers=JSON)
        assert answer.status_code == 413, (path, answer.text)
        assert answer.json() == {
            "error": "too_large",
            "detail": f"the body is larger than the {limit} bytes this route accepts: send a smaller one",
        }
    assert_no_traceback(caplog)


def test_reasonable_bodies_still_go_through(client: Client) -> None:
    brackets_in_strings = "[{" * 3000
    answer = client.post(BRANDS, json={"name": "bracket fan", "description": brackets_in_strings[:2000]})
    assert answer.status_code == 201, answer.text
    assert answer.json()["description"] == brackets_in_strings[:2000]
    # nested a few levels in a field the route ignores, with brackets (and escaped quotes) in strings
    nested: Any = {"content_ids": [987654]}
    for level in range(MAX_JSON_DEPTH - 2):
        nested = {"content_ids": [987654], "wrapped": nested, "note": f'\\"[{level}' + "[" * 100}
    answer = client.post(ATTACHMENT, content=json.dumps(nested).encode(), headers=JSON)
    assert answer.status_code == 404, answer.text  # parsed and validated: no such column
    assert "987654" in answer.json()["detail"]


def test_the_largest_chat_message_fits_the_body_limit(client: Client) -> None:
    """The longest body a route should take: a chat message at its cap, every character escaped."""
    from changple_domain.model.chat import MESSAGE_MAX

    body = json.dumps({"role": "user", "content": "가" * MESSAGE_MAX, "attached_content_ids": [1] * 20})
    assert len(body.encode()) < client.app.request_max_body_size / 2


def test_the_depth_limit_is_exact(client: Client) -> None:
    for levels, status in ((MAX_JSON_DEPTH, 404), (MAX_JSON_DEPTH + 1, 400)):
        body = '{"content_ids": [987654], "x": ' + "[" * (levels - 1) + "]" * (levels - 1) + "}"
        answer = client.post(ATTACHMENT, content=body.encode(), headers=JSON)
        assert answer.status_code == status, (levels, answer.text)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet='[]{}"\\ab:,'),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(alphabet='[]{}"\\a'), children, max_size=3)
    ),
    max_leaves=30,
)


def true_depth(value: Any) -> int:
    if isinstance(value, list):
        return 1 + max((true_depth(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((true_depth(v) for v in value.values()), default=0)
    return 0


@given(json_values)
def test_json_depth_counts_nesting_and_skips_strings(value: Any) -> None:
    body = json.dumps(value).encode()
    assert json_depth(body, limit=0) == true_depth(value)
    assert json_depth(body, limit=true_depth(value)) <= true_depth(value)


UPLOAD = "/api/v1/content/"


def multipart(*parts: bytes, boundary: str = "x") -> dict[str, Any]:
    body = b"".join(b"--" + boundary.encode() + b"\r\n" + part + b"\r\n" for part in parts) + b"--x--\r\n"
    return {"content": body, "headers": {"Content-Type": f"multipart/form-data; boundary={boundary}"}}


def text_part(name: str, value: bytes = b"v", *, headers: bytes = b"") -> bytes:
    return b'Content-Disposition: form-data; name="' + name.encode() + b'"\r\n' + headers + b"\r\n" + value


@pytest.mark.hostile
def test_a_multipart_form_past_its_limits_or_broken_is_a_400_that_says_so(
    client: Client, anonymous_client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    many = multipart(*(text_part(f"f{i}") for i in range(2000)))
    assert anonymous_client.post(UPLOAD, **many).status_code == 401  # refused before the form is read
    cases = [
        (many, "count exceeded): send at most 1000 parts"),
        (multipart(text_part("title", headers=b"X-Long: " + b"a" * 5000 + b"\r\n")), "header"),
        (multipart(text_part("title", headers=b"".join(b"X-%d: 1\r\n" % i for i in range(20)))), "header"),
        (multipart(b"no headers at all", boundary="x"), "multipart/form-data"),
        ({"content": b"--x\r\nContent-Disposition: form-data", "headers": many["headers"]}, "multipart/form-data"),
    ]
    for request, words in cases:
        answer = client.post(UPLOAD, **request)
        assert answer.status_code == 400, answer.text
        assert answer.json()["error"] == "invalid_input"
        assert words in answer.json()["detail"], answer.text
        assert "send" in answer.json()["detail"], answer.text
    assert_no_traceback(caplog)
