"""A local emulator of the Gemini Batch API (batches, resumable file upload, file download), written
from shared/PROVIDERS.md so google-genai runs against it unchanged. Answers under /v1 and /v1beta.

Scripting knobs are plain attributes, read under `self.lock` at the moment they matter: a job's
clock advances on each GET of that job, and outputs are decided when the job finishes."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.emulators.base import Emulator, Request, Response, run_main
from tests.emulators.gemini_files import GeminiFileStore
from tests.emulators.gemini_model import (
    BATCH_TYPE,
    MALFORMED_TEXT,
    OUTPUT_TYPE,
    TERMINAL_STATES,
    default_responder,
    google_error,
    normalize_state,
    now_rfc3339,
    request_error,
    response_body,
)

V = r"/(?P<v>v1|v1beta)"
INLINE_LIMIT_BYTES = 20_000_000


@dataclass
class _Item:
    key: str | None
    request: dict[str, Any]
    metadata: dict[str, Any] | None


@dataclass
class _Job:
    id: str
    display_name: str
    model: str
    items: list[_Item]
    input_file: str | None
    create_time: str
    update_time: str
    state: str = "BATCH_STATE_PENDING"
    polls: int = 0
    end_time: str | None = None
    output: dict[str, Any] | None = None
    stats: dict[str, int] = field(default_factory=dict)


class GeminiEmulator(Emulator):
    """The Gemini Developer API's batch surface, with knobs for the failures worth testing:
    `polls_until_running`/`polls_until_done` (GETs of a job), `create_failures` (HTTP statuses for
    the next creates, one each), `request_errors`/`malformed_keys` (request keys), `final_state`
    (taken by the next job to finish), `expired_partial`, `responder`, `file_output_keys`,
    `max_page_size`, `api_key`, `latency_seconds`; counters `created_jobs`, `create_bodies`, `requests`."""

    def __init__(self, *, api_key: str | None = None) -> None:
        super().__init__()
        self._configured_api_key = api_key
        self.reset()
        self.route("POST", V + r"/models/(?P<model>[^/:]+):batchGenerateContent", self._authed(self._create))
        self.route("GET", V + r"/batches", self._authed(self._list))
        self.route("GET", V + r"/batches/(?P<id>[^/:]+)", self._authed(self._get))
        self.route("POST", V + r"/batches/(?P<id>[^/:]+):cancel", self._authed(self._cancel))
        self.route("DELETE", V + r"/batches/(?P<id>[^/:]+)", self._authed(self._delete))
        self.route("POST", r"/upload" + V + r"/files", self._upload)
        self.route("GET", V + r"/files", self._authed(lambda r: self.files.list(r, self.max_page_size)))
        self.route("GET", V + r"/files/(?P<id>[^/:]+)", self._authed(lambda r: self.files.get(r)))
        self.route("GET", V + r"/files/(?P<id>[^/:]+):download", self._authed(lambda r: self.files.download(r)))

    def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        url = super().start(host, port)
        # The base handler writes headers and body in two sends; with Nagle on, each answer then
        # waits ~40 ms for the client's delayed ACK. TCP_NODELAY makes a poll cost ~1 ms.
        assert self._server is not None
        self._server.RequestHandlerClass.disable_nagle_algorithm = True  # type: ignore[attr-defined]
        return url

    def reset(self) -> None:
        """Default knobs, no jobs, no files, no counters: one running emulator can serve many tests."""
        with self.lock:
            self.api_key = self._configured_api_key  # None accepts any non-empty key
            self.polls_until_running = 1
            self.polls_until_done = 2
            self.create_failures: list[int] = []
            self.request_errors: set[str] = set()
            self.malformed_keys: set[str] = set()
            self.final_state: str | None = None
            self.expired_partial = False
            self.responder: Callable[[dict[str, Any]], str] = default_responder
            self.file_output_keys = True  # False: output file lines carry no "key" (match by position)
            self.max_page_size = 100
            self.latency_seconds = 0.0
            self.created_jobs: list[str] = []
            self.create_bodies: list[dict[str, Any]] = []
            self.requests.clear()
            self.files = GeminiFileStore()
            self._jobs: dict[str, _Job] = {}

    def submitted(self) -> list[tuple[str, list[str | None]]]:
        """(display name, request keys) of every job created: what a test counts as paid for."""
        with self.lock:
            return [(job.display_name, [item.key for item in job.items]) for job in self._jobs.values()]

    def force_state(self, name: str, state: str) -> None:
        """Put a job in any state, even one this emulator never produces (an SDK-unknown one)."""
        with self.lock:
            self._jobs[name.removeprefix("batches/")].state = state

    # --- auth ---------------------------------------------------------------------------------

    def _authed(self, handler: Callable[[Request], Response]) -> Callable[[Request], Response]:
        def wrapped(request: Request) -> Response:
            key = request.headers.get("x-goog-api-key") or (request.query.get("key") or [""])[0]
            if not key:
                return google_error(403, "Method doesn't allow unregistered callers. Please use an API key.")
            if self.api_key is not None and key != self.api_key:
                return google_error(401, "API key not valid. Please pass a valid API key.")
            with self.lock:
                return handler(request)

        return wrapped

    # --- batches ------------------------------------------------------------------------------

    def _create(self, request: Request) -> Response:
        if self.create_failures:
            status = self.create_failures.pop(0)
            return google_error(status, f"Scripted failure {status} for batchGenerateContent.")
        if len(request.body) >= INLINE_LIMIT_BYTES:
            return google_error(400, "Request payload size exceeds the limit: 20000000 bytes.")
        body = request.json()
        batch = body.get("batch") if isinstance(body, dict) else None
        if not isinstance(batch, dict) or not isinstance(batch.get("inputConfig"), dict):
            return google_error(400, "batch.inputConfig is required.")
        read = self._read_input(batch["inputConfig"])
        if isinstance(read, Response):
            return read
        items, input_file = read
        self.create_bodies.append(body)
        stamp = now_rfc3339()
        job = _Job(
            id=secrets.token_hex(8),
            display_name=str(batch.get("displayName", "")),
            model=f"models/{request.match['model']}",
            items=items,
            input_file=input_file,
            create_time=stamp,
            update_time=stamp,
        )
        self._jobs[job.id] = job
        self.created_jobs.append(job.display_name)
        return Response(200, self._operation(job))

    def _read_input(self, config: dict[str, Any]) -> tuple[list[_Item], str | None] | Response:
        inline = (config.get("requests") or {}).get("requests")
        file_name = config.get("fileName")
        if (inline is None) == (file_name is None):
            return google_error(400, "Exactly one of inputConfig.requests and inputConfig.fileName must be set.")
        if inline is not None:
            items = [
                _Item((r.get("metadata") or {}).get("key"), r.get("request") or {}, r.get("metadata")) for r in inline
            ]
        else:
            content = self.files.get_content(str(file_name))
            if content is None:
                return google_error(404, f"File {file_name} not found.")
            try:
                lines = [json.loads(line) for line in content.decode().splitlines() if line.strip()]
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                return google_error(400, f"Input file {file_name} is not JSONL: {exc}")
            items = [_Item(line.get("key"), line.get("request") or {}, None) for line in lines]
        if not items:
            return google_error(400, "The batch has no requests.")
        for index, item in enumerate(items):
            if not item.request.get("contents"):
                return google_error(400, f"Request {index} has no contents.")
        return items, None if inline is not None else str(file_name)

    def _get(self, request: Request) -> Response:
        job = self._jobs.get(request.match["id"])
        if job is None:
            return google_error(404, f"Batch batches/{request.match['id']} not found.")
        self._tick(job)
        return Response(200, self._operation(job))

    def _list(self, request: Request) -> Response:
        size = min(int((request.query.get("pageSize") or ["50"])[0]), self.max_page_size)
        start = int((request.query.get("pageToken") or ["0"])[0] or 0)
        jobs = sorted(self._jobs.values(), key=lambda j: j.create_time, reverse=True)
        page = jobs[start : start + size]
        body: dict[str, Any] = {"operations": [self._operation(job) for job in page]}
        if start + size < len(jobs):
            body["nextPageToken"] = str(start + size)
        return Response(200, body)

    def _cancel(self, request: Request) -> Response:
        job = self._jobs.get(request.match["id"])
        if job is None:
            return google_error(404, f"Batch batches/{request.match['id']} not found.")
        if job.state in TERMINAL_STATES and job.state != "BATCH_STATE_CANCELLED":
            return google_error(400, f"Batch batches/{job.id} has already finished ({job.state}).")
        if job.state not in TERMINAL_STATES:
            self._finish(job, "BATCH_STATE_CANCELLED")
        return Response(200, {})

    def _delete(self, request: Request) -> Response:
        if self._jobs.pop(request.match["id"], None) is None:
            return google_error(404, f"Batch batches/{request.match['id']} not found.")
        return Response(200, {})

    # --- job clock and outputs ------------------------------------------------------------------

    def _tick(self, job: _Job) -> None:
        if job.state in TERMINAL_STATES:
            return
        job.polls += 1
        job.update_time = now_rfc3339()
        if job.polls >= self.polls_until_done:
            state = normalize_state(self.final_state) or "BATCH_STATE_SUCCEEDED"
            self.final_state = None
            self._finish(job, state)
        elif job.polls >= self.polls_until_running:
            job.state = "BATCH_STATE_RUNNING"

    def _finish(self, job: _Job, state: str) -> None:
        job.state = state
        job.end_time = job.update_time = now_rfc3339()
        if state == "BATCH_STATE_SUCCEEDED":
            answered = job.items
        elif state == "BATCH_STATE_EXPIRED" and self.expired_partial:
            answered = job.items[: len(job.items) // 2]
        else:
            answered = []
        entries = [self._answer(item, job.model) for item in answered]
        failed = sum("error" in entry for entry in entries)
        job.stats = {"requestCount": len(job.items), "successfulRequestCount": len(entries) - failed}
        job.stats |= {"failedRequestCount": failed, "pendingRequestCount": len(job.items) - len(entries)}
        if not entries:
            return
        if job.input_file is None:
            job.output = {"inlinedResponses": {"inlinedResponses": entries}}
            return
        lines = []
        for item, entry in zip(answered, entries, strict=True):
            line = {k: v for k, v in entry.items() if k != "metadata"}
            if self.file_output_keys:
                line = {"key": item.key, **line}
            lines.append(json.dumps(line, ensure_ascii=False))
        output = self.files.store(f"batch-{job.id}-output", "application/jsonl", "\n".join(lines).encode(), "GENERATED")
        job.output = {"responsesFile": f"files/{output.id}"}

    def _answer(self, item: _Item, model: str) -> dict[str, Any]:
        entry: dict[str, Any]
        if item.key in self.request_errors:
            entry = {"error": request_error(item.key)}
        else:
            text = MALFORMED_TEXT if item.key in self.malformed_keys else self.responder(item.request)
            entry = {"response": response_body(text, item.request, model)}
        if item.metadata is not None:
            entry["metadata"] = item.metadata
        return entry

    def _upload(self, request: Request) -> Response:
        upload_id = (request.query.get("upload_id") or [""])[0]
        if upload_id:
            with self.lock:
                return self.files.upload_chunk(request, upload_id)
        return self._authed(self.files.start_upload)(request)

    def _operation(self, job: _Job) -> dict[str, Any]:
        metadata: dict[str, Any] = {
            "@type": BATCH_TYPE,
            "name": f"batches/{job.id}",
            "displayName": job.display_name,
            "model": job.model,
            "state": job.state,
            "createTime": job.create_time,
            "updateTime": job.update_time,
            "batchStats": {name: str(count) for name, count in job.stats.items()},
        }
        if job.input_file:
            metadata["inputConfig"] = {"fileName": job.input_file}
        if job.end_time:
            metadata["endTime"] = job.end_time
        if job.output:
            metadata["output"] = job.output
        operation: dict[str, Any] = {
            "name": f"batches/{job.id}",
            "metadata": metadata,
            "done": job.state in TERMINAL_STATES,
        }
        if job.output:
            operation["response"] = {"@type": OUTPUT_TYPE, **job.output}
        if job.state == "BATCH_STATE_FAILED":
            operation["error"] = {"code": 13, "message": "The batch failed at the provider (scripted)."}
        return operation


if __name__ == "__main__":
    run_main(GeminiEmulator())
