"""What the BatchEmbedder suites share: one builder per implementation (the OpenAI one runs the real SDK
against the emulator), uniform scripting of failures, Korean posts about 창업, and a polling helper."""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from changple_adapters.local.embedder import OfflineBatchEmbedder
from changple_adapters.local.ids import RandomIds
from changple_adapters.memory.embedder import MemoryBatchEmbedder
from changple_adapters.openai.embedder import OpenAIBatchEmbedder
from changple_domain.model.batches import BatchJob, BatchKind, BatchState, new_batch_id
from changple_domain.model.providers import EmbeddingRequest
from changple_domain.ports import BatchEmbedder
from tests.emulators.openai import OpenAIEmulator

DUMMY_KEY = "sk-test-dummy-key-0123456789"

# Realistic community posts: each is one request, its chunks the post's pieces.
POSTS: dict[int, tuple[str, ...]] = {
    101: (
        "치킨집 창업 1년 후기입니다. 가맹비 1,200만 원과 인테리어 3,000만 원이 들었습니다.",
        "상권 분석을 제대로 안 해서 첫 6개월은 적자였고, 배달 비중을 늘리며 겨우 회복했어요.",
    ),
    102: ("카페 상권 분석 방법: 유동인구, 배후 세대, 경쟁 점포 수를 보고 임대료 대비 매출을 추정해야 합니다.",),
    103: (
        "프랜차이즈 가맹 계약서에서 꼭 확인할 조항: 영업 지역 보호, 위약금, 물류 공급 의무.",
        "로열티 구조와 광고 분담금도 본사마다 달라서 정보공개서를 반드시 비교해 보세요.",
    ),
    104: ("무인 아이스크림 할인점 운영 후기. 초기 비용은 적지만 도난과 재고 관리가 생각보다 어렵습니다.",),
}
QUERIES = [
    ("치킨집 가맹비와 인테리어 비용이 얼마나 드나요?", 101),
    ("카페 차릴 때 상권 분석은 유동인구랑 임대료부터 보나요", 102),
    ("가맹 계약서 위약금 조항과 영업 지역 보호", 103),
]


def requests_for(posts: dict[int, tuple[str, ...]] = POSTS) -> list[EmbeddingRequest]:
    return [
        EmbeddingRequest(article_id=a, content_hash=f"{a:064x}", chunks=chunks, estimated_tokens=50)
        for a, chunks in posts.items()
    ]


def make_job(job_id: str | None = None) -> BatchJob:
    now = datetime.now(UTC)  # the emulator stamps batches with the real time
    return BatchJob(
        id=job_id or new_batch_id(BatchKind.EMBED, RandomIds().new_id),
        kind=BatchKind.EMBED,
        provider="test",
        model="test",
        created_at=now,
        updated_at=now,
    )


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    return math.fsum(x * y for x, y in zip(a, b, strict=True))


def norm(vector: Sequence[float]) -> float:
    return math.sqrt(math.fsum(x * x for x in vector))


_RANK = {BatchState.SUBMITTED: 0, BatchState.RUNNING: 1}


def poll_until_done(embedder: BatchEmbedder, provider_job_id: str, *, max_polls: int = 10) -> list[BatchState]:
    """Every state seen until a terminal one; fails when the states go backwards or never end."""
    seen: list[BatchState] = []
    for _ in range(max_polls):
        state = embedder.status(provider_job_id).state
        if seen:
            assert _RANK.get(state, 2) >= _RANK.get(seen[-1], 2), f"went backwards: {[*seen, state]}"
        seen.append(state)
        if not state.is_open:
            return seen
    raise AssertionError(f"still open after {max_polls} polls: {seen}")


@dataclass
class Subject:
    """One implementation under test, with its emulator when it has one."""

    name: str
    embedder: BatchEmbedder
    emulator: OpenAIEmulator | None = None

    def script(self, *, failing: Iterable[str] = (), final_status: str | None = None, partial: bool = False) -> None:
        """Make the next batch fail these lines and end in `final_status`, keeping half its output if `partial`."""
        if isinstance(self.embedder, MemoryBatchEmbedder):
            self.embedder.failing_keys = set(failing)
            self.embedder.final_status = BatchState(final_status) if final_status else None
            self.embedder.expired_partial = partial
        elif self.emulator is not None:
            with self.emulator.lock:
                self.emulator.failing_custom_ids = set(failing)
                self.emulator.final_status = final_status
                self.emulator.expired_partial = partial
        else:
            raise AssertionError(f"{self.name} is not scriptable")


@contextmanager
def running_emulator() -> Iterator[OpenAIEmulator]:
    """One emulator server for a whole module (tests reset it): stopping a server costs half a second."""
    emulator = OpenAIEmulator()
    emulator.start()
    try:
        yield emulator
    finally:
        emulator.stop()


def emulator_url(emulator: OpenAIEmulator) -> str:
    assert emulator._server is not None, "start the emulator first"
    host, port = emulator._server.server_address[:2]
    return f"http://{host!s}:{port}/v1"


def build_subject(name: str, emulator: OpenAIEmulator | None = None) -> Subject:
    """A fresh implementation; the OpenAI one talks to `emulator` (reset here) with a dummy key."""
    if name == "memory":
        memory = MemoryBatchEmbedder(dimensions=64)
        memory.polls_until_done = 2
        return Subject(name, memory)
    if name == "offline":
        return Subject(name, OfflineBatchEmbedder(dimensions=512))  # as the composition root builds it today
    if name == "openai" and emulator is not None:
        emulator.reset()
        emulator.polls_until_in_progress, emulator.polls_until_done = 1, 3
        embedder = OpenAIBatchEmbedder(
            api_key=DUMMY_KEY, base_url=emulator_url(emulator), dimensions=256, timeout_seconds=10
        )
        return Subject(name, embedder, emulator)
    raise AssertionError(f"cannot build {name!r} (the OpenAI one needs an emulator)")
