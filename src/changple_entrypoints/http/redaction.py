"""Keep OAuth secrets out of the access log. Naver sends the authorization code and the state back
in the callback's query string, and uvicorn's access log prints every request line in full; this
filter masks those values (and any other credential-like parameter) before the line is written."""

from __future__ import annotations

import copy
import logging
import re
from typing import Any

import uvicorn.config

SENSITIVE_PARAMETERS = ("code", "state", "access_token", "refresh_token", "token", "client_secret")
_SENSITIVE = re.compile(r"(?P<key>(?:^|[?&])(?:" + "|".join(SENSITIVE_PARAMETERS) + r")=)[^&#\s]*", re.IGNORECASE)


def redact_query(path: str) -> str:
    """`/cb/?code=abc&state=xyz&x=1` -> `/cb/?code=***&state=***&x=1`."""
    path_part, mark, query = path.partition("?")
    if not mark:
        return path
    return path_part + mark + _SENSITIVE.sub(lambda found: found.group("key") + "***", query)


class RedactSecretsFilter(logging.Filter):
    """For uvicorn's access logger, whose record args are (client, method, path, http version, status)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], redact_query(args[2]), *args[3:])
        return True


def uvicorn_log_config() -> dict[str, Any]:
    """uvicorn's own logging set-up, with the access log passed through `RedactSecretsFilter`."""
    config: dict[str, Any] = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    config.setdefault("filters", {})["redact_secrets"] = {"()": f"{__name__}.RedactSecretsFilter"}
    config["handlers"]["access"].setdefault("filters", []).append("redact_secrets")
    return config
