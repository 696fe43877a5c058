"""Pod IP addresses from the loopback network 127.0.0.0/8.

On Linux every 127.x.y.z address reaches the loopback interface, so each pod can bind its
``containerPort`` on its own address and two replicas never collide. ``127.0.0.1`` stays the
host's (and the API server's) address.
"""

from __future__ import annotations

import ipaddress

_FIRST = int(ipaddress.IPv4Address("127.1.0.1"))
_LAST = int(ipaddress.IPv4Address("127.254.255.254"))


class IPAllocator:
    """Hands out unused loopback addresses, round robin so a freed one is not reused at once."""

    def __init__(self) -> None:
        self._next = _FIRST
        self._used: set[int] = set()

    def allocate(self) -> str:
        """A free address such as ``127.1.0.7``."""
        for _ in range(_LAST - _FIRST + 1):
            candidate = self._next
            self._next = _FIRST if self._next >= _LAST else self._next + 1
            if candidate & 0xFF in (0, 255) or candidate in self._used:
                continue
            self._used.add(candidate)
            return str(ipaddress.IPv4Address(candidate))
        raise RuntimeError("localkube ran out of pod addresses in 127.0.0.0/8")

    def release(self, address: str | None) -> None:
        """Return an address to the pool."""
        if address:
            self._used.discard(int(ipaddress.IPv4Address(address)))
