"""What the Pinecone emulator computes: its JSON errors, cosine over float32 values, and the
metadata filter language (`$eq $ne $in $nin $gt $gte $lt $lte $and $or`, list fields matching when
any element does). Written apart from the adapters' own filter code, so each checks the other."""

from __future__ import annotations

import math
import operator
import struct
from array import array
from collections.abc import Callable, Sequence
from typing import Any

from tests.emulators.base import Response

_RANGE: dict[str, Callable[[Any, Any], Any]] = {
    "$gt": operator.gt,
    "$gte": operator.ge,
    "$lt": operator.lt,
    "$lte": operator.le,
}
_GRPC_CODES = {400: 3, 401: 16, 403: 7, 404: 5, 413: 3, 429: 8, 500: 13, 502: 14, 503: 14, 504: 4}


class PineconeError(Exception):
    """Raised inside a handler; answered as Pinecone's JSON error body with this status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def error_response(status: int, message: str) -> Response:
    return Response(status, {"code": _GRPC_CODES.get(status, 2), "message": message, "details": []})


def float32(values: list[float]) -> array[float]:
    """Pinecone stores dense values as float32 (and so does the emulator: a quarter of the memory
    of Python floats, which matters at 100,000 posts)."""
    try:
        return array("f", struct.pack(f"{len(values)}f", *values))
    except (OverflowError, struct.error) as exc:
        raise PineconeError(400, f"values must fit in float32: {exc}") from exc


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    norms = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return max(-1.0, min(1.0, dot / norms)) if norms else 0.0


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _equal(stored: Any, wanted: Any) -> bool:
    if isinstance(stored, bool) or isinstance(wanted, bool):
        return isinstance(stored, bool) and isinstance(wanted, bool) and stored == wanted
    return bool(stored == wanted)


def _field_matches(stored: Any, op: str, operand: Any) -> bool:
    """One `{field: {op: operand}}` test; a list-valued field matches `$eq`/`$in` when any element does."""
    if op in ("$in", "$nin"):
        if not isinstance(operand, list):
            raise PineconeError(400, f"{op} takes an array, got {operand!r}")
        present = stored is not None
        hit = present and any(_equal(s, o) for s in (stored if isinstance(stored, list) else [stored]) for o in operand)
        return hit if op == "$in" else not hit
    if op in ("$eq", "$ne"):
        hit = stored is not None and any(_equal(s, operand) for s in (stored if isinstance(stored, list) else [stored]))
        return hit if op == "$eq" else not hit
    if op in ("$gt", "$gte", "$lt", "$lte"):
        if not is_number(operand):
            raise PineconeError(400, f"{op} takes a number, got {operand!r}")
        if not is_number(stored):
            return False
        return bool(_RANGE[op](stored, operand))
    raise PineconeError(400, f"unknown filter operator {op!r}")


def filter_matches(metadata: dict[str, Any], expression: Any) -> bool:
    """Pinecone's metadata filter language: fields with operators, `$and`, `$or`."""
    if not isinstance(expression, dict):
        raise PineconeError(400, f"a filter must be an object, got {expression!r}")
    for key, condition in expression.items():
        if key in ("$and", "$or"):
            if not isinstance(condition, list) or not condition:
                raise PineconeError(400, f"{key} takes a non-empty array")
            results = [filter_matches(metadata, part) for part in condition]
            if not (all(results) if key == "$and" else any(results)):
                return False
        elif key.startswith("$"):
            raise PineconeError(400, f"unknown filter operator {key!r}")
        elif isinstance(condition, dict):
            if not all(_field_matches(metadata.get(key), op, operand) for op, operand in condition.items()):
                return False
        elif not _field_matches(metadata.get(key), "$eq", condition):
            return False
    return True
