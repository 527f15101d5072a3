"""Tags: everyone lists them, administrators add, rename and delete them."""

from __future__ import annotations

import uuid

from videolab.domain.dto import TagDTO, UserDTO
from videolab.domain.errors import Conflict, NotFound
from videolab.repositories.tags import TagRepository
from videolab.services.base import ServiceContext, acting_user, require_admin
from videolab.services.names import clean_name

MAX_TAG_LENGTH = 64


class TagService:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def list(self, actor: UserDTO) -> list[TagDTO]:
        with self.ctx.db.read() as s:
            acting_user(s, actor)
            return [TagDTO(t.id, t.name, n) for t, n in TagRepository(s).list_with_counts()]

    def add(self, actor: UserDTO, name: str) -> TagDTO:
        name = clean_name(name, what="tag", max_length=MAX_TAG_LENGTH)
        with self.ctx.db.write() as s:
            require_admin(s, actor)
            tags = TagRepository(s)
            if tags.by_name(name) is not None:
                raise Conflict(f"A tag named '{name}' already exists.")
            tag = tags.add(name)
            return TagDTO(tag.id, tag.name, 0)

    def rename(self, actor: UserDTO, tag_id: uuid.UUID, new_name: str) -> TagDTO:
        new_name = clean_name(new_name, what="tag", max_length=MAX_TAG_LENGTH)
        with self.ctx.db.write() as s:
            require_admin(s, actor)
            tags = TagRepository(s)
            tag = tags.get(tag_id)
            if tag is None:
                raise NotFound("No such tag.")
            other = tags.by_name(new_name)
            if other is not None and other.id != tag.id:
                raise Conflict(f"A tag named '{new_name}' already exists.")
            tag.name = new_name
            return TagDTO(tag.id, tag.name)

    def delete(self, actor: UserDTO, tag_id: uuid.UUID) -> None:
        """Deleting a tag removes it from every dataset that carried it."""
        with self.ctx.db.write() as s:
            require_admin(s, actor)
            tags = TagRepository(s)
            tag = tags.get(tag_id)
            if tag is None:
                raise NotFound("No such tag.")
            tags.delete(tag)
