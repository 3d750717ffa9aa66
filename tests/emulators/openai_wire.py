"""The OpenAI wire format for the emulator, as plain functions: limits, input-file validation, embedding
answers (deterministic pseudo-vectors), JSONL records, error bodies. Standard library only."""

from __future__ import annotations

import base64
import json
import math
import struct
import uuid
from email import policy
from email.message import Message
from email.parser import BytesParser
from typing import Any

from tests.emulators.base import Response, dumps, loads

try:  # the dev install has numpy; without it the same vectors come out, only slower
    import numpy as _np
except ImportError:  # pragma: no cover
    _np = None  # type: ignore[assignment]

MAX_LINES = 50_000
MAX_FILE_BYTES = 200 * 1024 * 1024
MAX_BATCH_INPUTS = 50_000
MAX_LINE_INPUTS = 2_048
NATIVE_DIMENSIONS = {"text-embedding-3-large": 3072, "text-embedding-3-small": 1536, "text-embedding-ada-002": 1536}


# Each n-gram's code points are mixed into one 64-bit hash: a weighted sum, then a multiply and
# xor-shift (wrapping, as uint64 does in numpy). The slot is the hash modulo the dimensions and the
# sign its top bit. Plain integers and numpy arrays compute the same numbers.
_WEIGHTS = (0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9)
_MIX = 0xFF51AFD7ED558CCD
_MASK = (1 << 64) - 1


def _joined(text: str) -> str:
    """The words of the text, each between single spaces: ' w1 w2 w3 '."""
    words = text.lower().split()
    return f" {' '.join(words)} " if words else ""


def _gram_hashes(joined: str) -> list[int]:
    """Hashes of every bigram and trigram of each space-padded word (a trigram centred on a space
    would span two words, so it is left out)."""
    codes = [ord(c) for c in joined]
    hashes = []
    for i in range(len(codes) - 1):
        hashes.append(_mixed(codes[i] * _WEIGHTS[0] + codes[i + 1] * _WEIGHTS[1] + 2))
    for i in range(len(codes) - 2):
        if joined[i + 1] != " ":
            hashes.append(_mixed(codes[i] * _WEIGHTS[0] + codes[i + 1] * _WEIGHTS[1] + codes[i + 2] * _WEIGHTS[2] + 3))
    return hashes


def _mixed(value: int) -> int:
    value = (value & _MASK) * _MIX & _MASK
    return value ^ (value >> 29)


def pseudo_embedding(text: str, dimensions: int) -> list[float]:
    """Signed hashed character bigrams and trigrams of each word, L2-normalised: identical texts match
    exactly, texts sharing words are close, unrelated texts are nearly orthogonal."""
    vector = [0.0] * dimensions
    for value in _gram_hashes(_joined(text)):
        vector[value % dimensions] += 1.0 if value >> 63 else -1.0
    norm = math.sqrt(math.fsum(x * x for x in vector))
    if not norm:  # every gram cancelled out: any fixed unit vector keeps the answer valid
        vector[0], norm = 1.0, 1.0
    return [x / norm for x in vector]


def _numpy_vector(text: str, dimensions: int) -> Any:
    """`pseudo_embedding` in whole-array steps (a few microseconds a text instead of a Python loop)."""
    joined = _joined(text)
    if len(joined) < 2:
        vector = _np.zeros(dimensions)
    else:
        codes = _np.frombuffer(joined.encode("utf-32-le"), dtype="<u4").astype(_np.uint64)
        w0, w1, w2 = (_np.uint64(w) for w in _WEIGHTS)
        pairs = codes[:-1] * w0 + codes[1:] * w1 + _np.uint64(2)
        triples = codes[:-2] * w0 + codes[1:-1] * w1 + codes[2:] * w2 + _np.uint64(3)
        triples = triples[codes[1:-1] != ord(" ")]
        mixed = _np.concatenate([pairs, triples]) * _np.uint64(_MIX)
        mixed ^= mixed >> _np.uint64(29)
        slots = (mixed % _np.uint64(dimensions)).astype(_np.int64)
        signs = _np.where(mixed >> _np.uint64(63), 1.0, -1.0)
        vector = _np.bincount(slots, weights=signs, minlength=dimensions)
    norm = float(_np.sqrt(vector @ vector))
    if not norm:
        vector[0], norm = 1.0, 1.0
    return vector / norm


def packed_embedding(text: str, dimensions: int) -> str:
    """The same vector as base64 of little-endian float32, as OpenAI sends it for encoding_format=base64."""
    if _np is None:
        return base64.b64encode(struct.pack(f"<{dimensions}f", *pseudo_embedding(text, dimensions))).decode()
    return base64.b64encode(_numpy_vector(text, dimensions).astype("<f4").tobytes()).decode()


def estimate_tokens(text: str) -> int:
    """A rough token count (about one per Hangul syllable, four ASCII characters per token)."""
    ascii_chars = len(text.encode("ascii", "ignore"))
    return max(1, math.ceil(ascii_chars / 4) + len(text) - ascii_chars)


def error_response(status: int, message: str, *, code: str | None = None, param: str | None = None) -> Response:
    kind = "invalid_request_error" if status < 500 else "server_error"
    body = {"error": {"message": message, "type": kind, "param": param, "code": code}}
    # retry-after-ms keeps the SDK's own retries fast in tests (it honours the header up to 60 s).
    headers = {"retry-after-ms": "5"} if status == 429 or status >= 500 else {}
    return Response(status, body, headers)


def new_id(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:24]}"


def parse_multipart(content_type: str, body: bytes) -> dict[str, tuple[str | None, bytes]]:
    """Form fields by name: (file name, raw bytes). The body is cut at the boundary with bytes
    operations (an input file is tens of MB); only each part's small header goes to the email parser,
    which reads quoted and encoded parameters as a server would."""
    boundary = _header_params("content-type", content_type).get_param("boundary")
    if not isinstance(boundary, str) or not boundary:
        return {}
    fields: dict[str, tuple[str | None, bytes]] = {}
    for part in body.split(b"--" + boundary.encode())[1:]:
        if part.startswith(b"--"):  # the closing delimiter
            break
        head, found, payload = part.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        if not found:
            continue
        headers = BytesParser(policy=policy.HTTP).parsebytes(head + b"\r\n\r\n", headersonly=True)
        name = headers.get_param("name", header="content-disposition")
        fields[str(name)] = (headers.get_filename(), payload.removesuffix(b"\r\n"))
    return fields


def _header_params(name: str, value: str) -> Message:
    message = Message()
    message[name] = value
    return message


def embed(body: dict[str, Any], *, force_dimensions: int | None = None) -> tuple[int, dict[str, Any]]:
    """One embeddings request, shared by batch lines and POST /v1/embeddings: (status code, body)."""
    model = body.get("model")
    if model not in NATIVE_DIMENSIONS:
        return 404, {"error": {"message": f"The model '{model}' does not exist.", "code": "model_not_found"}}
    raw = body.get("input")
    inputs = [raw] if isinstance(raw, str) else raw
    if not isinstance(inputs, list) or not inputs or not all(isinstance(i, str) and i for i in inputs):
        return 400, {"error": {"message": "'input' must be a non-empty string or array of them.", "param": "input"}}
    native = NATIVE_DIMENSIONS[model]
    dimensions = body.get("dimensions") or native
    if (
        not isinstance(dimensions, int)
        or not 1 <= dimensions <= native
        or (model.endswith("002") and dimensions != native)
    ):
        return 400, {"error": {"message": f"Invalid 'dimensions' for {model}: {dimensions}.", "param": "dimensions"}}
    size = force_dimensions or dimensions
    encode = body.get("encoding_format") == "base64"
    data = []
    for index, text in enumerate(inputs):
        vector: Any = packed_embedding(text, size) if encode else pseudo_embedding(text, size)
        data.append({"object": "embedding", "index": index, "embedding": vector})
    tokens = sum(estimate_tokens(text) for text in inputs)
    return 200, {
        "object": "list",
        "data": data,
        "model": model,
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
    }


def line_record(line: dict[str, Any], response: dict[str, Any] | None, error: dict[str, Any] | None) -> dict[str, Any]:
    return {"id": new_id("batch_req_"), "custom_id": line["custom_id"], "response": response, "error": error}


def jsonl(records: list[dict[str, Any]]) -> bytes:
    return b"".join(dumps(record) + b"\n" for record in records)


def validate_input_file(content: bytes) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Check an input file as batch validation does; any problem fails the whole batch."""

    def problem(code: str, message: str, line: int | None = None) -> dict[str, Any]:
        return {"code": code, "line": line, "message": message, "param": None}

    if len(content) > MAX_FILE_BYTES:
        return [], [problem("file_too_large", f"The input file exceeds {MAX_FILE_BYTES} bytes.")]
    try:
        raw_lines = [raw for raw in content.decode("utf-8").splitlines() if raw.strip()]
    except UnicodeDecodeError:
        return [], [problem("invalid_file_format", "The input file is not UTF-8.")]
    if not raw_lines or len(raw_lines) > MAX_LINES:
        return [], [problem("invalid_request_count", f"A batch needs 1 to {MAX_LINES} requests, got {len(raw_lines)}.")]
    lines: list[dict[str, Any]] = []
    problems: list[dict[str, Any]] = []
    seen: set[str] = set()
    total_inputs = 0
    for number, raw in enumerate(raw_lines, start=1):
        try:
            line = loads(raw)
        except json.JSONDecodeError:
            problems.append(problem("invalid_json_line", "This line is not valid JSON.", number))
            continue
        body = line.get("body") if isinstance(line, dict) else None
        custom_id = line.get("custom_id") if isinstance(line, dict) else None
        inputs = body.get("input") if isinstance(body, dict) else None
        count = 1 if isinstance(inputs, str) else len(inputs) if isinstance(inputs, list) else 0
        if not isinstance(custom_id, str) or not custom_id:
            problems.append(problem("missing_custom_id", "Each line needs a string custom_id.", number))
        elif custom_id in seen:
            problems.append(problem("duplicate_custom_id", f"The custom_id {custom_id!r} is used twice.", number))
        elif line.get("method") != "POST" or line.get("url") != "/v1/embeddings":
            problems.append(problem("invalid_url", "Each line must be a POST to /v1/embeddings.", number))
        elif not isinstance(body, dict) or not isinstance(body.get("model"), str) or count == 0:
            problems.append(problem("invalid_body", "The body needs a model and an input.", number))
        elif count > MAX_LINE_INPUTS:
            problems.append(problem("too_many_inputs", f"{count} inputs exceed {MAX_LINE_INPUTS} per request.", number))
        else:
            seen.add(custom_id)
            total_inputs += count
            lines.append(line)
    if total_inputs > MAX_BATCH_INPUTS:
        problems.append(problem("too_many_inputs", f"{total_inputs} inputs exceed {MAX_BATCH_INPUTS} per batch."))
    return lines, problems
