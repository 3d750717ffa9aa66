"""Zip checks and bounded extraction for uploaded exports, all in memory.

`open_checked` reads the central directory only (zipfile never decompresses while listing) and
refuses what it already shows, each refusal an UnsafeUpload whose reason is a stable word:
not_a_zip, corrupt_zip, too_large (the upload or the declared total), too_many_entries, bad_name
(NUL or control characters, an entry listed twice), absolute_path, path_traversal, link,
special_file, encrypted, nested_archive, compression_ratio and no_page.

The compression-ratio rule only looks at entries above RATIO_FLOOR_BYTES (1 MiB): a small file of
zeros legitimately compresses a thousandfold, and below the floor the total-size limit alone bounds
what a hostile entry can cost.

`CheckedArchive.read` then streams one entry at a time and counts the bytes it really gets (the
declared sizes are never trusted), holding them to the same total and ratio limits; CRC errors and
truncated data are corrupt_zip.

Names: when an entry lacks the UTF-8 flag (0x800), Python decodes it as cp437; Korean Windows
tools wrote CP949 there, so the name is turned back into bytes and read as UTF-8, else CP949, else
kept. Names are compared after NFC normalisation (macOS writes Hangul decomposed)."""

from __future__ import annotations

import io
import posixpath
import re
import stat
import struct
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass, field
from types import TracebackType
from typing import BinaryIO

from changple_domain.errors import UnsafeUpload
from changple_domain.model.content import ArchiveSummary, UploadLimits

RATIO_FLOOR_BYTES = 1024 * 1024
CHUNK_BYTES = 64 * 1024
HTML_SUFFIXES = (".html", ".htm")
JUNK_PREFIX = "__MACOSX/"
_UTF8_FLAG = 0x800
_ENCRYPTED_FLAG = 0x1
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_DRIVE = re.compile(r"^[A-Za-z]:")
_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
_ZIP_ERRORS = (zipfile.BadZipFile, OSError, EOFError, ValueError, struct.error, OverflowError, zlib.error)
_READ_ERRORS = (*_ZIP_ERRORS, NotImplementedError, RuntimeError, KeyError, IndexError)
_AGAIN = "export the page again from Notion"


def quoted(name: str) -> str:
    """An entry name as details show it: quoted, control characters escaped, long names cut."""
    shown = name if len(name) <= 120 else name[:117] + "..."
    return "'" + "".join(c if unicodedata.category(c) != "Cc" else f"\\x{ord(c):02x}" for c in shown) + "'"


def decode_name(info: zipfile.ZipInfo) -> str:
    """The entry's name as its author meant it (see the module docstring for the CP949 rule)."""
    name = info.orig_filename
    if info.flag_bits & _UTF8_FLAG:
        return name
    try:
        raw = name.encode("cp437")
    except UnicodeEncodeError:
        return name
    for encoding in ("utf-8", "cp949"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return name


def entry_key(name: str) -> str:
    """How names are compared: '/' separators, no '.' or empty components, NFC."""
    return unicodedata.normalize("NFC", posixpath.normpath(name.replace("\\", "/")))


@dataclass(frozen=True)
class Entry:
    name: str  # entry_key of the decoded name
    info: zipfile.ZipInfo = field(repr=False)

    @property
    def is_dir(self) -> bool:
        return self.info.is_dir()

    @property
    def is_junk(self) -> bool:
        return (self.name + "/").startswith(JUNK_PREFIX) or posixpath.basename(self.name) == ".DS_Store"

    @property
    def is_page(self) -> bool:
        return not self.is_dir and not self.is_junk and self.name.lower().endswith(HTML_SUFFIXES)


def read_bounded(
    stream: BinaryIO, *, name: str, compressed_size: int, limits: UploadLimits, already_read: int
) -> bytes:
    """Read `stream` whole, counting real bytes against the total left and the per-entry ratio."""
    parts: list[bytes] = []
    size = 0
    while chunk := stream.read(CHUNK_BYTES):
        size += len(chunk)
        if already_read + size > limits.max_total_bytes:
            raise UnsafeUpload(
                "too_large",
                f"the export unpacks to more than {limits.max_total_bytes:,} bytes (reading {quoted(name)}); "
                "upload a smaller page",
            )
        if size > RATIO_FLOOR_BYTES and size / max(compressed_size, 1) > limits.max_compression_ratio:
            raise UnsafeUpload(
                "compression_ratio",
                f"the entry {quoted(name)} unpacks to over {limits.max_compression_ratio:g} times its packed size "
                f"(a zip bomb); {_AGAIN}",
            )
        parts.append(chunk)
    return b"".join(parts)


class CheckedArchive:
    """An open zip that passed the directory checks; `read` streams entries under the limits."""

    def __init__(self, zf: zipfile.ZipFile, entries: list[Entry], limits: UploadLimits) -> None:
        self._zf = zf
        self.entries = entries
        self.limits = limits
        self.bytes_read = 0
        self.summary = ArchiveSummary(
            entries=len(entries),
            total_bytes=sum(entry.info.file_size for entry in entries),
            html_files=sum(1 for entry in entries if entry.is_page),
        )

    def read(self, entry: Entry) -> bytes:
        try:
            with self._zf.open(entry.info) as stream:
                data = read_bounded(
                    stream,  # type: ignore[arg-type]  # ZipExtFile is a binary stream
                    name=entry.name,
                    compressed_size=entry.info.compress_size,
                    limits=self.limits,
                    already_read=self.bytes_read,
                )
        except UnsafeUpload:
            raise
        except _READ_ERRORS as exc:
            raise UnsafeUpload(
                "corrupt_zip", f"the entry {quoted(entry.name)} is damaged and cannot be read ({exc}); {_AGAIN}"
            ) from exc
        self.bytes_read += len(data)
        return data

    def close(self) -> None:
        self._zf.close()

    def __enter__(self) -> CheckedArchive:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


def check_archive(archive: BinaryIO, limits: UploadLimits) -> ArchiveSummary:
    with open_checked(archive, limits) as checked:
        return checked.summary


def open_checked(archive: BinaryIO, limits: UploadLimits) -> CheckedArchive:
    """Open the zip and run every directory check; the caller closes the result."""
    if not archive.seekable():
        archive = io.BytesIO(archive.read(limits.max_upload_bytes + 1))
    size = archive.seek(0, 2)
    archive.seek(0)
    if size == 0:
        raise UnsafeUpload("not_a_zip", "the file is empty; upload the zip that Notion's 'Export as HTML' made")
    if size > limits.max_upload_bytes:
        raise UnsafeUpload(
            "too_large", f"the upload is {size:,} bytes, above the {limits.max_upload_bytes:,} allowed; export less"
        )
    if archive.read(4) not in _ZIP_MAGIC:
        raise UnsafeUpload("not_a_zip", "the file is not a zip; upload the zip that Notion's 'Export as HTML' made")
    archive.seek(0)
    _precheck_count(archive, limits)
    try:
        zf = zipfile.ZipFile(archive)
    except (*_ZIP_ERRORS, NotImplementedError) as exc:
        raise UnsafeUpload("corrupt_zip", f"the zip is damaged or truncated ({exc}); {_AGAIN}") from exc
    try:
        entries = _checked_entries(zf.infolist(), limits)
    except BaseException:
        zf.close()
        raise
    return CheckedArchive(zf, entries, limits)


def _precheck_count(archive: BinaryIO, limits: UploadLimits) -> None:
    """Refuse a huge entry count from the end record, before zipfile builds an object per entry."""
    end_record = getattr(zipfile, "_EndRecData", None)
    if end_record is None:
        return
    try:
        record = end_record(archive)
    except _ZIP_ERRORS:
        record = None
    archive.seek(0)
    if record and record[4] > limits.max_entries:
        _too_many(record[4], limits)


def _too_many(count: int, limits: UploadLimits) -> None:
    raise UnsafeUpload(
        "too_many_entries",
        f"the zip holds {count:,} entries, above the {limits.max_entries:,} allowed; export a smaller page",
    )


def _checked_entries(infos: list[zipfile.ZipInfo], limits: UploadLimits) -> list[Entry]:
    if len(infos) > limits.max_entries:
        _too_many(len(infos), limits)
    entries: list[Entry] = []
    seen: set[str] = set()
    for info in infos:
        entry = _checked_entry(info, limits)
        key = entry.name + ("/" if entry.is_dir else "")
        if key in seen and not entry.is_dir:
            raise UnsafeUpload("bad_name", f"the entry {quoted(entry.name)} appears twice in the zip; {_AGAIN}")
        seen.add(key)
        entries.append(entry)
    total = sum(info.file_size for info in infos)
    if total > limits.max_total_bytes:
        raise UnsafeUpload(
            "too_large",
            f"the export unpacks to {total:,} bytes, above the {limits.max_total_bytes:,} allowed; "
            "upload a smaller page",
        )
    if not any(entry.is_page for entry in entries):
        raise UnsafeUpload(
            "no_page", "the zip holds no .html page; choose 'HTML' as the format when exporting from Notion"
        )
    return entries


def _checked_entry(info: zipfile.ZipInfo, limits: UploadLimits) -> Entry:
    name = decode_name(info)
    shown = quoted(name)
    if not name.strip("/\\") or any(unicodedata.category(c) == "Cc" for c in name):
        raise UnsafeUpload("bad_name", f"the entry {shown} has an empty name or control characters; {_AGAIN}")
    if name.startswith(("/", "\\")) or _DRIVE.match(name):
        raise UnsafeUpload("absolute_path", f"the entry {shown} is an absolute path; {_AGAIN}")
    if ".." in name.replace("\\", "/").split("/"):
        raise UnsafeUpload("path_traversal", f"the entry {shown} points outside the export (zip slip); {_AGAIN}")
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        raise UnsafeUpload("link", f"the entry {shown} is a symbolic link; {_AGAIN}")
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) or stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode):
        raise UnsafeUpload("special_file", f"the entry {shown} is a device, pipe or socket, not a file; {_AGAIN}")
    if info.flag_bits & _ENCRYPTED_FLAG:
        raise UnsafeUpload("encrypted", f"the entry {shown} is encrypted; upload the export without a password")
    if not info.is_dir() and name.lower().endswith(".zip"):
        raise UnsafeUpload(
            "nested_archive", f"the export contains another zip, {shown}; unzip it and upload the inner zip itself"
        )
    if info.compress_type not in _METHODS:
        raise UnsafeUpload("corrupt_zip", f"the entry {shown} uses a compression method we cannot read; {_AGAIN}")
    if (
        info.file_size > RATIO_FLOOR_BYTES
        and info.file_size / max(info.compress_size, 1) > limits.max_compression_ratio
    ):
        raise UnsafeUpload(
            "compression_ratio",
            f"the entry {shown} unpacks to over {limits.max_compression_ratio:g} times its packed size "
            f"(a zip bomb); {_AGAIN}",
        )
    return Entry(name=entry_key(name), info=info)
