"""Notion content (sketch; the content issue fills it in): columns published from Notion exports."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict


class NotionContent(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    title: str
    description: str = ""
    is_preferred: bool = False
    plain_text: str = ""
    created_at: datetime
