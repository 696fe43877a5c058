"""Thread-safe in-memory stores for users and inventory items.

Each replica keeps its own data: the stores are for the sample service, not
for production persistence.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime


def _now() -> datetime:
    """Current time in UTC."""
    return datetime.now(UTC)


class Conflict(Exception):
    """The record would duplicate one that exists."""


@dataclass(frozen=True)
class User:
    """A registered user; ``password_hash`` comes from :func:`app.security.hash_password`."""

    username: str
    password_hash: str = field(repr=False)
    created_at: datetime = field(default_factory=_now)


@dataclass(frozen=True)
class Item:
    """An inventory item owned by one user."""

    id: int
    owner: str
    name: str
    sku: str
    quantity: int
    price_cents: int
    description: str | None = None
    created_at: datetime = field(default_factory=_now)


class UserStore:
    """Users by case-insensitive username."""

    def __init__(self) -> None:
        """Start empty."""
        self._lock = threading.Lock()
        self._users: dict[str, User] = {}

    def add(self, user: User) -> User:
        """Store ``user``.

        :raises Conflict: when the username is taken.
        """
        key = user.username.lower()
        with self._lock:
            if key in self._users:
                raise Conflict(f"username {user.username!r} is already registered")
            self._users[key] = user
        return user

    def get(self, username: str) -> User | None:
        """Return the user called ``username``, if any."""
        with self._lock:
            return self._users.get(username.lower())


class ItemStore:
    """Items by id; every query is scoped to the owner."""

    def __init__(self) -> None:
        """Start empty."""
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._items: dict[int, Item] = {}

    def create(self, draft: Item) -> Item:
        """Store ``draft`` under a fresh id and return the stored item.

        :raises Conflict: when the owner already has an item with that SKU.
        """
        with self._lock:
            if any(i.owner == draft.owner and i.sku == draft.sku for i in self._items.values()):
                raise Conflict(f"an item with SKU {draft.sku!r} already exists")
            item = replace(draft, id=next(self._ids))
            self._items[item.id] = item
        return item

    def get(self, owner: str, item_id: int) -> Item | None:
        """Return the owner's item ``item_id``, if any."""
        with self._lock:
            item = self._items.get(item_id)
        return item if item is not None and item.owner == owner else None

    def list(self, owner: str, limit: int, offset: int) -> tuple[list[Item], int]:
        """Return one page of the owner's items (oldest first) and their total count."""
        with self._lock:
            owned = [i for i in self._items.values() if i.owner == owner]
        return owned[offset : offset + limit], len(owned)

    def delete(self, owner: str, item_id: int) -> bool:
        """Delete the owner's item ``item_id``; return whether it existed."""
        with self._lock:
            item = self._items.get(item_id)
            if item is None or item.owner != owner:
                return False
            del self._items[item_id]
            return True
