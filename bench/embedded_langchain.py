"""LangChain's side of bench/embedded.py, run in its own bench-only venv (never the project's lock):
`index()` with cleanup "incremental", a SQLRecordManager on SQLite, LanceDB as the vector store and
the same hashed character n-gram embedder (scikit-learn's HashingVectorizer, 512 dimensions) wrapped
as a LangChain `Embeddings`, chunks of about the same size as ours. No summaries: LangChain has none.

    /tmp/lc-bench/bin/python bench/embedded_langchain.py --dir DIR   # DIR holds first.jsonl and edited.jsonl

Prints one JSON object: seconds and peak RSS per phase (first, unchanged, edited)."""

from __future__ import annotations

import argparse
import json
import os
import resource
import threading
import time
from pathlib import Path
from typing import Any

import lancedb
from langchain_classic.indexes import SQLRecordManager
from langchain_community.vectorstores import LanceDB
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.indexing import index
from langchain_text_splitters import RecursiveCharacterTextSplitter
from sklearn.feature_extraction.text import HashingVectorizer

# Ours: at most 800 estimated tokens, 100 of overlap; Korean runs near two characters a token.
CHUNK_CHARS, OVERLAP_CHARS = 1600, 200


class HashedEmbeddings(Embeddings):
    """The offline embedder's vectorizer, many texts per call as LangChain passes them."""

    def __init__(self, dimensions: int = 512) -> None:
        self._vectorizer = HashingVectorizer(
            analyzer="char_wb", ngram_range=(2, 3), n_features=dimensions, alternate_sign=False, norm="l2"
        )

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self._vectorizer.transform(texts).toarray().tolist()  # type: ignore[no-any-return]

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]


def peak_sampler() -> tuple[list[float], threading.Event]:
    peak = [0.0]
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.01):
            pages = int(Path("/proc/self/statm").read_text().split()[1])
            peak[0] = max(peak[0], pages * os.sysconf("SC_PAGE_SIZE") / 2**20)

    threading.Thread(target=sample, daemon=True).start()
    return peak, stop


def documents(path: Path) -> list[Document]:
    posts = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return [Document(page_content=f"{p['title']}\n\n{p['content']}", metadata={"source": str(p["id"])}) for p in posts]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", type=Path, required=True)
    args = parser.parse_args()
    splitter = RecursiveCharacterTextSplitter(chunk_size=CHUNK_CHARS, chunk_overlap=OVERLAP_CHARS)
    began = time.perf_counter()
    manager = SQLRecordManager("lancedb/posts", db_url=f"sqlite:///{args.dir / 'records.db'}")
    manager.create_schema()
    connection = lancedb.connect(str(args.dir / "vectors"))
    store = LanceDB(connection=connection, embedding=HashedEmbeddings(), table_name="posts")
    result: dict[str, Any] = {"side": "langchain", "setup_seconds": round(time.perf_counter() - began, 2)}
    for phase, source in (("first", "first"), ("unchanged", "first"), ("edited", "edited")):
        peak, stop = peak_sampler()
        began = time.perf_counter()
        chunks = splitter.split_documents(documents(args.dir / f"{source}.jsonl"))
        counts = index(chunks, manager, store, cleanup="incremental", source_id_key="source")
        seconds = time.perf_counter() - began
        stop.set()
        result[phase] = {"seconds": round(seconds, 2), "peak_rss_mb": round(peak[0], 1), "chunks": len(chunks)}
        result[phase].update(counts)
    result["posts"] = len(documents(args.dir / "first.jsonl"))
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
