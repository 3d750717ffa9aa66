"""Use cases: plain functions over ports, one module each. Entrypoints call exactly one."""
