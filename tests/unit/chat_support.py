"""Recording chat messages in unit tests as the app does: with a chat ticket for a named user."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import partial

from changple_domain.policies.chat_tickets import issue_ticket
from changple_domain.use_cases import chat_history as chat

TICKET_KEY = b"unit-test-chat-ticket-key"
record_message = partial(chat.record_message, ticket_key=TICKET_KEY)


def ticket(user_id: int, nonce: str) -> str:
    """What the frontend gets for a signed-in user and hands to the agent (valid for years here)."""
    issued_at = datetime(2026, 11, 22, tzinfo=UTC)
    return issue_ticket(user_id, nonce, now=issued_at, ttl=timedelta(days=3650), key=TICKET_KEY)[0]
