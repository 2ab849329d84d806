"""The headers of a raw response: a read-only mapping with case-insensitive names that keeps
every value of a repeated header."""

from __future__ import annotations

from typing import Iterable, Iterator, Mapping, NamedTuple, Optional, Tuple


class RateLimit(NamedTuple):
    """``X-RateLimit-Limit``, ``-Remaining`` and ``-Reset`` (None when absent)."""

    limit: Optional[int]
    remaining: Optional[int]
    reset: Optional[int]


class Headers(Mapping[str, str]):
    """``headers["X-RateLimit-Remaining"]``; repeated headers joined with ", "."""

    __slots__ = ("_items", "_rate_limit")

    def __init__(
        self,
        items: Iterable[Tuple[str, str]],
        rate_limit: Tuple[Optional[int], Optional[int], Optional[int]] = (None, None, None),
    ) -> None:
        self._items = [(name.lower(), value) for name, value in items]
        # Read from the headers by the Rust transport (`RawResponse::rate_limit`), once for
        # both languages.
        self._rate_limit = RateLimit(*rate_limit)

    def __getitem__(self, name: str) -> str:
        values = self.get_list(name)
        if not values:
            raise KeyError(name)
        return ", ".join(values)

    def __iter__(self) -> Iterator[str]:
        seen: dict[str, None] = {}
        for name, _ in self._items:
            seen.setdefault(name)
        return iter(seen)

    def __len__(self) -> int:
        return len({name for name, _ in self._items})

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and any(n == name.lower() for n, _ in self._items)

    def get_list(self, name: str) -> list[str]:
        """Every value of ``name``, in the order received."""
        key = name.lower()
        return [value for n, value in self._items if n == key]

    @property
    def rate_limit(self) -> RateLimit:
        """The rate-limit headers as numbers (None when absent or not a number)."""
        return self._rate_limit

    def __repr__(self) -> str:
        return f"Headers({self._items!r})"
