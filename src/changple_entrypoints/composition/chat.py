"""Chat history's use cases bound to their ports: the agent records messages, readers list, read
and delete their own sessions."""

from __future__ import annotations

from datetime import timedelta

from dependency_injector import providers

from changple_domain.use_cases import chat_history as chat
from changple_entrypoints.composition.adapters import chat_ticket_key
from changple_entrypoints.composition.ports import Ports


class ChatUseCases(Ports):
    chat_ticket_signing_key = providers.Singleton(chat_ticket_key, Ports.settings)
    # `append_chat_message(RecordMessage)`: the agent's message, the session made on first use.
    append_chat_message = providers.Callable(
        chat.record_message,
        uow=Ports.uow,
        now=Ports.clock.provided.now.call(),
        policy=Ports.ingestion_policy,
        ticket_key=chat_ticket_signing_key,
    )
    # `issue_chat_ticket(user_id, nonce)`: the signed-in user's ticket, for the agent to forward.
    issue_chat_ticket = providers.Callable(
        chat.issue_chat_ticket,
        now=Ports.clock.provided.now.call(),
        ttl=providers.Callable(lambda s: timedelta(seconds=s.chat_ticket_seconds), Ports.settings),
        key=chat_ticket_signing_key,
    )
    # `read_chat_session(nonce, owner_id=..., as_agent=..., limit=, after_id=)`: readers see their own only.
    read_chat_session = providers.Callable(chat.read_session, uow=Ports.uow, policy=Ports.ingestion_policy)
    list_chat_sessions = providers.Callable(chat.list_sessions, uow=Ports.uow)
    delete_chat_session = providers.Callable(chat.delete_session, uow=Ports.uow)
