"""``python -m app``: serve the inventory service with uvicorn on HOST:PORT."""

from __future__ import annotations

import sys

import uvicorn

from app.config import ConfigError, Settings
from app.logging_config import build_log_config
from app.main import create_app


def main() -> int:
    """Read the settings from the environment and serve until stopped.

    :return: the process exit status (2 when the configuration is unusable).
    """
    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_config=build_log_config(settings.log_level),
        access_log=False,
        server_header=False,
        proxy_headers=bool(settings.forwarded_allow_ips),
        forwarded_allow_ips=settings.forwarded_allow_ips or None,
        timeout_graceful_shutdown=10,
    )
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
