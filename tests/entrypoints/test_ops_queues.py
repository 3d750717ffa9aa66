"""The console's Queues page: dead letters listed per queue with what is safe to show, a Requeue per
message and a Requeue all per queue, the overview's count linking there; over plain HTTP (the test
client) and in Chromium (click Requeue, it is gone; a 390 px phone has no sideways scroll)."""

from __future__ import annotations

import html
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dramatiq
import pytest
from dependency_injector import providers
from dramatiq.broker import MessageProxy
from dramatiq.brokers.stub import StubBroker
from litestar.testing import TestClient

from changple_entrypoints.composition.container import Container
from changple_entrypoints.http.app import create_app
from changple_entrypoints.worker.actors import QUEUE
from changple_entrypoints.worker.broker import build_broker
from changple_entrypoints.worker.dead_letters import DIED_AT_OPTION, dead_letters_for
from tests.entrypoints.console_browser import DESKTOP
from tests.entrypoints.console_support import Console, login_link, seeded_container
from tests.entrypoints.test_ops_console_layout import OVERFLOWS, PHONE
from tests.entrypoints.test_ops_http import csrf_of

pytest_plugins = ["tests.fixtures.naver_cafe.pytest_plugin", "tests.entrypoints.console_browser"]

ERROR = "RuntimeError: openai said 503 upstream unavailable"


def bury(container: Container, job_id: str, *, secret: str = "", minutes_ago: int = 5) -> str:
    """A dead letter in the embedded broker, as Dramatiq and RecordDeadLetters leave one: an
    `apply_batch` message (harmless to run again: an unknown job id is only a warning)."""
    broker = container.broker()
    assert isinstance(broker, StubBroker)
    kwargs = {"job_id": job_id, **({"api_key": secret} if secret else {})}
    options = {
        "retries": 6,
        "traceback": f"Traceback (most recent call last):\n  File ...\n{ERROR}\n",
        DIED_AT_OPTION: int(time.time() * 1000) - minutes_ago * 60_000,
    }
    message = dramatiq.Message(queue_name=QUEUE, actor_name="apply_batch", args=(), kwargs=kwargs, options=options)
    broker.dead_letters_by_queue[QUEUE].append(MessageProxy(message))
    return message.message_id


def ready(container: Container) -> int:
    broker = container.broker()
    assert isinstance(broker, StubBroker)
    return broker.queues[QUEUE].qsize()


@pytest.fixture
def signed_in(tmp_path: Path) -> Iterator[tuple[Any, Container]]:
    """The seeded install's console (no worker: a requeued message waits in its queue), signed in as its admin."""
    container = seeded_container(tmp_path)
    with TestClient(app=create_app(container)) as client:
        assert client.get(login_link(container), follow_redirects=False).status_code == 303
        yield client, container


def test_the_page_lists_dead_letters_without_their_secrets(signed_in: tuple[Any, Container]) -> None:
    admin, container = signed_in
    newer = bury(container, "job-new", secret="sk-live-123", minutes_ago=1)
    older = bury(container, "job-old", minutes_ago=30)
    page = admin.get("/ops/queues")
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert '<a href="/ops/queues">Queues</a>' in text
    assert "2 dead letters" in text
    assert text.index(newer) < text.index(older)  # newest first
    assert ERROR in text
    assert "api_key=***, job_id='job-new'" in text
    assert "sk-live-123" not in text
    assert 'hx-confirm="Requeue all 2 dead letters of queue changple?' in text

    overview = admin.get("/ops")
    assert overview.status_code == 200
    assert '<a href="/ops/queues" id="dead-letter-count" class="bad">2 dead letters</a>' in overview.text


def test_requeue_one_then_all(signed_in: tuple[Any, Container]) -> None:
    admin, container = signed_in
    first = bury(container, "job-1")
    second = bury(container, "job-2")
    third = bury(container, "job-3")
    csrf = csrf_of(admin)
    answer = admin.post("/ops/queues/requeue", data={"message_id": second, "queue": QUEUE}, headers=csrf)
    assert answer.status_code == 200
    assert f"requeued apply_batch message {second}" in answer.text
    assert "2 dead letters" in answer.text
    assert second not in answer.text.replace(f"message {second}", "")
    assert ready(container) == 1

    answer = admin.post("/ops/queues/requeue", data={"queue": QUEUE, "every": "true"}, headers=csrf)
    assert answer.status_code == 200
    assert f"requeued 2 messages of queue {QUEUE}" in answer.text
    assert first not in answer.text
    assert third not in answer.text
    assert "No dead letters." in answer.text
    assert ready(container) == 3
    assert ">0 dead letters</a>" in admin.get("/ops").text


def test_bad_requeues_say_what_to_fix(signed_in: tuple[Any, Container]) -> None:
    admin, _ = signed_in
    csrf = csrf_of(admin)
    gone = admin.post("/ops/queues/requeue", data={"message_id": "nope", "queue": QUEUE}, headers=csrf)
    assert gone.status_code == 404
    assert gone.headers["hx-retarget"] == "#flash"
    assert "no dead-lettered message with id &#39;nope&#39;" in gone.text
    unknown_queue = admin.post("/ops/queues/requeue", data={"queue": "nope", "every": "true"}, headers=csrf)
    assert unknown_queue.status_code == 400
    assert "no queue named &#39;nope&#39;; the queues are: changple" in unknown_queue.text
    for form in ({"queue": QUEUE}, {"queue": QUEUE, "message_id": "x", "every": "true"}):
        unclear = admin.post("/ops/queues/requeue", data=form, headers=csrf)
        assert unclear.status_code == 400
        assert "send a message_id to requeue one dead letter, or every=true" in unclear.text
    no_queue = admin.post("/ops/queues/requeue", data={"message_id": "x"}, headers=csrf)
    assert no_queue.status_code == 400
    assert "queue" in no_queue.text
    refused = admin.post("/ops/queues/requeue", data={"queue": QUEUE, "every": "true"}, headers={"HX-Request": "true"})
    assert refused.status_code == 403  # no CSRF token


def test_a_broker_that_does_not_answer_is_said_on_the_card_and_the_page(tmp_path: Path) -> None:
    container = seeded_container(tmp_path)
    nobody = build_broker("redis://127.0.0.1:1/0", namespace="changple-test-nobody")
    nobody.declare_queue(QUEUE)
    container.dead_letters.override(providers.Object(dead_letters_for(nobody)))
    with TestClient(app=create_app(container)) as client:
        assert client.get(login_link(container), follow_redirects=False).status_code == 303
        overview = client.get("/ops")
        assert overview.status_code == 200
        assert "Could not count them: the broker&#39;s Redis did not answer: ConnectionError" in overview.text
        page = client.get("/ops/queues")
        assert page.status_code == 503
        assert "the broker&#39;s Redis did not answer" in page.text


# --- in Chromium ------------------------------------------------------------------------------------


def test_an_admin_requeues_a_dead_letter_in_the_browser(console: Console, page: Any) -> None:
    from playwright.sync_api import expect

    dead = bury(console.container, "job-browser")
    kept = bury(console.container, "job-kept", minutes_ago=60)
    page.goto(console.base + login_link(console.container))
    expect(page.locator("#dead-letter-count")).to_have_text("2 dead letters")
    page.locator("#dead-letter-count").click()
    assert page.url == f"{console.base}/ops/queues"

    row = page.locator(f"#dead-letter-{dead}")
    expect(row).to_contain_text("apply_batch")
    expect(row).to_contain_text(ERROR)
    expect(row.locator("td.when")).to_contain_text("KST")
    row.get_by_role("button", name="Requeue").click()
    expect(page.locator(f"#dead-{QUEUE} .flash.ok")).to_contain_text(f"requeued apply_batch message {dead}")
    expect(row).to_have_count(0)
    expect(page.locator(f"#dead-letter-{kept}")).to_have_count(1)

    page.reload()
    expect(page.locator(f"#dead-letter-{dead}")).to_have_count(0)
    page.locator(f"#requeue-all-{QUEUE}").click()
    expect(page.locator(f"#dead-{QUEUE}")).to_contain_text("No dead letters.")
    page.goto(console.base + "/ops")
    expect(page.locator("#dead-letter-count")).to_have_text("0 dead letters")


def test_the_queues_page_fits_a_phone(console: Console, page: Any, tmp_path: Path) -> None:
    """At desktop width and on a 390 px phone nothing runs off the side; screenshots in `screens/`."""
    for n in range(3):
        bury(console.container, f"job-{n}-" + "x" * 80, secret="hidden")
    page.goto(console.base + login_link(console.container))
    for viewport in (DESKTOP, PHONE):
        page.set_viewport_size(viewport)
        page.goto(console.base + "/ops/queues")
        assert page.locator("tr.dead-letter").count() == 3
        assert page.evaluate(OVERFLOWS) == [], viewport
        assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
        page.screenshot(path=tmp_path / "screens" / f"queues-{viewport['width']}.png", full_page=True)
