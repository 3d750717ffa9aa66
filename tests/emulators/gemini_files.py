"""The Gemini Files API part of the emulator: the resumable upload protocol google-genai speaks,
file metadata, listing and `:download?alt=media`. The emulator routes to it and holds its lock
around every call; the batch side stores generated output files here."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass, field
from typing import Any

from tests.emulators.base import Request, Response
from tests.emulators.gemini_model import google_error, now_rfc3339

# Without an x-goog-upload-status header on a chunk answer, the SDK sleeps and resends the chunk.
_FINAL = {"x-goog-upload-status": "final"}


@dataclass
class StoredFile:
    id: str
    display_name: str
    mime_type: str
    content: bytes
    source: str  # UPLOADED or GENERATED
    create_time: str


@dataclass
class _Upload:
    display_name: str
    mime_type: str
    size: int
    received: bytearray = field(default_factory=bytearray)


class GeminiFileStore:
    def __init__(self) -> None:
        self.files: dict[str, StoredFile] = {}
        self._uploads: dict[str, _Upload] = {}

    def store(self, display_name: str, mime_type: str, content: bytes, source: str) -> StoredFile:
        stored = StoredFile(secrets.token_hex(6), display_name, mime_type, content, source, now_rfc3339())
        self.files[stored.id] = stored
        return stored

    def get_content(self, name: str) -> bytes | None:
        stored = self.files.get(name.removeprefix("files/"))
        return None if stored is None else stored.content

    # --- resumable upload ---------------------------------------------------------------------

    def start_upload(self, request: Request) -> Response:
        headers = request.headers
        if headers.get("x-goog-upload-protocol") != "resumable" or headers.get("x-goog-upload-command") != "start":
            return google_error(400, "Only the resumable upload protocol is supported.")
        file_meta = (request.json() or {}).get("file") or {}
        upload_id = secrets.token_hex(8)
        self._uploads[upload_id] = _Upload(
            # the SDK sends the File model's field names (snake_case); REST clients send camelCase
            display_name=str(file_meta.get("displayName") or file_meta.get("display_name") or ""),
            mime_type=headers.get("x-goog-upload-header-content-type") or "application/octet-stream",
            size=int(headers.get("x-goog-upload-header-content-length") or 0),
        )
        url = f"http://{headers.get('host', '127.0.0.1')}/upload/{request.match['v']}/files"
        url += f"?upload_id={upload_id}&upload_protocol=resumable"
        return Response(200, None, headers={"x-goog-upload-url": url, "x-goog-upload-status": "active"})

    def upload_chunk(self, request: Request, upload_id: str) -> Response:
        """A chunk POSTed to the upload URL; the upload id is the credential, as with Google's."""
        upload = self._uploads.get(upload_id)
        if upload is None:
            return google_error(404, f"Unknown upload {upload_id}.", _FINAL)
        command = request.headers.get("x-goog-upload-command", "")
        offset = int(request.headers.get("x-goog-upload-offset") or -1)
        if offset != len(upload.received):
            return google_error(400, f"Offset {offset} does not match {len(upload.received)} bytes received.", _FINAL)
        upload.received += request.body
        if "finalize" not in command:
            return Response(200, None, headers={"x-goog-upload-status": "active"})
        del self._uploads[upload_id]
        if len(upload.received) != upload.size:
            return google_error(400, f"Declared {upload.size} bytes, received {len(upload.received)}.", _FINAL)
        stored = self.store(upload.display_name, upload.mime_type, bytes(upload.received), "UPLOADED")
        return Response(200, {"file": self.file_json(stored, request.match["v"])}, headers=_FINAL)

    # --- metadata and content -------------------------------------------------------------------

    def file_json(self, stored: StoredFile, version: str) -> dict[str, Any]:
        return {
            "name": f"files/{stored.id}",
            "displayName": stored.display_name,
            "mimeType": stored.mime_type,
            "sizeBytes": str(len(stored.content)),  # int64 travels as a string
            "createTime": stored.create_time,
            "updateTime": stored.create_time,
            "sha256Hash": base64.b64encode(hashlib.sha256(stored.content).digest()).decode(),
            "uri": f"https://generativelanguage.googleapis.com/{version}/files/{stored.id}",
            "state": "ACTIVE",
            "source": stored.source,
        }

    def list(self, request: Request, max_page_size: int) -> Response:
        size = min(int((request.query.get("pageSize") or ["10"])[0]), max_page_size)
        start = int((request.query.get("pageToken") or ["0"])[0] or 0)
        files = sorted(self.files.values(), key=lambda f: f.create_time, reverse=True)
        body: dict[str, Any] = {"files": [self.file_json(f, request.match["v"]) for f in files[start : start + size]]}
        if start + size < len(files):
            body["nextPageToken"] = str(start + size)
        return Response(200, body)

    def get(self, request: Request) -> Response:
        stored = self.files.get(request.match["id"])
        if stored is None:
            return google_error(404, f"File files/{request.match['id']} not found.")
        return Response(200, self.file_json(stored, request.match["v"]))

    def download(self, request: Request) -> Response:
        stored = self.files.get(request.match["id"])
        if stored is None:
            return google_error(404, f"File files/{request.match['id']} not found.")
        if (request.query.get("alt") or [""])[0] != "media":
            return google_error(400, "Downloads need alt=media.")
        return Response(200, stored.content, content_type=stored.mime_type)
