"""``python -m app.healthcheck``: exit 0 when the local service answers ``/health`` with ok.

Used by the container HEALTHCHECK; it needs no curl and reads HOST and PORT
like the service does.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import os
import sys


def probe_host(host: str) -> str:
    """Where to connect for a service bound to ``host``: loopback when it listens on every address."""
    try:
        unspecified = ipaddress.ip_address(host).is_unspecified
    except ValueError:
        return host or "127.0.0.1"
    return "127.0.0.1" if unspecified else host


def is_healthy(host: str, port: int, timeout: float = 2.0) -> bool:
    """Return whether ``GET /health`` on ``host:port`` answers 200 with status ok."""
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request("GET", "/health")
        response = conn.getresponse()
        body = json.loads(response.read() or b"{}")
        return response.status == 200 and isinstance(body, dict) and body.get("status") == "ok"
    except (OSError, ValueError, http.client.HTTPException):
        return False
    finally:
        conn.close()


def main() -> int:
    """Check the service named by HOST and PORT; return the exit status."""
    host = probe_host(os.environ.get("HOST", "127.0.0.1").strip())
    try:
        port = int(os.environ.get("PORT", "8000"))
    except ValueError:
        return 2
    return 0 if is_healthy(host, port) else 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
