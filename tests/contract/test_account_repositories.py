"""Contract of the account repositories (users, service tokens, queued revocations) and the use
cases over them, on every unit-of-work implementation; then what only SQL must promise: provider
tokens are ciphertext at rest, and old keys still read after a rotation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import SecretStr
from sqlalchemy import text

from changple_adapters.memory import FixedClock, MemoryStore, MemoryUnitOfWork
from changple_adapters.sql.token_cipher import TokenCipher, generate_key
from changple_adapters.sql.unit_of_work import SqlUnitOfWork
from changple_domain.errors import AlreadyExists, InvalidSetting, NotFound, Unauthorized
from changple_domain.model.access import Scope
from changple_domain.model.users import NewUser, OAuthTokens, PendingRevocation, SocialProfile, UserRole
from changple_domain.ports import UnitOfWork
from changple_domain.use_cases.accounts import delete_account, set_role, sign_in
from changple_domain.use_cases.service_tokens import (
    authenticate_service_token,
    create_service_token,
    revoke_service_token,
)

T0 = datetime(2026, 11, 22, 4, 0, tzinfo=UTC)
ACCESS = "AAAAOq-naver-access-token-never-stored-in-clear"
REFRESH = "naver-refresh-token-also-secret"


def profile(social_id: str = "nv-8812", nickname: str = "창업준비생") -> SocialProfile:
    return SocialProfile(
        social_id=social_id,
        name="김창플",
        nickname=nickname,
        email="founder@example.com",
        mobile="010-1234-5678",
        profile_image="https://phinf.pstatic.net/p.jpg",
        raw={"id": social_id, "nickname": nickname, "age": "30-39"},
    )


def tokens(access: str = ACCESS) -> OAuthTokens:
    return OAuthTokens.received(
        access_token=access, refresh_token=REFRESH, token_type="bearer", expires_in="3600", now=T0
    )


def test_a_user_round_trips_with_tokens_and_korean_fields(uow: UnitOfWork) -> None:
    with uow:
        user = uow.users.add(NewUser(profile=profile(), tokens=tokens(), created_at=T0))
        uow.commit()
    with uow:
        got = uow.users.get(user.id)
        by_social = uow.users.get_by_social_id("naver", "nv-8812")
    assert got == user == by_social
    assert got is not None
    assert got.nickname == "창업준비생"
    assert got.information == {"id": "nv-8812", "nickname": "창업준비생", "age": "30-39"}
    assert got.tokens is not None
    assert got.tokens.access_token.get_secret_value() == ACCESS
    assert got.tokens.expires_at == T0 + timedelta(hours=1)
    assert ACCESS not in repr(got)  # secrets never print


def test_one_user_per_social_id_even_across_transactions(uow_factory: Callable[[], UnitOfWork]) -> None:
    first, second = uow_factory(), uow_factory()
    with first:
        first.users.add(NewUser(profile=profile(), created_at=T0))
        with second:
            assert second.users.get_by_social_id("naver", "nv-8812") is None  # uncommitted: invisible
        first.commit()
    with second, pytest.raises(AlreadyExists):
        second.users.add(NewUser(profile=profile(), created_at=T0))
    with first:
        assert len(first.users.list()) == 1


def test_two_first_sign_ins_racing_end_with_one_user() -> None:
    """The race SQL settles with its unique constraint, the memory store settles at commit."""
    store = MemoryStore()
    first, second = MemoryUnitOfWork(store), MemoryUnitOfWork(store)
    with first, second:
        first.users.add(NewUser(profile=profile(), created_at=T0))
        second.users.add(NewUser(profile=profile(), created_at=T0))
        first.commit()
        with pytest.raises(AlreadyExists):
            second.commit()
    with first:
        assert len(first.users.list()) == 1


def test_sign_in_creates_then_updates_and_keeps_the_role(uow: UnitOfWork) -> None:
    clock = FixedClock(T0)
    created = sign_in(profile(), tokens(), uow=uow, clock=clock)
    assert created.created
    set_role(created.user.id, UserRole.ADMIN, uow=uow)
    clock.advance(timedelta(days=1))
    again = sign_in(profile(nickname="이제사장"), tokens("new-access"), uow=uow, clock=clock)
    assert not again.created
    assert again.user.id == created.user.id
    assert again.user.role is UserRole.ADMIN
    assert again.user.nickname == "이제사장"
    assert again.user.last_login_at == T0 + timedelta(days=1)
    with uow:
        stored = uow.users.get(created.user.id)
    assert stored is not None
    assert stored.tokens is not None
    assert stored.tokens.access_token == SecretStr("new-access")


def test_delete_account_is_harmless_to_repeat(uow: UnitOfWork) -> None:
    user = sign_in(profile(), tokens(), uow=uow, clock=FixedClock(T0)).user
    deleted = delete_account(user.id, uow=uow)
    assert deleted is not None
    assert deleted.tokens is not None  # handed back for revocation
    assert delete_account(user.id, uow=uow) is None
    with uow:
        assert uow.users.get(user.id) is None
    with pytest.raises(NotFound):
        set_role(user.id, UserRole.ADMIN, uow=uow)


def test_service_tokens_authenticate_revoke_and_free_their_name(uow: UnitOfWork) -> None:
    clock = FixedClock(T0)
    token, secret_text = create_service_token("chat-agent", frozenset({Scope.CHAT}), uow=uow, clock=clock)
    assert secret_text.startswith(f"chp_{token.id}_")
    with uow:
        stored = uow.service_tokens.get(token.id)
    assert stored is not None
    assert secret_text.split("_", 2)[2] not in stored.model_dump_json()  # only the hash is kept

    clock.advance(timedelta(seconds=5))
    seen = authenticate_service_token(secret_text, uow=uow, clock=clock)
    assert seen.last_used_at == T0 + timedelta(seconds=5)
    clock.advance(timedelta(seconds=20))
    assert authenticate_service_token(secret_text, uow=uow, clock=clock).last_used_at == T0 + timedelta(seconds=5)

    with pytest.raises(AlreadyExists, match="revoke it first"):
        create_service_token("chat-agent", frozenset({Scope.ADMIN}), uow=uow, clock=clock)
    wrong = secret_text[:-4] + ("AAAA" if not secret_text.endswith("AAAA") else "BBBB")
    for bad in (wrong, "chp_nothing", "", f"chp_{'0' * 12}_{'x' * 43}"):
        with pytest.raises(Unauthorized, match=r"^the service token is not valid$"):
            authenticate_service_token(bad, uow=uow, clock=clock)

    revoked = revoke_service_token("chat-agent", uow=uow, clock=clock)
    assert revoked.revoked_at is not None
    assert revoke_service_token(token.id, uow=uow, clock=clock).revoked_at == revoked.revoked_at  # repeat: no change
    with pytest.raises(Unauthorized):
        authenticate_service_token(secret_text, uow=uow, clock=clock)
    successor, _ = create_service_token("chat-agent", frozenset({Scope.CHAT}), uow=uow, clock=clock)
    with uow:
        assert [t.id for t in uow.service_tokens.list()] == [successor.id]
        assert {t.id for t in uow.service_tokens.list(include_revoked=True)} == {token.id, successor.id}


def test_queued_revocations_round_trip(uow: UnitOfWork) -> None:
    with uow:
        queued = uow.revocations.add(PendingRevocation(tokens=tokens(), last_error="Naver is down", created_at=T0))
        uow.commit()
    assert queued.id is not None
    with uow:
        uow.revocations.save(queued.model_copy(update={"attempts": 2, "last_error": "still down"}))
        uow.commit()
    with uow:
        [got] = uow.revocations.list()
    assert (got.attempts, got.last_error) == (2, "still down")
    assert got.tokens.access_token.get_secret_value() == ACCESS
    with uow:
        uow.revocations.remove(queued.id)
        uow.commit()
    with uow:
        assert uow.revocations.list() == []


# --- SQL only: encryption at rest ----------------------------------------------------------------


def _dump(uow: SqlUnitOfWork) -> str:
    """Every value of the account tables as text, like a database dump."""
    with uow:
        rows = []
        for table in ("users", "token_revocations", "service_tokens"):
            rows += [str(tuple(row)) for row in uow.session.execute(text(f"SELECT * FROM {table}"))]
    return "\n".join(rows)


def test_a_database_dump_shows_no_usable_token(sql_uow: SqlUnitOfWork) -> None:
    sign_in(profile(), tokens(), uow=sql_uow, clock=FixedClock(T0))
    with sql_uow:
        sql_uow.revocations.add(PendingRevocation(tokens=tokens("revocable-token-xyz"), created_at=T0))
        sql_uow.commit()
    _, secret_text = create_service_token("agent", frozenset({Scope.CHAT}), uow=sql_uow, clock=FixedClock(T0))
    dump = _dump(sql_uow)
    assert "창업준비생" in dump  # the dump is real
    for secret in (ACCESS, REFRESH, "revocable-token-xyz", secret_text.split("_", 2)[2]):
        assert secret not in dump


def test_old_keys_still_read_after_a_rotation_and_a_missing_key_says_so(sql_uow: SqlUnitOfWork) -> None:
    user = sign_in(profile(), tokens(), uow=sql_uow, clock=FixedClock(T0)).user
    old_cipher = sql_uow._cipher
    assert old_cipher is not None
    sessions = sql_uow._session_factory
    new_key = generate_key()
    with sql_uow:
        ciphertext = sql_uow.session.execute(text("SELECT tokens_encrypted FROM users")).scalar_one()

    # A cipher whose first key is new and which keeps the old one reads the old rows.
    rotated_reader = TokenCipher([new_key, *old_cipher.keys])
    with SqlUnitOfWork(sessions, cipher=rotated_reader) as reading:
        got = reading.users.get(user.id)
    assert got is not None
    assert got.tokens is not None
    assert got.tokens.access_token.get_secret_value() == ACCESS
    assert rotated_reader.decrypt(rotated_reader.rotate(ciphertext)).access_token.get_secret_value() == ACCESS

    # A cipher without the old key cannot, and says which setting to fix.
    with SqlUnitOfWork(sessions, cipher=TokenCipher([new_key])) as reading, pytest.raises(InvalidSetting) as refused:
        reading.users.get(user.id)
    assert "CHANGPLE_TOKEN_KEYS" in refused.value.detail
    # No cipher at all: the tables refuse rather than store a token in the clear.
    with SqlUnitOfWork(sessions) as reading, pytest.raises(InvalidSetting, match="CHANGPLE_TOKEN_KEYS"):
        reading.users.get(user.id)
