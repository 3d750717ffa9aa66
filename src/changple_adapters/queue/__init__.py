"""Task queue adapters."""
