"""Queries on tags."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from videolab.db.models import Dataset, Tag, dataset_tags
from videolab.db.unicode_text import sort_key


class TagRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def list_with_counts(self) -> Sequence[tuple[Tag, int]]:
        live = (
            select(dataset_tags.c.tag_id, func.count().label("n"))
            .join(Dataset, Dataset.id == dataset_tags.c.dataset_id)
            .where(Dataset.deleted_at.is_(None))
            .group_by(dataset_tags.c.tag_id)
            .subquery()
        )
        rows = self.s.execute(
            select(Tag, func.coalesce(live.c.n, 0))
            .outerjoin(live, live.c.tag_id == Tag.id)
            .order_by(sort_key(Tag.name), Tag.name)
        ).all()
        return [(tag, int(n)) for tag, n in rows]

    def get(self, tag_id: uuid.UUID) -> Tag | None:
        return self.s.get(Tag, tag_id)

    # Names are matched without regard to case in Python, not with SQL lower(): SQLite's
    # lower() folds ASCII only, so 'Überwachung' would never match 'überwachung' there.
    def by_name(self, name: str) -> Tag | None:
        return self.by_names([name]).get(name.strip().lower())

    def by_names(self, names: Sequence[str]) -> dict[str, Tag]:
        """Tags whose names match ``names`` ignoring case, keyed by the lower-cased name."""
        wanted = {n.strip().lower() for n in names}
        if not wanted:
            return {}
        tags = self.s.scalars(select(Tag)).all()  # a short list: tags are a curated vocabulary
        return {t.name.lower(): t for t in tags if t.name.lower() in wanted}

    def add(self, name: str) -> Tag:
        tag = Tag(name=name)
        self.s.add(tag)
        self.s.flush()
        return tag

    def delete(self, tag: Tag) -> None:
        self.s.delete(tag)
        self.s.flush()
