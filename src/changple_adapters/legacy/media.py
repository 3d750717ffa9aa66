"""Content files from the monolith's MEDIA_ROOT, read without ever leaving it: a path that points
outside (`..`, an absolute path, a symlink out) or at nothing refuses that one column."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import BinaryIO

from changple_domain.errors import InvalidInput
from changple_domain.model.legacy import LegacyContent


def _inside(root: Path, relative: str) -> Path:
    resolved_root = root.resolve()
    candidate = (resolved_root / relative).resolve()
    if not candidate.is_relative_to(resolved_root):
        raise InvalidInput(f"'{relative}' points outside the media folder")
    if not candidate.exists():
        raise InvalidInput(f"'{relative}' is not in the media folder")
    return candidate


def content_archive(media_root: Path | None, content: LegacyContent) -> BinaryIO:
    """The zip if the column has one, else its extracted export (the folder of `html_path`) zipped."""
    if not content.zip_file and not content.html_path:
        raise InvalidInput("the column has neither a zip file nor an extracted export")
    if media_root is None:
        raise InvalidInput("no media folder was given (--media), so its files cannot be read")
    if content.zip_file:
        path = _inside(media_root, content.zip_file)
        if not path.is_file():
            raise InvalidInput(f"'{content.zip_file}' is not a file")
        return io.BytesIO(path.read_bytes())
    page = _inside(media_root, content.html_path)
    folder = page.parent if page.is_file() else page
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(folder.rglob("*")):
            if file.is_file() and file.resolve().is_relative_to(folder.resolve()):
                archive.write(file, file.relative_to(folder).as_posix())
    buffer.seek(0)
    return buffer
