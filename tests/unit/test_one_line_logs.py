"""Every record is one line: a value with CR, LF, controls or Unicode line separators in it is escaped,
in the message, its arguments and the traceback, whatever formatter a server brings."""

from __future__ import annotations

import io
import logging
import logging.config
from pathlib import Path

import pytest

from changple_entrypoints.http.serving import granian_log_config, uvicorn_log_config
from changple_entrypoints.logs import OneLineFormatter, configure_logging, escape_controls

FORGED = "denied\n2026-12-02 INFO user 3 signed in\r\x1b[2K\u2028\u2029\x85\x00\x7f\tend"

pytestmark = pytest.mark.hostile


def test_escaping_leaves_no_character_that_breaks_or_drives_a_line() -> None:
    escaped = escape_controls(FORGED)
    assert escaped == ("denied\\n2026-12-02 INFO user 3 signed in\\r\\x1b[2K\\u2028\\u2029\\x85\\x00\\x7f\\tend")
    assert escaped.splitlines() == [escaped]
    assert escape_controls("평범한 줄 / plain line") == "평범한 줄 / plain line"


def _record(message: str, *args: object, exc: bool = False) -> logging.LogRecord:
    exc_info = None
    if exc:
        try:
            raise ValueError(FORGED)
        except ValueError:
            import sys

            exc_info = sys.exc_info()
    return logging.LogRecord("changple.test", logging.WARNING, __file__, 1, message, args, exc_info)


def test_message_arguments_and_traceback_come_out_as_one_line() -> None:
    formatter = OneLineFormatter()
    for record in (_record("naver login failed: %s", FORGED), _record(FORGED), _record("boom", exc=True)):
        line = formatter.format(record)
        assert line.splitlines() == [line], line
        assert "\x1b" not in line
        assert "\u2028" not in line


def test_a_servers_config_keeps_its_formats_and_gains_one_line_records() -> None:
    stream = io.StringIO()
    config = granian_log_config()
    config["handlers"]["console"]["stream"] = stream
    config["handlers"]["changple"]["stream"] = stream
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    logging.config.dictConfig(config)
    try:
        logging.getLogger("_granian").warning("server says %s", FORGED)
        logging.getLogger("changple_entrypoints.http.auth_routes").warning("ours: %s", FORGED)
    finally:
        root.handlers[:], _ = saved
        root.setLevel(saved[1])
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2, lines
    assert lines[0].startswith("[WARNING] server says denied\\n")
    assert " WARNING changple_entrypoints.http.auth_routes: ours: denied\\n" in lines[1]


def test_the_cli_set_up_writes_our_records_one_a_line(capsys: pytest.CaptureFixture[str]) -> None:
    """What `changple worker`, `scheduler` and every other command install (`configure_logging`)."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    configure_logging(logging.INFO)
    try:
        logging.getLogger("changple_entrypoints.worker.actors").info("scan %s: %s", "key", FORGED)
        try:
            raise RuntimeError(FORGED)
        except RuntimeError:
            logging.getLogger("changple_entrypoints.worker.actors").exception("tick failed")
    finally:
        root.handlers[:], _ = saved
        root.setLevel(saved[1])
    lines = capsys.readouterr().err.split("\n")
    assert len([line for line in lines if line]) == 2, lines
    assert " INFO changple_entrypoints.worker.actors: scan key: denied\\n2026-12-02 INFO user 3" in lines[0]
    assert "tick failed\\nTraceback (most recent call last):\\n" in lines[1]


@pytest.mark.parametrize("server", ["granian", "uvicorn"])
def test_loggers_set_up_before_the_server_write_one_line_records_too(tmp_path: Path, server: str) -> None:
    """Found while closing the class: building the app gives Litestar's `litestar` logger a handler of
    its own, with its own format, which the servers' configs left alone."""
    from changple_entrypoints.composition.bootstrap import build_container
    from changple_entrypoints.http.app import create_app
    from changple_entrypoints.settings import Settings

    root = logging.getLogger()
    saved = root.handlers[:], root.level
    create_app(build_container(Settings(_env_file=None, data_dir=tmp_path, storage="memory")))  # type: ignore[call-arg]
    assert logging.getLogger("litestar").handlers  # what Litestar sets up
    config = granian_log_config() if server == "granian" else uvicorn_log_config()
    logging.config.dictConfig(config)
    try:
        writers = [
            handler
            for logger in [root, *logging.root.manager.loggerDict.values()]
            if isinstance(logger, logging.Logger)
            for handler in logger.handlers
        ]
        assert writers
        assert all(isinstance(handler.formatter, OneLineFormatter) for handler in writers), writers
    finally:
        root.handlers[:], _ = saved
        root.setLevel(saved[1])
