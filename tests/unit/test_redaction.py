"""The access-log filter that keeps OAuth codes, states and tokens out of uvicorn's request lines."""

from __future__ import annotations

import logging

import pytest

from changple_entrypoints.http.redaction import RedactSecretsFilter, redact_query


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/api/v1/auth/naver/callback/?code=abc&state=xyz", "/api/v1/auth/naver/callback/?code=***&state=***"),
        ("/cb/?x=1&code=abc#frag", "/cb/?x=1&code=***#frag"),
        ("/cb/?CODE=abc&codec=keep", "/cb/?CODE=***&codec=keep"),
        ("/cb/?error=access_denied&state=s", "/cb/?error=access_denied&state=***"),
        ("/api/v1/search/?q=code=1", "/api/v1/search/?q=code=1"),
        ("/api/health", "/api/health"),
    ],
)
def test_sensitive_query_values_are_masked(path: str, expected: str) -> None:
    assert redact_query(path) == expected


def test_the_filter_rewrites_uvicorn_access_records() -> None:
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/cb/?code=secret&state=s2", "1.1", 303),
        None,
    )
    assert RedactSecretsFilter().filter(record) is True
    assert "secret" not in record.getMessage()
    assert record.getMessage() == '127.0.0.1:5000 - "GET /cb/?code=***&state=*** HTTP/1.1" 303'


def test_the_filter_rewrites_granian_access_records() -> None:
    fields = {"addr": "127.0.0.1", "method": "GET", "path": "/cb", "query_string": "code=secret&x=1", "status": 303}
    record = logging.LogRecord(
        "granian.access", logging.INFO, __file__, 1, '%(addr)s "%(method)s %(target)s" %(status)d', None, None
    )
    record.args = fields  # what logging keeps when the only argument is a mapping, as granian logs
    assert RedactSecretsFilter().filter(record) is True
    assert record.getMessage() == '127.0.0.1 "GET /cb?code=***&x=1" 303'
    assert record.args["query_string"] == "code=***&x=1"  # type: ignore[call-overload,index]


def test_a_granian_record_without_a_query_shows_the_bare_path() -> None:
    record = logging.LogRecord("granian.access", logging.INFO, __file__, 1, "%(target)s", None, None)
    record.args = {"path": "/api/health", "query_string": ""}
    RedactSecretsFilter().filter(record)
    assert record.getMessage() == "/api/health"
