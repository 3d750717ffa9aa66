"""Keep OAuth secrets out of the access log. Naver sends the authorization code and the state back
in the callback's query string, and an access log prints every request line; this filter masks
those values (and any other credential-like parameter) before the line is written. It understands
both servers `changple serve` can run: uvicorn's records and granian's."""

from __future__ import annotations

import logging
import re
from typing import Any

SENSITIVE_PARAMETERS = ("code", "state", "access_token", "refresh_token", "token", "client_secret")
_SENSITIVE = re.compile(r"(?P<key>(?:^|[?&])(?:" + "|".join(SENSITIVE_PARAMETERS) + r")=)[^&#\s]*", re.IGNORECASE)
# For a logging dictConfig's "filters" section.
REDACT_FILTER: dict[str, Any] = {"()": f"{__name__}.RedactSecretsFilter"}


def redact_query(path: str) -> str:
    """`/cb/?code=abc&state=xyz&x=1` -> `/cb/?code=***&state=***&x=1`."""
    path_part, mark, query = path.partition("?")
    if not mark:
        return path
    return path_part + mark + _SENSITIVE.sub(lambda found: found.group("key") + "***", query)


class RedactSecretsFilter(logging.Filter):
    """uvicorn's access records carry (client, method, path with query, http version, status);
    granian's carry a dict with `path` and `query_string` apart. For granian the filter also adds
    `target`: the path and the masked query, as one would type it."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], redact_query(args[2]), *args[3:])
        elif isinstance(args, dict) and isinstance(args.get("path"), str):
            query = redact_query("?" + str(args.get("query_string") or ""))[1:]
            target = f"{args['path']}?{query}" if query else args["path"]
            record.args = {**args, "query_string": query, "target": target}
        return True
