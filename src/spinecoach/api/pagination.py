"""Pagination shared by every list endpoint: ``offset`` and ``limit`` in, a page out."""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel, Field

__all__ = ["MAX_LIMIT", "Page", "PageParams", "Paging"]

T = TypeVar("T")

MAX_LIMIT = 200
"""The largest page served at once; a client pages on with ``offset``."""


class Page(BaseModel, Generic[T]):
    """One page of a list: the items, where it starts, and whether more follow."""

    data: list[T]
    offset: int
    limit: int
    more: bool = Field(description="another page follows")
    count: int | None = Field(description="the total before paging, when it was counted")


class Paging(BaseModel):
    offset: int
    limit: int

    def page(self, data: list[T], count: int) -> Page[T]:
        """A page of ``data`` out of ``count`` items in all."""
        more = self.offset + len(data) < count
        return Page[T](data=data, count=count, offset=self.offset, limit=self.limit, more=more)

    def slice(self, items: list[T]) -> Page[T]:
        """Page a list the service returned whole."""
        return self.page(items[self.offset : self.offset + self.limit], len(items))

    def fetched(self, items: list[T]) -> Page[T]:
        """A page from a service asked for ``limit + 1`` items (the extra one tells of more)."""
        return Page[T](
            data=items[: self.limit],
            count=None,
            offset=self.offset,
            limit=self.limit,
            more=len(items) > self.limit,
        )


def _paging(
    offset: Annotated[int, Query(ge=0, le=1_000_000, description="items to skip")] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="items per page")] = 50,
) -> Paging:
    return Paging(offset=offset, limit=limit)


PageParams = Annotated[Paging, Depends(_paging)]
