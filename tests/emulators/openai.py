"""A local emulator of OpenAI's Files, Batches and Embeddings APIs (PROVIDERS.md), so the real openai SDK
runs offline: uploads, batch validation against the documented limits, a status that moves over polls,
output and error files in the wire format, and scriptable failures. Standard library only."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from tests.emulators.base import Emulator, Handler, Request, Response, run_main
from tests.emulators.openai_wire import (
    embed,
    error_response,
    jsonl,
    line_record,
    new_id,
    parse_multipart,
    validate_input_file,
)

TERMINAL = frozenset({"completed", "failed", "expired", "cancelled"})


@dataclass
class _Batch:
    obj: dict[str, Any]
    lines: list[dict[str, Any]]
    problems: list[dict[str, Any]]
    final_status: str
    partial: bool
    polls: int = 0


@dataclass
class _File:
    obj: dict[str, Any]
    content: bytes = field(repr=False)


class OpenAIEmulator(Emulator):
    """Knobs (set under `self.lock` while a server thread runs) are read when a batch is created or polled;
    `final_status`, `create_failures`, `drop_create_answers` and `embedding_failures` are used up as they
    act. `expired_partial` makes an expired or cancelled batch keep the first half of its lines."""

    def __init__(self) -> None:
        super().__init__()
        self.reset()
        for method, pattern, handler in [
            ("POST", r"/v1/files", self._upload),
            ("GET", r"/v1/files/(?P<id>[^/]+)", self._get_file),
            ("GET", r"/v1/files/(?P<id>[^/]+)/content", self._file_content),
            ("POST", r"/v1/batches", self._create_batch),
            ("GET", r"/v1/batches", self._list_batches),
            ("GET", r"/v1/batches/(?P<id>[^/]+)", self._get_batch),
            ("POST", r"/v1/batches/(?P<id>[^/]+)/cancel", self._cancel_batch),
            ("POST", r"/v1/embeddings", self._embeddings),
        ]:
            self.route(method, pattern, self._authorized(handler))

    def reset(self) -> None:
        """Forget every file, batch and request, and put the knobs back: one server can serve many tests."""
        with self.lock:
            self.polls_until_in_progress = 1
            self.polls_until_done = 3
            self.create_failures: list[int] = []
            self.drop_create_answers = 0  # the next N creates make the batch but answer 502, as a lost answer would
            self.embedding_failures: list[int] = []
            self.failing_custom_ids: set[str] = set()
            self.final_status: str | None = None
            self.expired_partial = False
            self.force_dimensions: int | None = None  # answer vectors of this length whatever was asked
            self.accepted_keys: set[str] | None = None  # None: any bearer token works
            self.max_list_limit = 100
            self.latency_seconds = 0.0
            self.created_batches = 0
            self.uploaded_files = 0
            self.files: dict[str, _File] = {}
            self.batches: dict[str, _Batch] = {}
            self.requests.clear()

    def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        url = super().start(host, port)
        assert self._server is not None
        # The base handler writes headers and body apart; with Nagle on, each answer waits ~40 ms for an ACK.
        self._server.RequestHandlerClass.disable_nagle_algorithm = True  # type: ignore[attr-defined]
        return url

    def _authorized(self, handler: Handler) -> Handler:
        def guarded(request: Request) -> Response:
            scheme, _, token = request.headers.get("authorization", "").partition(" ")
            if scheme != "Bearer" or not token.strip():
                return error_response(401, "You didn't provide an API key.")
            if self.accepted_keys is not None and token not in self.accepted_keys:
                return error_response(401, f"Incorrect API key provided: {token}.", code="invalid_api_key")
            with self.lock:
                return handler(request)

        return guarded

    # --- files --------------------------------------------------------------------------------

    def _upload(self, request: Request) -> Response:
        fields = parse_multipart(request.headers.get("content-type", ""), request.body)
        if "file" not in fields or "purpose" not in fields:
            return error_response(400, "Multipart upload needs 'file' and 'purpose'.", param="file")
        purpose = fields["purpose"][1].decode()
        if purpose not in {"batch", "assistants", "fine-tune", "vision", "user_data", "evals"}:
            return error_response(400, f"Invalid purpose: {purpose!r}.", param="purpose")
        filename, content = fields["file"]
        self.uploaded_files += 1
        return Response(200, self._store_file(content, filename or "upload.jsonl", purpose).obj)

    def _store_file(self, content: bytes, filename: str, purpose: str) -> _File:
        file_id = new_id("file-")
        obj = {
            "id": file_id,
            "object": "file",
            "bytes": len(content),
            "created_at": int(time.time()),
            "filename": filename,
            "purpose": purpose,
            "status": "processed",
            "expires_at": None,
            "status_details": None,
        }
        self.files[file_id] = _File(obj, content)
        return self.files[file_id]

    def _get_file(self, request: Request) -> Response:
        stored = self.files.get(request.match["id"])
        return (
            Response(200, stored.obj) if stored else error_response(404, f"No such File object: {request.match['id']}")
        )

    def _file_content(self, request: Request) -> Response:
        stored = self.files.get(request.match["id"])
        if stored is None:
            return error_response(404, f"No such File object: {request.match['id']}")
        return Response(200, stored.content, content_type="application/octet-stream")

    # --- batches ------------------------------------------------------------------------------

    def _create_batch(self, request: Request) -> Response:
        if self.create_failures:
            status = self.create_failures.pop(0)
            return error_response(status, f"Emulated failure {status} on batch creation.")
        body = request.json() or {}
        if body.get("endpoint") != "/v1/embeddings":
            return error_response(400, "This emulator serves only the /v1/embeddings endpoint.", param="endpoint")
        if body.get("completion_window") != "24h":
            return error_response(400, "completion_window must be '24h'.", param="completion_window")
        metadata = body.get("metadata") or {}
        if len(metadata) > 16 or any(
            len(k) > 64 or not isinstance(v, str) or len(v) > 512 for k, v in metadata.items()
        ):
            return error_response(
                400, "metadata: at most 16 pairs, keys <= 64 and string values <= 512 chars.", param="metadata"
            )
        stored = self.files.get(str(body.get("input_file_id")))
        if stored is None or stored.obj["purpose"] != "batch":
            return error_response(400, "Invalid 'input_file_id': no file with purpose 'batch'.", param="input_file_id")
        lines, problems = validate_input_file(stored.content)
        now = int(time.time())
        obj: dict[str, Any] = {
            "id": new_id("batch_"),
            "object": "batch",
            "endpoint": "/v1/embeddings",
            "model": lines[0]["body"].get("model") if lines else None,
            "errors": None,
            "input_file_id": stored.obj["id"],
            "completion_window": "24h",
            "status": "validating",
            "output_file_id": None,
            "error_file_id": None,
            "created_at": now,
            "in_progress_at": None,
            "expires_at": now + 86_400,
            "finalizing_at": None,
            "completed_at": None,
            "failed_at": None,
            "expired_at": None,
            "cancelling_at": None,
            "cancelled_at": None,
            "request_counts": {"total": 0, "completed": 0, "failed": 0},
            "metadata": metadata,
            "usage": None,
        }
        batch = _Batch(obj, lines, problems, self.final_status or "completed", self.expired_partial)
        self.final_status = None
        self.batches[obj["id"]] = batch
        self.created_batches += 1
        if self.drop_create_answers:
            self.drop_create_answers -= 1
            return error_response(502, "Bad gateway: the batch was created but this answer was lost.")
        return Response(200, obj)

    def _get_batch(self, request: Request) -> Response:
        batch = self.batches.get(request.match["id"])
        if batch is None:
            return error_response(404, f"No batch found with id '{request.match['id']}'.")
        self._advance(batch)
        return Response(200, batch.obj)

    def _list_batches(self, request: Request) -> Response:
        newest_first = list(reversed(self.batches.values()))  # dicts keep creation order; seconds would tie
        ids = [b.obj["id"] for b in newest_first]
        after = request.query.get("after", [None])[0]
        start = ids.index(after) + 1 if after in ids else (len(ids) if after else 0)
        limit = max(1, min(int(request.query.get("limit", ["20"])[0]), 100, self.max_list_limit))
        page = newest_first[start : start + limit]
        return Response(
            200,
            {
                "object": "list",
                "data": [b.obj for b in page],
                "has_more": start + limit < len(ids),
                "first_id": page[0].obj["id"] if page else None,
                "last_id": page[-1].obj["id"] if page else None,
            },
        )

    def _cancel_batch(self, request: Request) -> Response:
        batch = self.batches.get(request.match["id"])
        if batch is None:
            return error_response(404, f"No batch found with id '{request.match['id']}'.")
        if batch.obj["status"] in TERMINAL:
            return error_response(409, f"Cannot cancel a batch with status '{batch.obj['status']}'.")
        batch.obj.update(status="cancelling", cancelling_at=int(time.time()))
        return Response(200, batch.obj)

    def _advance(self, batch: _Batch) -> None:
        """One poll: validating -> in_progress -> finalizing -> terminal, as the polling knobs say."""
        status = batch.obj["status"]
        if status in TERMINAL:
            return
        if status == "cancelling":
            self._finish(batch, "cancelled")
            return
        batch.polls += 1
        polls, begin, done = batch.polls, self.polls_until_in_progress, self.polls_until_done
        now = int(time.time())
        if polls < begin:
            return
        if batch.problems or batch.final_status == "failed":
            problems = batch.problems or [{"code": "emulated_failure", "line": None, "message": "Emulated failure."}]
            batch.obj.update(status="failed", failed_at=now, errors={"object": "list", "data": problems})
            return
        if batch.obj["in_progress_at"] is None:
            batch.obj.update(
                in_progress_at=now, request_counts={"total": len(batch.lines), "completed": 0, "failed": 0}
            )
        if polls >= done:
            self._finish(batch, batch.final_status)
        elif polls == done - 1 and polls > begin:
            batch.obj.update(status="finalizing", finalizing_at=now)
        else:
            batch.obj["status"] = "in_progress"

    def _finish(self, batch: _Batch, status: str) -> None:
        """Run the lines the batch got to and write the output and error files."""
        run = batch.lines if status == "completed" else batch.lines[: len(batch.lines) // 2] if batch.partial else []
        outputs: list[dict[str, Any]] = []
        errors: list[dict[str, Any]] = []
        tokens = 0
        for line in run:
            record, used = self._execute(line)
            (errors if record["error"] or record["response"]["status_code"] != 200 else outputs).append(record)
            tokens += used
        if run:
            reason = "batch_expired" if status == "expired" else "batch_cancelled"
            for line in batch.lines[len(run) :]:
                message = f"This request was not executed: the batch was {status} first."
                errors.append(line_record(line, None, {"code": reason, "message": message}))
        name = batch.obj["id"]
        if outputs:
            batch.obj["output_file_id"] = self._store_file(jsonl(outputs), f"{name}_output.jsonl", "batch_output").obj[
                "id"
            ]
        if errors:
            batch.obj["error_file_id"] = self._store_file(jsonl(errors), f"{name}_error.jsonl", "batch_output").obj[
                "id"
            ]
        now = int(time.time())
        batch.obj.update(
            status=status,
            request_counts={"total": len(batch.lines), "completed": len(outputs), "failed": len(errors)},
            usage={
                "input_tokens": tokens,
                "input_tokens_details": {"cached_tokens": 0},
                "output_tokens": 0,
                "output_tokens_details": {"reasoning_tokens": 0},
                "total_tokens": tokens,
            },
        )
        batch.obj[f"{status}_at"] = now

    def _execute(self, line: dict[str, Any]) -> tuple[dict[str, Any], int]:
        if line["custom_id"] in self.failing_custom_ids:
            return line_record(line, None, {"code": "server_error", "message": "Emulated failure of this line."}), 0
        status, body = embed(line["body"], force_dimensions=self.force_dimensions)
        tokens = body.get("usage", {}).get("prompt_tokens", 0) if status == 200 else 0
        return line_record(line, {"status_code": status, "request_id": new_id("req_"), "body": body}, None), tokens

    def _embeddings(self, request: Request) -> Response:
        if self.embedding_failures:
            status = self.embedding_failures.pop(0)
            return error_response(status, f"Emulated failure {status} on embeddings.")
        status, body = embed(request.json() or {}, force_dimensions=self.force_dimensions)
        return Response(status, body)


if __name__ == "__main__":
    run_main(OpenAIEmulator())
