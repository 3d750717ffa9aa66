"""Chat tickets: only core can make one, it names one user for one session, and it dies after its
time. Whatever else is presented is a Forbidden with the same sentence, never an exception."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from changple_domain.errors import Forbidden
from changple_domain.policies.chat_tickets import REFUSED, issue_ticket, open_ticket

KEY = b"k" * 32
NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
TTL = timedelta(minutes=5)


def test_a_ticket_names_its_user_and_session_until_it_expires() -> None:
    token, issued = issue_ticket(7, "chat-0001", now=NOW, ttl=TTL, key=KEY)
    assert issued.expires_at == NOW + TTL
    opened = open_ticket(token, nonce="chat-0001", now=NOW + TTL - timedelta(seconds=1), key=KEY)
    assert (opened.user_id, opened.nonce) == (7, "chat-0001")
    with pytest.raises(Forbidden, match="get a new one"):
        open_ticket(token, nonce="chat-0001", now=NOW + TTL, key=KEY)  # expired at the second it names


def test_a_ticket_opens_for_no_other_session_and_under_no_other_key() -> None:
    token, _ = issue_ticket(7, "chat-0001", now=NOW, ttl=TTL, key=KEY)
    with pytest.raises(Forbidden):
        open_ticket(token, nonce="chat-0002", now=NOW, key=KEY)
    with pytest.raises(Forbidden):
        open_ticket(token, nonce="chat-0001", now=NOW, key=b"another key")


def test_a_changed_user_id_breaks_the_signature() -> None:
    token, _ = issue_ticket(7, "chat-0001", now=NOW, ttl=TTL, key=KEY)
    payload, _, signature = token.partition(".")
    body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    forged = base64.urlsafe_b64encode(json.dumps({**body, "u": 8}).encode()).rstrip(b"=").decode()
    with pytest.raises(Forbidden) as refused:
        open_ticket(f"{forged}.{signature}", nonce="chat-0001", now=NOW, key=KEY)
    assert str(refused.value) == REFUSED


def test_a_signed_payload_that_is_not_a_ticket_is_refused_too() -> None:
    """Even with the key (a bug elsewhere), a payload of the wrong shape is a refusal, not a crash."""
    from changple_domain.policies.chat_tickets import _b64, _signature

    for body in (b"not json", b"[]", b'{"u": 1}', b'{"u": "x", "n": "chat-0001", "e": 1e30}'):
        payload = _b64(body)
        with pytest.raises(Forbidden):
            open_ticket(f"{payload}.{_signature(payload, KEY)}", nonce="chat-0001", now=NOW, key=KEY)


@given(st.text(max_size=600))
def test_any_other_string_is_a_refusal(token: str) -> None:
    with pytest.raises(Forbidden):
        open_ticket(token, nonce="chat-0001", now=NOW, key=KEY)
