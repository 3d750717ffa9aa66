"""In-memory implementations of every port, shipped with the package for other projects' tests
and for our property tests. All state lives on the instance."""

from changple_adapters.memory.clock import FixedClock
from changple_adapters.memory.mutex import MemoryMutex
from changple_adapters.memory.queue import MemoryTaskQueue
from changple_adapters.memory.unit_of_work import MemoryStore, MemoryUnitOfWork

__all__ = ["FixedClock", "MemoryMutex", "MemoryStore", "MemoryTaskQueue", "MemoryUnitOfWork"]
