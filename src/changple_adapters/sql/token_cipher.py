"""Encryption at rest for provider tokens (Naver access and refresh tokens).

Fernet (AES-128-CBC with HMAC-SHA256, from the cryptography library) with several keys: the first
encrypts, every key decrypts, so a key is rotated by putting a new one first and keeping the old one
until `changple users rotate-keys` has rewritten every row. A database dump holds only ciphertext."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from pydantic import SecretStr

from changple_adapters.secret_file import read_or_create_secret_file
from changple_domain.errors import InvalidSetting
from changple_domain.model.users import OAuthTokens

KEYS_SETTING = "CHANGPLE_TOKEN_KEYS"


def _unknown_key() -> InvalidSetting:
    return InvalidSetting(f"stored tokens cannot be decrypted: the key that wrote them is not in {KEYS_SETTING}")


def generate_key() -> str:
    return Fernet.generate_key().decode()


class TokenCipher:
    """Seals provider tokens with the first key; opens them with any key."""

    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise InvalidSetting(f"{KEYS_SETTING} is empty: give at least one key (changple users new-key makes one)")
        self._keys = [key.strip() for key in keys]
        try:
            self._fernet = MultiFernet([Fernet(key.encode()) for key in self._keys])
        except (ValueError, TypeError):
            raise InvalidSetting(
                f"{KEYS_SETTING} holds a value that is not a Fernet key (32 url-safe base64 bytes); "
                "make one with: changple users new-key"
            ) from None

    @property
    def keys(self) -> list[str]:
        """Newest first; kept so a rotated cipher can be built from this one."""
        return list(self._keys)

    def encrypt(self, tokens: OAuthTokens) -> str:
        plain = {
            "access_token": tokens.access_token.get_secret_value(),
            "refresh_token": tokens.refresh_token.get_secret_value() if tokens.refresh_token else None,
            "token_type": tokens.token_type,
            "expires_at": tokens.expires_at.isoformat() if tokens.expires_at else None,
        }
        return self._fernet.encrypt(json.dumps(plain).encode()).decode()

    def decrypt(self, ciphertext: str) -> OAuthTokens:
        try:
            plain = json.loads(self._fernet.decrypt(ciphertext.encode()))
        except InvalidToken:
            raise _unknown_key() from None
        return OAuthTokens(
            access_token=SecretStr(plain["access_token"]),
            refresh_token=SecretStr(plain["refresh_token"]) if plain.get("refresh_token") else None,
            token_type=plain.get("token_type") or "bearer",
            expires_at=plain.get("expires_at"),
        )

    def rotate(self, ciphertext: str) -> str:
        """The same tokens under the first key (decrypting with whichever key wrote them)."""
        try:
            return self._fernet.rotate(ciphertext.encode()).decode()
        except InvalidToken:
            raise _unknown_key() from None


class KeyFileTokenCipher(TokenCipher):
    """The embedded default: a key made on first use and kept beside the SQLite file, readable by
    its owner only. Nothing is written until a token is sealed or opened. Production sets
    CHANGPLE_TOKEN_KEYS instead, so the key does not live with the data it protects."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._loaded: TokenCipher | None = None

    def _cipher(self) -> TokenCipher:
        if self._loaded is None:
            text = read_or_create_secret_file(self.path, generate_key)
            self._loaded = TokenCipher([line for line in text.splitlines() if line.strip()])
        return self._loaded

    @property
    def keys(self) -> list[str]:
        return self._cipher().keys

    def encrypt(self, tokens: OAuthTokens) -> str:
        return self._cipher().encrypt(tokens)

    def decrypt(self, ciphertext: str) -> OAuthTokens:
        return self._cipher().decrypt(ciphertext)

    def rotate(self, ciphertext: str) -> str:
        return self._cipher().rotate(ciphertext)
