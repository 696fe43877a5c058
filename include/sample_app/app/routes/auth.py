"""Account registration and login."""

from __future__ import annotations

import functools
import secrets

from fastapi import APIRouter, HTTPException, status

from app.schemas import ErrorOut, LoginIn, RegisterIn, TokenOut, UserOut
from app.security import hash_password, verify_password
from app.services import ServicesDep
from app.store import Conflict, User

router = APIRouter(
    prefix="/api/v1/auth",
    tags=["auth"],
    responses={400: {"model": ErrorOut, "description": "Body is not valid JSON"}},
)


@functools.cache
def _dummy_hash() -> str:
    """A hash of a random password, verified when the username is unknown so both failures cost the same."""
    return hash_password(secrets.token_urlsafe(16))


@router.post(
    "/register",
    response_model=UserOut,
    status_code=status.HTTP_201_CREATED,
    responses={409: {"model": ErrorOut, "description": "Username already registered"}},
    summary="Register an account",
)
def register(body: RegisterIn, services: ServicesDep) -> UserOut:
    """Create an account; the password must satisfy the policy (else 422)."""
    user = User(username=body.username, password_hash=hash_password(body.password.get_secret_value()))
    try:
        services.users.add(user)
    except Conflict as exc:
        raise HTTPException(status_code=status.HTTP_409_CONFLICT, detail=str(exc)) from None
    return UserOut(username=user.username, created_at=user.created_at)


@router.post(
    "/login",
    response_model=TokenOut,
    responses={401: {"model": ErrorOut, "description": "Wrong username or password"}},
    summary="Exchange credentials for a bearer token",
)
def login(body: LoginIn, services: ServicesDep) -> TokenOut:
    """Check the credentials and return a signed bearer token."""
    user = services.users.get(body.username)
    password = body.password.get_secret_value()
    valid = verify_password(password, user.password_hash if user else _dummy_hash())
    if user is None or not valid:
        raise HTTPException(
            status_code=status.HTTP_401_UNAUTHORIZED,
            detail="invalid username or password",
            headers={"WWW-Authenticate": "Bearer"},
        )
    token = services.signer.issue(user.username)
    return TokenOut(access_token=token, expires_in=services.signer.ttl_seconds)
