"""In-memory implementations of every port, shipped with the package for other projects' tests
and for our property tests. All state lives on the instance."""

from changple_adapters.memory.cafe import MemoryCafeSource
from changple_adapters.memory.clock import FixedClock
from changple_adapters.memory.embedder import MemoryBatchEmbedder
from changple_adapters.memory.ids import SequentialIds
from changple_adapters.memory.login_links import MemoryLoginLinkStore
from changple_adapters.memory.mutex import MemoryMutex
from changple_adapters.memory.oauth import MemoryOAuthProvider
from changple_adapters.memory.queue import MemoryTaskQueue
from changple_adapters.memory.summarizer import MemoryBatchSummarizer
from changple_adapters.memory.unit_of_work import MemoryStore, MemoryUnitOfWork
from changple_adapters.memory.vector_index import MemoryVectorIndex

__all__ = [
    "FixedClock",
    "MemoryBatchEmbedder",
    "MemoryBatchSummarizer",
    "MemoryCafeSource",
    "MemoryLoginLinkStore",
    "MemoryMutex",
    "MemoryOAuthProvider",
    "MemoryStore",
    "MemoryTaskQueue",
    "MemoryUnitOfWork",
    "MemoryVectorIndex",
    "SequentialIds",
]
