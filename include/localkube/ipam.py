"""Addresses from the loopback network 127.0.0.0/8: pod IPs and Service ClusterIPs.

On Linux every 127.x.y.z address reaches the loopback interface, so each pod can bind its
``containerPort`` on its own address and two replicas never collide. ``127.0.0.1`` stays the
host's (and the API server's) address. Pods get 127.1.0.1–127.254.255.254; Service ClusterIPs
come from :data:`SERVICE_CIDR` (127.255.0.0/16), so the two never overlap. Each allocator starts at
a random point of its range, so that several localkube instances on one machine (parallel test
sessions) do not hand out the same addresses.
"""

from __future__ import annotations

import ipaddress
import random

_FIRST = int(ipaddress.IPv4Address("127.1.0.1"))
_LAST = int(ipaddress.IPv4Address("127.254.255.254"))
SERVICE_CIDR = "127.255.0.0/16"
_SERVICE_NET = ipaddress.IPv4Network(SERVICE_CIDR)


class IPAllocator:
    """Hands out unused loopback addresses, round robin so a freed one is not reused at once.

    :param first: first address of the range (default: the pod range 127.1.0.1).
    :param last: last address of the range (default 127.254.255.254).
    :param randomize: start at a random address of the range (default) rather than at ``first``.
    """

    def __init__(self, first: str | None = None, last: str | None = None, *, randomize: bool = True) -> None:
        self._first = int(ipaddress.IPv4Address(first)) if first else _FIRST
        self._last = int(ipaddress.IPv4Address(last)) if last else _LAST
        self._next = self._first + (random.randrange(self._last - self._first + 1) if randomize else 0)
        self._used: set[int] = set()

    def contains(self, address: str) -> bool:
        """Whether ``address`` lies in this allocator's range."""
        try:
            value = int(ipaddress.IPv4Address(address))
        except ValueError:
            return False
        return self._first <= value <= self._last

    def reserve(self, address: str) -> bool:
        """Take a specific address; False when it is outside the range or in use."""
        if not self.contains(address):
            return False
        value = int(ipaddress.IPv4Address(address))
        if value in self._used or value & 0xFF in (0, 255):
            return False
        self._used.add(value)
        return True

    def allocate(self) -> str:
        """A free address such as ``127.1.0.7``."""
        for _ in range(self._last - self._first + 1):
            candidate = self._next
            self._next = self._first if self._next >= self._last else self._next + 1
            if candidate & 0xFF in (0, 255) or candidate in self._used:
                continue
            self._used.add(candidate)
            return str(ipaddress.IPv4Address(candidate))
        raise RuntimeError("localkube ran out of addresses in 127.0.0.0/8")

    def release(self, address: str | None) -> None:
        """Return an address to the pool."""
        if address and self.contains(address):
            self._used.discard(int(ipaddress.IPv4Address(address)))


def service_allocator() -> IPAllocator:
    """The ClusterIP allocator (127.255.0.1–127.255.255.254)."""
    return IPAllocator(str(_SERVICE_NET.network_address + 1), str(_SERVICE_NET.broadcast_address - 1))
