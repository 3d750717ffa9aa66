"""The summary prompt and its JSON schema, in one versioned place. Changing either means a new
PROMPT_VERSION; a reindex after that is a deliberate operator action, never automatic."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from changple_domain.model.providers import SummaryRequest

PROMPT_VERSION = "summary-v1"

# Long posts are cut before they are sent: the summary needs the gist, and tokens cost money.
MAX_CONTENT_CHARS = 12_000

SYSTEM_INSTRUCTION = (
    "당신은 한국 프랜차이즈·소상공인 창업 커뮤니티 '창플'의 게시글을 정리하는 편집자입니다. "
    "글쓴이의 주장과 숫자(금액, 비율, 기간)를 바꾸지 말고, 없는 내용을 지어내지 마세요. "
    "반드시 주어진 JSON 스키마에 맞는 JSON 하나만 답하세요."
)

USER_TEMPLATE = (
    "게시판: {board}\n제목: {title}\n\n본문:\n{content}\n\n"
    "1) summary: 본문의 핵심을 3~5문장의 한국어로 요약하세요.\n"
    "2) keywords: 검색에 쓸 핵심 키워드 3~8개 (명사 위주).\n"
    "3) possible_questions: 이 글이 답이 될 만한 예비 창업자의 질문 2~5개."
)

RESPONSE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "summary": {"type": "string", "description": "3-5 Korean sentences"},
        "keywords": {"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 8},
        "possible_questions": {"type": "array", "items": {"type": "string"}, "maxItems": 5},
    },
    "required": ["summary", "keywords", "possible_questions"],
}


class ParsedSummary(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    summary: str = Field(min_length=1)
    keywords: tuple[str, ...] = Field(max_length=20)
    possible_questions: tuple[str, ...] = Field(default=(), max_length=10)


def render_prompt(request: SummaryRequest) -> str:
    """The user turn for one post."""
    content = request.content[:MAX_CONTENT_CHARS]
    return USER_TEMPLATE.format(board=request.board or "-", title=request.title, content=content)


def parse_summary(text: str) -> ParsedSummary:
    """Read the model's answer; anything that is not the schema's JSON raises ValueError saying why.
    A fenced ```json block is accepted, since models add one now and then."""
    stripped = text.strip()
    if stripped.startswith("```"):
        stripped = stripped.strip("`")
        stripped = stripped[4:] if stripped.startswith("json") else stripped
    try:
        raw = json.loads(stripped)
    except json.JSONDecodeError as exc:
        raise ValueError(f"malformed JSON from the model: {exc.msg} at position {exc.pos}") from exc
    if not isinstance(raw, dict):
        raise ValueError("the model answered JSON that is not an object")
    try:
        parsed = ParsedSummary.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ValueError(f"the model's JSON misses the schema at {first['loc']}: {first['msg']}") from exc
    return ParsedSummary(
        summary=parsed.summary.strip(),
        keywords=tuple(k.strip() for k in parsed.keywords if k.strip()),
        possible_questions=tuple(q.strip() for q in parsed.possible_questions if q.strip()),
    )
