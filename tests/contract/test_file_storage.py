"""The `FileStorage` contract, run on the in-memory fake and on the local directory adapter, then what
only the directory has: lazy root, temp files, links planted inside the root."""

from __future__ import annotations

import io
import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from changple_adapters.local.file_storage import LocalFileStorage
from changple_adapters.memory.file_storage import MemoryFileStorage
from changple_adapters.storage_keys import CHUNK_BYTES
from changple_domain.errors import InvalidInput, NotFound
from changple_domain.ports import FileStorage

BAD_KEYS = ["../x", "/abs", "a//b", "a/./b", "a\\b", "a b", "ü.jpg", "", "x/" + "a" * 600, "a/..", "a/", ".tmp-x"]
BAD_PREFIXES = ["", "content", "/content/", "../", "a//", "a/../", "ü/"]


@pytest.fixture(params=["memory", "local"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> FileStorage:
    if request.param == "memory":
        return MemoryFileStorage()
    return LocalFileStorage(tmp_path / "files")


class CountingReader(io.BytesIO):
    """A stream that remembers the largest read asked of it, and can fail after `fail_after` bytes."""

    def __init__(self, data: bytes, fail_after: int | None = None) -> None:
        super().__init__(data)
        self.largest_read = 0
        self.fail_after = fail_after

    def read(self, size: int | None = -1, /) -> bytes:
        if size is None or size < 0:
            raise AssertionError("the stream was read whole")
        self.largest_read = max(self.largest_read, size)
        if self.fail_after is not None and self.tell() >= self.fail_after:
            raise OSError("the upload connection dropped")
        return super().read(size)


# --- the contract ---------------------------------------------------------------------------------


def test_bytes_round_trip(storage: FileStorage) -> None:
    assert isinstance(storage, FileStorage)
    assert storage.save("content/12/files/001.jpg", b"\xff\xd8jpeg") == 6

    assert storage.read("content/12/files/001.jpg") == b"\xff\xd8jpeg"
    assert storage.size("content/12/files/001.jpg") == 6
    with storage.open("content/12/files/001.jpg") as file:
        assert file.read(2) == b"\xff\xd8"
        file.seek(0)
        assert file.read() == b"\xff\xd8jpeg"
    assert storage.save("empty.txt", b"") == 0
    assert storage.read("empty.txt") == b""


def test_a_stream_is_saved_in_chunks(storage: FileStorage) -> None:
    data = os.urandom(3 * CHUNK_BYTES + 17)
    stream = CountingReader(data)

    assert storage.save("content/1/page.zip", stream) == len(data)

    assert 0 < stream.largest_read <= CHUNK_BYTES
    assert storage.read("content/1/page.zip") == data
    assert storage.size("content/1/page.zip") == len(data)


def test_save_replaces_an_existing_file(storage: FileStorage) -> None:
    storage.save("a/b.txt", b"first, longer version")
    assert storage.save("a/b.txt", io.BytesIO(b"second")) == 6
    assert storage.read("a/b.txt") == b"second"
    assert storage.list("a/") == ["a/b.txt"]


def test_missing_files(storage: FileStorage) -> None:
    missing = re.escape("no stored file at 'a/missing.txt'")
    with pytest.raises(NotFound, match=missing):
        storage.read("a/missing.txt")
    with pytest.raises(NotFound, match=missing), storage.open("a/missing.txt"):
        pass
    assert storage.size("a/missing.txt") is None
    storage.delete("a/missing.txt")  # fine
    assert storage.list("a/") == []
    assert storage.delete_prefix("a/") == 0


@pytest.mark.parametrize("key", BAD_KEYS)
def test_every_bad_key_is_refused(storage: FileStorage, key: str) -> None:
    calls: list[Callable[[], object]] = [
        lambda: storage.save(key, b"x"),
        lambda: storage.read(key),
        lambda: storage.open(key),
        lambda: storage.size(key),
        lambda: storage.delete(key),
    ]
    for call in calls:
        with pytest.raises(InvalidInput) as refused:
            call()
        assert repr(key)[:30] in refused.value.detail
        assert "key" in refused.value.detail
        assert "A-Z a-z 0-9" in refused.value.detail


@pytest.mark.parametrize("prefix", BAD_PREFIXES)
def test_bad_prefixes_are_refused_and_the_empty_one_too(storage: FileStorage, prefix: str) -> None:
    storage.save("content/1/a.txt", b"x")
    with pytest.raises(InvalidInput, match="prefix"):
        storage.list(prefix)
    with pytest.raises(InvalidInput, match="prefix"):
        storage.delete_prefix(prefix)
    assert storage.read("content/1/a.txt") == b"x"


def test_list_is_sorted_and_recursive(storage: FileStorage) -> None:
    for key in ["content/2/b.txt", "content/10/a.txt", "content/1/z/deep.txt", "content/1/a.txt", "other/x"]:
        storage.save(key, b"x")

    assert storage.list("content/") == [
        "content/1/a.txt",
        "content/1/z/deep.txt",
        "content/10/a.txt",
        "content/2/b.txt",
    ]
    assert storage.list("content/1/") == ["content/1/a.txt", "content/1/z/deep.txt"]
    assert storage.list("content/1/a.txt/") == []


def test_delete_prefix_removes_only_that_folder(storage: FileStorage) -> None:
    for key in ["content/1/a.txt", "content/1/files/b.jpg", "content/10/a.txt", "content/1.txt"]:
        storage.save(key, b"x")

    assert storage.delete_prefix("content/1/") == 2

    assert storage.list("content/") == ["content/1.txt", "content/10/a.txt"]
    assert storage.size("content/1/a.txt") is None
    storage.save("content/1", b"a file where the folder was")  # the folder is really gone
    assert storage.delete_prefix("content/1/") == 0


def test_delete_removes_one_file(storage: FileStorage) -> None:
    storage.save("a/b/c.txt", b"x")
    storage.save("a/b/d.txt", b"y")
    storage.delete("a/b/c.txt")
    assert storage.list("a/") == ["a/b/d.txt"]
    storage.delete("a/b/d.txt")
    storage.save("a/b", b"the name is free again")
    assert storage.read("a/b") == b"the name is free again"


def test_a_key_cannot_be_a_file_and_a_folder(storage: FileStorage) -> None:
    storage.save("a/b", b"x")
    with pytest.raises(InvalidInput, match="'a'"):
        storage.save("a", b"y")
    with pytest.raises(InvalidInput, match="'a/b/c'"):
        storage.save("a/b/c", b"y")
    assert storage.list("a/") == ["a/b"]


def test_a_failing_stream_leaves_nothing_behind(storage: FileStorage, tmp_path: Path) -> None:
    storage.save("a/kept.bin", b"old")
    with pytest.raises(OSError, match="dropped"):
        storage.save("a/new.bin", CountingReader(os.urandom(3 * CHUNK_BYTES), fail_after=CHUNK_BYTES))
    with pytest.raises(OSError, match="dropped"):
        storage.save("a/kept.bin", CountingReader(os.urandom(3 * CHUNK_BYTES), fail_after=CHUNK_BYTES))

    assert storage.list("a/") == ["a/kept.bin"]
    assert storage.read("a/kept.bin") == b"old"
    assert [path.name for path in tmp_path.rglob("*") if path.is_file()] in ([], ["kept.bin"])


# --- the directory only ---------------------------------------------------------------------------


def test_local_root_is_made_on_first_write(tmp_path: Path) -> None:
    storage = LocalFileStorage(tmp_path / "later")
    assert storage.list("content/") == []
    assert storage.size("content/x") is None
    assert not (tmp_path / "later").exists()
    storage.save("content/x", b"x")
    assert (tmp_path / "later" / "content" / "x").read_bytes() == b"x"


def test_local_list_skips_writes_in_progress(tmp_path: Path) -> None:
    storage = LocalFileStorage(tmp_path)
    storage.save("content/1/a.txt", b"x")
    (tmp_path / "content" / "1" / ".tmp-abc123").write_bytes(b"half")

    assert storage.list("content/") == ["content/1/a.txt"]
    assert storage.delete_prefix("content/") == 1
    assert list(tmp_path.iterdir()) == []


def test_local_links_out_of_the_root_are_not_followed(tmp_path: Path) -> None:
    root, outside = tmp_path / "root", tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_bytes(b"secret")
    root.mkdir()
    (root / "evil").symlink_to(outside, target_is_directory=True)
    (root / "link.txt").symlink_to(outside / "secret.txt")
    storage = LocalFileStorage(root)

    refused: list[Callable[[], object]] = [
        lambda: storage.save("evil/new.txt", b"x"),
        lambda: storage.save("evil/secret.txt", b"x"),
        lambda: storage.save("link.txt", b"x"),
        lambda: storage.read("evil/secret.txt"),
        lambda: storage.read("link.txt"),
        lambda: storage.delete("evil/secret.txt"),
        lambda: storage.delete_prefix("evil/"),
        lambda: storage.list("evil/"),
    ]
    for call in refused:
        with pytest.raises(InvalidInput, match="outside"):
            call()

    assert sorted(path.name for path in outside.iterdir()) == ["secret.txt"]
    assert (outside / "secret.txt").read_bytes() == b"secret"
