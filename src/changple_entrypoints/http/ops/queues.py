"""The console's Queues page (`/ops/queues`): each background queue's depth and its dead letters (the
messages the worker gave up on after their retries), each with a Requeue button and a Requeue all per
queue; and the dead-letter count on the overview's card (`dead_letter_count`, which the overview calls).

A dead letter is shown as `worker/dead_letters.py` makes it safe to: actor, ids, when it died, its
tries, the error's last line, arguments of known names only."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from litestar import get, post
from litestar.response import Template
from pydantic import BaseModel, ConfigDict, Field

from changple_domain.errors import InvalidInput, ProviderUnavailable
from changple_entrypoints.http.dependencies import CallerDep, UseCase
from changple_entrypoints.http.ops.render import FORM
from changple_entrypoints.http.ops.render import page as _page
from changple_entrypoints.worker.broker import QueueDepth
from changple_entrypoints.worker.dead_letters import DeadLetter, DeadLetterPage

SHOWN = 100  # dead letters shown per queue (the newest); the count says how many there are


@dataclass(frozen=True)
class DeadQueue:
    """One queue as the templates read it: `anchor` is its element id's safe suffix."""

    name: str
    anchor: str
    depth: QueueDepth | None
    page: DeadLetterPage


class RequeueForm(BaseModel):
    """One dead letter of `queue` (`message_id`), or all of them (`every`); the queue's list is shown again."""

    model_config = ConfigDict(extra="ignore")

    queue: str = Field(min_length=1, max_length=200)
    message_id: str | None = Field(default=None, min_length=1, max_length=200)
    every: bool = False


def _anchor(queue: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "-", queue)


def _dead_queue(name: str, page: DeadLetterPage, depth: QueueDepth | None = None) -> DeadQueue:
    return DeadQueue(name=name, anchor=_anchor(name), depth=depth, page=page)


@get("/queues", sync_to_thread=True)
def queues_page(
    queue_depths: UseCase[list[QueueDepth]], list_dead_letters: UseCase[DeadLetterPage], caller: CallerDep
) -> Template:
    list_dead_letters(limit=1)  # a broker that does not answer is a 503 page saying so, before the depths
    queues = [_dead_queue(d.queue, list_dead_letters(queue=d.queue, limit=SHOWN), d) for d in queue_depths()]
    return _page("queues.html", caller, queues=queues, message=None)


@dataclass(frozen=True)
class DeadLetterCount:
    """The overview's Dead letters card: how many, or (`dead` None) why they could not be counted."""

    dead: int | None
    trouble: str = ""


def dead_letter_count(list_dead_letters: Callable[..., DeadLetterPage]) -> DeadLetterCount:
    """Counted as the overview renders (a broker that does not answer is said on the card, not a failed page)."""
    try:
        return DeadLetterCount(list_dead_letters(limit=1).total)
    except ProviderUnavailable as exc:
        return DeadLetterCount(None, exc.detail)


@post("/queues/requeue", sync_to_thread=True, status_code=200)
def requeue(
    requeue_dead_letter: UseCase[DeadLetter],
    requeue_dead_queue: UseCase[int],
    list_dead_letters: UseCase[DeadLetterPage],
    data: Annotated[RequeueForm, FORM],
) -> Template:
    if (data.message_id is None) == (not data.every):
        raise InvalidInput("send a message_id to requeue one dead letter, or every=true for all of the queue's")
    if data.message_id is not None:
        letter = requeue_dead_letter(data.message_id)
        said = f"requeued {letter.actor} message {letter.message_id}"
    else:
        moved = requeue_dead_queue(data.queue)
        said = f"requeued {moved} message{'' if moved == 1 else 's'} of queue {data.queue}"
    shown = _dead_queue(data.queue, list_dead_letters(queue=data.queue, limit=SHOWN))
    return Template(template_name="_dead_letters.html", context={"q": shown, "message": said})


QUEUE_HANDLERS = [queues_page, requeue]
