"""Every list endpoint pages (issue 13, Medium 7): `?limit=` (at most MAX_LIMIT) and `?cursor=`.

Why: `GET /api/stock/stale` answered 185 MB in half a minute with a large stock, and a ticket issued meanwhile
waited 16 s. A page is at most MAX_LIMIT rows, whatever the table holds; the answer stays the list it always
was, and when more rows follow, the `X-Next-Cursor` header (and a `Link: <…>; rel="next"`) says where to go on.
The cursor is the position in the list's own order (opaque to clients: send back what you got).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, TypeVar

from fastapi import Depends, Query, Request, Response

DEFAULT_LIMIT = 200
MAX_LIMIT = 1000
T = TypeVar("T")


@dataclass(frozen=True)
class Page:
    offset: int
    limit: int

    def fetch(self, rows: Callable[[int, int], Sequence[T]], request: Request, response: Response) -> list[T]:
        """Ask for one row more than the page: if it comes, there is a next page (and no count query)."""
        got = list(rows(self.offset, self.limit + 1))
        if len(got) > self.limit:
            nxt = str(self.offset + self.limit)
            response.headers["X-Next-Cursor"] = nxt
            response.headers["Link"] = f'<{request.url.include_query_params(cursor=nxt)}>; rel="next"'
        return got[: self.limit]


def page(limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=f"rows per page (at most {MAX_LIMIT})"),
         cursor: int = Query(0, ge=0, le=2**31 - 1, description="from X-Next-Cursor of the previous page")) -> Page:
    return Page(cursor, limit)


PageDep = Annotated[Page, Depends(page)]
