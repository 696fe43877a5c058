"""The objects a running service shares between requests, and the dependencies that reach them."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.config import Settings
from app.metrics import Metrics
from app.security import TokenSigner
from app.store import ItemStore, UserStore

bearer_scheme = HTTPBearer(
    auto_error=False,
    description="Token from POST /api/v1/auth/login, sent as 'Authorization: Bearer <token>'.",
)


@dataclass
class Services:
    """Settings, stores, token signer and metrics of one application instance."""

    settings: Settings
    signer: TokenSigner
    metrics: Metrics
    users: UserStore = field(default_factory=UserStore)
    items: ItemStore = field(default_factory=ItemStore)
    started_at: float = field(default_factory=time.monotonic)


def get_services(request: Request) -> Services:
    """Return the services of the application handling ``request``."""
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def current_user(
    services: ServicesDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> str:
    """Return the username of a valid bearer token.

    :raises HTTPException: 401 when the token is missing, malformed, expired or unknown.
    """
    username = services.signer.verify(credentials.credentials) if credentials else None
    if username is None or services.users.get(username) is None:
        raise HTTPException(
            status_code=status.HTTP_401_UNAUTHORIZED,
            detail="missing or invalid bearer token",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return username


CurrentUser = Annotated[str, Depends(current_user)]
