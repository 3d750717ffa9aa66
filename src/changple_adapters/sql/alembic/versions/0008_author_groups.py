"""An allowed author's group is one of the community's groups (창플, 팀비즈니스, 기타), as in
changple2, instead of free text; a CHECK constraint keeps it so.

Existing rows: a group that is exactly one of the three stays. Any other text (the empty string,
or a label such as 운영진 that an operator typed) becomes 기타, and the text itself is kept in the
new `former_group` column, so nothing is lost: an operator can read those rows back
(`SELECT name, former_group FROM allowed_authors WHERE former_group IS NOT NULL`) and regroup them,
and a downgrade puts every kept text back. Refusing to migrate instead would stop every upgrade of
a store that holds one free-text group until someone edits rows by hand, and guessing a group from a
label (is 운영진 창플?) would write a guess as if it were known; 기타 ("other") says "not one of the
named groups", which is what such a row is.

Revision ID: 0008_author_groups
Revises: 0007_legacy_import
Create Date: 2026-12-04 21:30:00+00:00
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0008_author_groups"
down_revision: str | Sequence[str] | None = "0007_legacy_import"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Written out, not imported: a migration states the schema of its day.
GROUPS = ("창플", "팀비즈니스", "기타")
OTHER = "기타"
CHECK = "group_name IN ({})".format(", ".join(f"'{group}'" for group in GROUPS))
AUTHORS = sa.table("allowed_authors", sa.column("group_name", sa.String()), sa.column("former_group", sa.String()))


@contextmanager
def _sqlite_copy(bind: sa.Connection) -> Iterator[Any]:
    """A batch that copies the table (the only way SQLite changes a constraint), keeping its
    AUTOINCREMENT and where its ids had got to, so an id handed out before is never handed out
    again (see 0006)."""
    seq = sa.text("SELECT seq FROM sqlite_sequence WHERE name = 'allowed_authors'")
    reached = bind.execute(seq).scalar_one_or_none()
    with op.batch_alter_table(
        "allowed_authors", recreate="always", table_kwargs={"sqlite_autoincrement": True}
    ) as batch:
        yield batch
    if reached is not None:
        bind.execute(sa.text("DELETE FROM sqlite_sequence WHERE name = 'allowed_authors'"))
        bind.execute(
            sa.text("INSERT INTO sqlite_sequence (name, seq) VALUES ('allowed_authors', :seq)"), {"seq": reached}
        )


def upgrade() -> None:
    bind = op.get_bind()
    op.add_column("allowed_authors", sa.Column("former_group", sa.String(length=100), nullable=True))
    unknown = AUTHORS.c.group_name.not_in(GROUPS)
    op.execute(AUTHORS.update().where(unknown).values(former_group=AUTHORS.c.group_name, group_name=OTHER))
    if bind.dialect.name == "sqlite":
        with _sqlite_copy(bind) as batch:
            batch.create_check_constraint("author_group", CHECK)
    else:
        op.create_check_constraint("author_group", "allowed_authors", CHECK)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        with _sqlite_copy(bind) as batch:
            batch.drop_constraint("author_group", type_="check")
    else:
        op.drop_constraint("author_group", "allowed_authors", type_="check")
    kept = AUTHORS.c.former_group.is_not(None)
    op.execute(AUTHORS.update().where(kept).values(group_name=AUTHORS.c.former_group))
    op.drop_column("allowed_authors", "former_group")
