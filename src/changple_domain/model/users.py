"""Users (sketch; the auth issue fills it in): social users who sign in with Naver, and admins."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class UserRole(StrEnum):
    SOCIAL = "social"
    ADMIN = "admin"


class User(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    social_id: str
    name: str = ""
    nickname: str = ""
    role: UserRole = UserRole.SOCIAL
    created_at: datetime
