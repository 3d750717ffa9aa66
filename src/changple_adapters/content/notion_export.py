"""The ExportProcessor port for Notion's "Export as HTML" zips, in memory and with no disk writes.

`check` is the directory check of `archive.open_checked` (no decompression). `process` runs it,
then reads only what the page needs, through the bounded reader:

1. the page: the .html file with the fewest path components (ties: the largest); other pages are
   skipped ("upload it on its own");
2. the images the page references (jpg, jpeg, png, gif, webp, heic, heif), converted in order of
   first reference and named img-001.<ext>, img-002.<ext>...; unreferenced images and other files
   are skipped with the reason, and are never decompressed;
3. the sanitized HTML and its plain text;
4. the thumbnail `thumbnail.jpg`: the given image, else the first page image, else a plain card.
"""

from __future__ import annotations

from typing import BinaryIO

from PIL import Image

from changple_adapters.content.archive import CheckedArchive, Entry, check_archive, open_checked, quoted
from changple_adapters.content.html import choose_page, decode_html, plain_text, rewrite_page, sanitize
from changple_adapters.content.images import (
    JPEG,
    card_jpeg,
    convert_image,
    decode,
    output_kind,
    thumbnail_jpeg,
)
from changple_domain.errors import UnsafeUpload
from changple_domain.model.content import ArchiveSummary, ExportAsset, ProcessedExport, UploadLimits
from changple_domain.ports import ExportProcessor

THUMBNAIL_NAME = "thumbnail.jpg"


class NotionExportProcessor(ExportProcessor):
    """Stateless and thread-safe (image decoding serialises on the Pillow bomb-guard lock)."""

    def check(self, archive: BinaryIO, limits: UploadLimits) -> ArchiveSummary:
        return check_archive(archive, limits)

    def process(
        self,
        archive: BinaryIO,
        *,
        limits: UploadLimits,
        asset_url_prefix: str,
        thumbnail: BinaryIO | None = None,
    ) -> ProcessedExport:
        with open_checked(archive, limits) as checked:
            return _Run(checked, limits, asset_url_prefix).process(thumbnail)


class _Run:
    def __init__(self, checked: CheckedArchive, limits: UploadLimits, asset_url_prefix: str) -> None:
        self.checked = checked
        self.limits = limits
        self.prefix = asset_url_prefix
        self.asset_names: dict[str, str] = {}  # entry name -> asset name, in order of first reference

    def asset_url(self, entry_name: str) -> str:
        if entry_name not in self.asset_names:
            kind = output_kind(entry_name) or JPEG
            self.asset_names[entry_name] = f"img-{len(self.asset_names) + 1:03d}.{kind.extension}"
        return self.prefix + self.asset_names[entry_name]

    def process(self, thumbnail: BinaryIO | None) -> ProcessedExport:
        files = [entry for entry in self.checked.entries if not entry.is_dir]
        pages = [entry for entry in files if entry.is_page]
        page_name = choose_page([(entry.name, entry.info.file_size) for entry in pages])
        page = next(entry for entry in pages if entry.name == page_name)
        images = {entry.name: entry for entry in files if not entry.is_junk and output_kind(entry.name)}
        body = rewrite_page(
            decode_html(self.checked.read(page)), page_name=page.name, images=images, asset_url=self.asset_url
        )
        html = sanitize(body, self.prefix)
        text = plain_text(html)
        assets: list[ExportAsset] = []
        first_image = None
        for entry_name, asset_name in self.asset_names.items():
            converted = convert_image(
                self.checked.read(images[entry_name]),
                name=entry_name,
                what=f"the image {quoted(entry_name)}",
                limits=self.limits,
            )
            assets.append(ExportAsset(name=asset_name, content_type=converted.content_type, data=converted.data))
            if first_image is None:
                first_image = converted.image
        if thumbnail is not None:
            thumb = thumbnail_jpeg(self._given_thumbnail(thumbnail), self.limits.thumbnail_side)
        elif first_image is not None:
            thumb = thumbnail_jpeg(first_image, self.limits.thumbnail_side)
        else:
            thumb = card_jpeg(text or page.name, self.limits.thumbnail_side)
        return ProcessedExport(
            html=html,
            plain_text=text,
            assets=tuple(assets),
            thumbnail=ExportAsset(name=THUMBNAIL_NAME, content_type=JPEG.content_type, data=thumb),
            skipped=tuple(self._skipped(files, page)),
            page_name=page.name,
        )

    def _given_thumbnail(self, thumbnail: BinaryIO) -> Image.Image:
        data = thumbnail.read(self.limits.max_upload_bytes + 1)
        if len(data) > self.limits.max_upload_bytes:
            raise UnsafeUpload(
                "bad_thumbnail",
                f"the thumbnail is larger than {self.limits.max_upload_bytes:,} bytes; use a smaller image",
            )
        return decode(data, what="the thumbnail", limits=self.limits, bad_reason="bad_thumbnail")

    def _skipped(self, files: list[Entry], page: Entry) -> list[str]:
        skipped = []
        for entry in files:
            if entry is page or entry.name in self.asset_names:
                continue
            if entry.is_junk:
                reason = "macOS metadata, not part of the page"
            elif entry.is_page:
                reason = "another page of the export; upload it on its own"
            elif output_kind(entry.name):
                reason = "an image the page does not show"
            else:
                reason = "not an image"
            skipped.append(f"{entry.name}: {reason}")
        return skipped
