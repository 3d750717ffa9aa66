"""Pure policy functions: eligibility, change detection, retry and backoff."""
