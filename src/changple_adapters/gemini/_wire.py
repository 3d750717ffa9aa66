"""Gemini request and response shapes for summaries: the inline (SDK) and JSONL (REST) forms of one
request, and one reader per output form that reduces a provider answer to an `Outcome`, so inline
and file results become SummaryResults through the same code."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from google.genai import types

from changple_domain.model.providers import SummaryRequest, SummaryResult, parse_request_key, request_key
from changple_domain.policies.summary_prompt import RESPONSE_SCHEMA, SYSTEM_INSTRUCTION, parse_summary, render_prompt

JSON_MIME = "application/json"


def keys_of(requests: Sequence[SummaryRequest]) -> list[str]:
    return [request_key(r.article_id, r.content_hash) for r in requests]


def rest_request(request: SummaryRequest) -> dict[str, Any]:
    """A GenerateContentRequest as the REST API spells it (JSONL input lines carry this)."""
    return {
        "contents": [{"role": "user", "parts": [{"text": render_prompt(request)}]}],
        "systemInstruction": {"parts": [{"text": SYSTEM_INSTRUCTION}]},
        "generationConfig": {"responseMimeType": JSON_MIME, "responseJsonSchema": RESPONSE_SCHEMA},
    }


def inline_request(request: SummaryRequest, key: str) -> types.InlinedRequest:
    """The same request for `batches.create(src=[...])`; the SDK turns it into `rest_request`'s shape."""
    return types.InlinedRequest(
        contents=[types.Content(role="user", parts=[types.Part(text=render_prompt(request))])],
        config=types.GenerateContentConfig(
            system_instruction=SYSTEM_INSTRUCTION,
            response_mime_type=JSON_MIME,
            response_json_schema=RESPONSE_SCHEMA,
        ),
        metadata={"key": key},
    )


def inline_payload_bytes(rest_requests: Iterable[dict[str, Any]], keys: Iterable[str]) -> int:
    """Size of the inline create body on the wire. The SDK sends json.dumps' default ASCII escapes,
    so Korean text costs six bytes a character there, not three."""
    size = 80  # the {"batch": {"displayName": ..., "inputConfig": {"requests": {"requests": []}}}} frame
    for rest, key in zip(rest_requests, keys, strict=True):
        size += len(json.dumps({"request": rest, "metadata": {"key": key}})) + 2
    return size


def jsonl_line(rest: dict[str, Any], key: str) -> str:
    return orjson.dumps({"key": key, "request": rest}).decode() + "\n"  # raw UTF-8, like ensure_ascii=False


@dataclass(frozen=True)
class Outcome:
    """One request's answer, whatever form it came in."""

    key: str | None
    text: str | None = None
    error: str | None = None
    finish_reason: str | None = None
    input_tokens: int = 0
    output_tokens: int = 0


def outcome_from_inline(answer: types.InlinedResponse) -> Outcome:
    key = (answer.metadata or {}).get("key")
    if answer.error is not None:
        return Outcome(key, error=_error_text(answer.error.code, answer.error.message))
    response = answer.response
    if response is None:
        return Outcome(key, error="Gemini returned neither a response nor an error")
    usage = response.usage_metadata
    finish = None
    if response.candidates and response.candidates[0].finish_reason is not None:
        finish = str(response.candidates[0].finish_reason.value)
    return Outcome(
        key,
        text=response.text,
        finish_reason=finish,
        input_tokens=(usage.prompt_token_count or 0) if usage else 0,
        output_tokens=((usage.candidates_token_count or 0) + (usage.thoughts_token_count or 0)) if usage else 0,
    )


def outcome_from_line(line: dict[str, Any], fallback_key: str | None) -> Outcome:
    """One output-file line: a GenerateContentResponse or a status object, with `key` when present."""
    key = line.get("key") if isinstance(line.get("key"), str) else fallback_key
    failure = line.get("error") or line.get("status")
    if isinstance(failure, dict):
        return Outcome(key, error=_error_text(failure.get("code"), failure.get("message")))
    response = line.get("response")
    if not isinstance(response, dict):
        return Outcome(key, error="Gemini output line holds neither a response nor an error")
    candidates = response.get("candidates") or [{}]
    parts = (candidates[0].get("content") or {}).get("parts") or []
    texts = [p["text"] for p in parts if isinstance(p.get("text"), str) and not p.get("thought")]
    usage = response.get("usageMetadata") or {}
    return Outcome(
        key,
        text="".join(texts) if texts else None,
        finish_reason=candidates[0].get("finishReason"),
        input_tokens=int(usage.get("promptTokenCount") or 0),
        output_tokens=int(usage.get("candidatesTokenCount") or 0) + int(usage.get("thoughtsTokenCount") or 0),
    )


def is_our_key(key: str) -> bool:
    try:
        parse_request_key(key)
    except ValueError:
        return False
    return True


def parse_jsonl(raw: bytes) -> list[dict[str, Any]]:
    """Every line of a JSONL file; an unreadable line becomes an error line, so positions still match."""
    lines: list[dict[str, Any]] = []
    for text in raw.decode("utf-8", errors="replace").splitlines():
        if not text.strip():
            continue
        try:
            line = json.loads(text)
        except json.JSONDecodeError as exc:
            line = {"error": {"code": None, "message": f"unreadable output line: {exc.msg}"}}
        lines.append(line if isinstance(line, dict) else {"error": {"message": "output line is not an object"}})
    return lines


def to_result(key: str, outcome: Outcome) -> SummaryResult:
    """A SummaryResult for one of our keys; a bad answer becomes `error`, never an exception.
    A key we did not make raises ValueError."""
    article_id, content_hash = parse_request_key(key)
    base: dict[str, Any] = {
        "article_id": article_id,
        "content_hash": content_hash,
        "input_tokens": outcome.input_tokens,
        "output_tokens": outcome.output_tokens,
    }
    if outcome.error is not None:
        return SummaryResult(**base, error=outcome.error)
    if outcome.text is None:
        return SummaryResult(**base, error=f"Gemini returned no text (finish reason {outcome.finish_reason})")
    try:
        parsed = parse_summary(outcome.text)
    except ValueError as exc:
        return SummaryResult(**base, error=str(exc))
    return SummaryResult(
        **base, summary=parsed.summary, keywords=parsed.keywords, possible_questions=parsed.possible_questions
    )


def _error_text(code: object, message: object) -> str:
    return f"Gemini rejected the request ({code}): {message or 'no message'}"
