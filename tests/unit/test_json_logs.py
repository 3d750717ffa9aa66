"""CHANGPLE_LOG_FORMAT=json: every record, whichever server's formatter it was meant for, is one JSON
object on one line, with the request id while one is handled; an unknown format keeps the text."""

from __future__ import annotations

import io
import json
import logging
import logging.config
import sys

import pytest

from changple_entrypoints.http.serving import granian_log_config, uvicorn_log_config
from changple_entrypoints.logs import JsonLineFormatter, OneLineFormatter, one_line, one_line_config
from changple_entrypoints.request_ids import current_request_id

FORGED = "denied\n2026-12-02 INFO user 3 signed in\u2028"


def _failure() -> logging.LogRecord:
    try:
        raise ValueError(FORGED)
    except ValueError:
        exc_info = sys.exc_info()
    return logging.LogRecord("changple.test", logging.ERROR, __file__, 1, "bad %s", ("값\n",), exc_info)


def test_a_record_is_one_json_object_with_its_request_id(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHANGPLE_LOG_FORMAT", "json")
    formatter = one_line("logging.Formatter", fmt="%(message)s")
    assert isinstance(formatter, JsonLineFormatter)
    token = current_request_id.set("req-1")
    try:
        line = formatter.format(_failure())
    finally:
        current_request_id.reset(token)
    assert line.splitlines() == [line]
    entry = json.loads(line)
    assert entry["level"] == "ERROR"
    assert entry["logger"] == "changple.test"
    assert entry["message"] == "bad 값\n"
    assert entry["request_id"] == "req-1"
    assert FORGED in entry["exception"]
    assert entry["time"].endswith("+00:00")
    assert "request_id" not in json.loads(formatter.format(logging.makeLogRecord({"msg": "outside a request"})))


@pytest.mark.parametrize("server_config", [granian_log_config, uvicorn_log_config])
def test_every_handler_of_a_servers_config_writes_json(monkeypatch: pytest.MonkeyPatch, server_config: object) -> None:
    monkeypatch.setenv("CHANGPLE_LOG_FORMAT", "json")
    config = server_config()  # type: ignore[operator]
    logging.config.dictConfig(config)
    try:
        for handler in logging.getLogger().handlers + [
            h for name in config.get("loggers", {}) for h in logging.getLogger(name).handlers
        ]:
            assert isinstance(handler.formatter, JsonLineFormatter), handler
    finally:
        monkeypatch.delenv("CHANGPLE_LOG_FORMAT")
        logging.config.dictConfig(one_line_config({"version": 1, "disable_existing_loggers": False}))


def test_an_unknown_format_keeps_the_escaped_text(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHANGPLE_LOG_FORMAT", "xml")
    formatter = one_line("logging.Formatter", fmt="%(message)s")
    assert isinstance(formatter, OneLineFormatter)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    handler.emit(_failure())
    assert stream.getvalue().count("\n") == 1  # the record's own end of line only
