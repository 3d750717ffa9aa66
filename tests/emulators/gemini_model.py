"""What the Gemini emulator answers with: Google-style error bodies, the model's text for one request,
and per-request output entries shaped as the SDK parses them. Kept apart from the HTTP routing so the
answer shapes can be read (and changed) in one place."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from tests.emulators.base import Response

STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ALREADY_EXISTS",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}

TERMINAL_STATES = frozenset(
    {"BATCH_STATE_SUCCEEDED", "BATCH_STATE_FAILED", "BATCH_STATE_CANCELLED", "BATCH_STATE_EXPIRED"}
)
BATCH_TYPE = "type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatch"
OUTPUT_TYPE = "type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatchOutput"

# A reply cut off mid-string: what a truncated or confused model sends back.
MALFORMED_TEXT = '{"summary": "가맹비와 인테리어 비용을 정리하면'

_JOSA = (
    "에서",
    "으로",
    "에게",
    "까지",
    "부터",
    "은",
    "는",
    "이",
    "가",
    "을",
    "를",
    "에",
    "의",
    "와",
    "과",
    "도",
    "로",
    "만",
)


def now_rfc3339() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def google_error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    """An error the way Google APIs send one, so the SDK's APIError reads code, status and message."""
    body = {"error": {"code": status, "message": message, "status": STATUS_NAMES.get(status, "UNKNOWN")}}
    return Response(status, body, headers=headers or {})


def normalize_state(state: str | None) -> str | None:
    """Accept "EXPIRED" as well as "BATCH_STATE_EXPIRED" for the final-state knob."""
    if state is None:
        return None
    return state if state.startswith("BATCH_STATE_") else f"BATCH_STATE_{state.upper()}"


def estimate_tokens(text: str) -> int:
    return max(1, len(text) // 2)


def user_text(request: dict[str, Any]) -> str:
    """The text of the request's last user turn (where render_prompt's output travels)."""
    contents = request.get("contents") or [{}]
    parts = contents[-1].get("parts") or []
    return "".join(part.get("text", "") for part in parts)


def _strip_josa(word: str) -> str:
    for ending in _JOSA:
        if word.endswith(ending) and len(word) - len(ending) >= 2:
            return word[: -len(ending)]
    return word


def default_responder(request: dict[str, Any]) -> str:
    """A deterministic Korean summary made from the prompt: first sentences, title words as keywords."""
    prompt = user_text(request)
    title_match = re.search(r"^제목: (.*)$", prompt, re.MULTILINE)
    title = title_match.group(1).strip() if title_match else ""
    body = prompt.split("본문:\n", 1)[-1].split("\n\n1) summary", 1)[0]
    sentences = [s.strip() for s in re.split(r"(?<=[.?!])\s+|\n+", body) if s.strip()]
    summary = " ".join(sentences[:3]) or title or "내용이 없는 글입니다."
    keywords: list[str] = []
    for word in re.finditer(r"[가-힣A-Za-z]{2,}", f"{title} {body}"):
        stem = _strip_josa(word.group())
        if stem not in keywords:
            keywords.append(stem)
            if len(keywords) == 5:
                break
    keywords = keywords or ["창업"]
    questions = [f"{keywords[0]}에 대해 무엇을 알아야 하나요?", f"{keywords[-1]} 관련해서 어떻게 준비하나요?"]
    return json.dumps({"summary": summary, "keywords": keywords, "possible_questions": questions}, ensure_ascii=False)


def response_body(text: str, request: dict[str, Any], model: str) -> dict[str, Any]:
    """A GenerateContentResponse in REST (camelCase) form."""
    prompt_tokens = estimate_tokens(user_text(request))
    output_tokens = estimate_tokens(text)
    return {
        "candidates": [{"content": {"parts": [{"text": text}], "role": "model"}, "finishReason": "STOP", "index": 0}],
        "usageMetadata": {
            "promptTokenCount": prompt_tokens,
            "candidatesTokenCount": output_tokens,
            "totalTokenCount": prompt_tokens + output_tokens,
        },
        "modelVersion": model.removeprefix("models/"),
    }


def request_error(key: str | None) -> dict[str, Any]:
    # JobError.details is list[str] in the SDK: an empty list is the only safe value here.
    return {"code": 400, "message": f"Request {key} could not be processed: content rejected.", "details": []}
