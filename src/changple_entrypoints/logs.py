"""One logging set-up for every process kind (`changple serve` under granian or uvicorn, the worker,
the scheduler, the other commands). Every record comes out as one line: the formatted message, its
arguments and any traceback, with CR, LF, tabs, other control characters and the Unicode line
separators escaped (`\\n`, `\\x1b`, `\\u2028`). A value taken from a request (Naver's
`error_description`, a path) can then never start a line of its own and pass for another record.

With `CHANGPLE_LOG_FORMAT=json` every record is instead one JSON object a line (time, level,
logger, message, the request id while one is being handled, the traceback if any), for a log
collector; JSON's own escaping keeps each record on its line."""

from __future__ import annotations

import copy
import importlib
import json
import logging
import logging.config
import os
from datetime import UTC, datetime
from typing import Any

from changple_entrypoints.request_ids import current_request_id

LINE_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
LOG_FORMAT_VARIABLE = "CHANGPLE_LOG_FORMAT"
LOG_FORMATS = ("text", "json")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_BREAKING = [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0), 0x2028, 0x2029]
_ESCAPES = {
    code: _NAMED.get(chr(code)) or (f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}") for code in _BREAKING
}


_JSON_LINE_BREAKS = {0x85: "\\u0085", 0x2028: "\\u2028", 0x2029: "\\u2029"}


def escape_controls(text: str) -> str:
    """`a\\nb\\x1b[31m` -> `a\\\\nb\\\\x1b[31m`: nothing in the text can end a line or drive a terminal."""
    return text.translate(_ESCAPES)


class OneLineFormatter(logging.Formatter):
    """Another formatter's whole output (message, arguments and traceback), as one escaped line."""

    def __init__(self, inner: logging.Formatter | None = None) -> None:
        super().__init__()
        self._inner = inner or logging.Formatter(LINE_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        return escape_controls(self._inner.format(record))


class JsonLineFormatter(logging.Formatter):
    """One JSON object per record: what a log collector parses without a pattern."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if (request_id := current_request_id.get()) is not None:
            entry["request_id"] = request_id
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        # Korean stays readable; the three line breaks JSON leaves raw (NEL, U+2028, U+2029) are escaped.
        return json.dumps(entry, ensure_ascii=False, default=str).translate(_JSON_LINE_BREAKS)


def log_format() -> str:
    """`text` (the default) or `json`, from CHANGPLE_LOG_FORMAT; the settings refuse other values
    with a sentence, so here an unknown one falls back to text rather than losing the log."""
    chosen = os.environ.get(LOG_FORMAT_VARIABLE, "text").strip().lower()
    return chosen if chosen in LOG_FORMATS else "text"


def one_line(inner: str = "logging.Formatter", **options: Any) -> logging.Formatter:
    """The dictConfig factory (`"()"`) for a formatter: builds `inner` with `options`, then wraps it
    (or, in the JSON format, writes the record as JSON whatever `inner` would have made of it)."""
    if log_format() == "json":
        return JsonLineFormatter()
    module, _, name = inner.rpartition(".")
    return OneLineFormatter(getattr(importlib.import_module(module), name)(**options))


def _wrapped(spec: dict[str, Any]) -> dict[str, Any]:
    spec = dict(spec)
    inner = spec.pop("()", None) or spec.pop("class", "logging.Formatter")
    if "format" in spec:  # the spelling dictConfig uses without a factory
        spec["fmt"] = spec.pop("format")
    return {"()": f"{__name__}.one_line", "inner": inner, **spec}


def one_line_config(config: dict[str, Any], *, level: int = logging.WARNING) -> dict[str, Any]:
    """`config` (a server's dictConfig) with every formatter wrapped, a formatter on every handler,
    and the root logger (all of changple's loggers, and any other logger already set up) writing
    one-line records to stderr at `level`."""
    config = copy.deepcopy(config)
    formatters = config.setdefault("formatters", {})
    for name, spec in list(formatters.items()):
        formatters[name] = _wrapped(spec)
    formatters["changple"] = {"()": f"{__name__}.one_line", "fmt": LINE_FORMAT}
    handlers = config.setdefault("handlers", {})
    for handler in handlers.values():
        handler.setdefault("formatter", "changple")
    handlers.setdefault(
        "changple", {"class": "logging.StreamHandler", "formatter": "changple", "stream": "ext://sys.stderr"}
    )
    config["root"] = {"level": logging.getLevelName(level), "handlers": ["changple"]}
    # Loggers given handlers of their own before this runs (Litestar's `litestar` logger, set up
    # when the app is built) would write with their own formats: they hand their records up instead.
    loggers = config.setdefault("loggers", {})
    for name, known in list(logging.root.manager.loggerDict.items()):
        if isinstance(known, logging.Logger) and known.handlers and name not in loggers:
            loggers[name] = {"level": logging.getLevelName(known.level), "handlers": [], "propagate": True}
    return config


def configure_logging(level: int = logging.WARNING) -> None:
    """This process's logging, with nothing of a server's: records of `level` and above, one a line."""
    logging.config.dictConfig(one_line_config({"version": 1, "disable_existing_loggers": False}, level=level))
