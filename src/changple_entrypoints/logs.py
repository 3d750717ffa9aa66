"""One logging set-up for every process kind (`changple serve` under granian or uvicorn, the worker,
the scheduler, the other commands). Every record comes out as one line: the formatted message, its
arguments and any traceback, with CR, LF, tabs, other control characters and the Unicode line
separators escaped (`\\n`, `\\x1b`, `\\u2028`). A value taken from a request (Naver's
`error_description`, a path) can then never start a line of its own and pass for another record."""

from __future__ import annotations

import copy
import importlib
import logging
import logging.config
from typing import Any

LINE_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_BREAKING = [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0), 0x2028, 0x2029]
_ESCAPES = {
    code: _NAMED.get(chr(code)) or (f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}") for code in _BREAKING
}


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


def one_line(inner: str = "logging.Formatter", **options: Any) -> OneLineFormatter:
    """The dictConfig factory (`"()"`) for a formatter: builds `inner` with `options`, then wraps it."""
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
