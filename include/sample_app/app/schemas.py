"""Request and response models (they also make the OpenAPI document)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, SecretStr, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from app.security import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, password_problems

USERNAME_PATTERN = r"^[A-Za-z][A-Za-z0-9_.-]{2,31}$"
SKU_PATTERN = r"^[A-Z0-9][A-Z0-9-]{2,31}$"
# The policy as a JSON-schema pattern, for clients and API fuzzers; the validator enforces it.
# Its character classes are ASCII, a subset of what the validator accepts.
POLICY_PATTERN = r"^(?=.*[A-Z])(?=.*[a-z])(?=.*[0-9])(?=.*[!-/:-@\[-`{-~]).{12,}$"


def _json_integer(value: object) -> object:
    """Refuse booleans and strings where JSON must carry a number; whole floats pass on as ints."""
    if isinstance(value, bool | str | bytes):
        raise PydanticCustomError("int_type", "Input should be a valid integer")
    return value


JsonInt = Annotated[int, BeforeValidator(_json_integer)]


class ErrorOut(BaseModel):
    """An error answer."""

    detail: str = Field(description="What went wrong, in words.")


class HealthOut(BaseModel):
    """Liveness and readiness answer."""

    status: Literal["ok"]
    version: str
    uptime_seconds: float


class VersionOut(BaseModel):
    """Name and version of the running service."""

    name: str
    version: str


class RegisterIn(BaseModel):
    """A new account.

    The password policy: at least 12 characters with an uppercase letter, a
    lowercase letter, a digit and a symbol, not containing the username.
    """

    model_config = ConfigDict(extra="forbid")

    username: str = Field(
        pattern=USERNAME_PATTERN,
        description="3-32 characters: a letter, then letters, digits, '_', '.' or '-'.",
    )
    password: SecretStr = Field(
        max_length=MAX_PASSWORD_LENGTH,
        description="At least 12 characters with upper- and lowercase letters, a digit and a symbol; "
        "must not contain the username.",
        json_schema_extra={"minLength": MIN_PASSWORD_LENGTH, "pattern": POLICY_PATTERN},
    )

    @field_validator("password")
    @classmethod
    def _strong_password(cls, value: SecretStr, info: ValidationInfo) -> SecretStr:
        """Reject passwords that fail the policy, saying every rule they break."""
        problems = password_problems(value.get_secret_value(), str(info.data.get("username", "")))
        if problems:
            raise ValueError("password is too weak: " + "; ".join(problems))
        return value


class UserOut(BaseModel):
    """A registered account."""

    username: str
    created_at: datetime


class LoginIn(BaseModel):
    """Credentials to exchange for a bearer token."""

    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=64)
    password: SecretStr = Field(min_length=1, max_length=MAX_PASSWORD_LENGTH)


class TokenOut(BaseModel):
    """A bearer token for the ``Authorization`` header."""

    access_token: str
    token_type: Literal["bearer"] = Field(default="bearer", description="Always 'bearer'.")
    expires_in: int = Field(description="Seconds until the token expires.")


class ItemIn(BaseModel):
    """A new inventory item."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    sku: str = Field(pattern=SKU_PATTERN, description="Stock-keeping unit, unique per owner.")
    quantity: JsonInt = Field(ge=0, le=1_000_000)
    price_cents: JsonInt = Field(ge=0, le=100_000_000)
    description: str | None = Field(default=None, max_length=500)


class ItemOut(BaseModel):
    """A stored inventory item."""

    id: int
    name: str
    sku: str
    quantity: int
    price_cents: int
    description: str | None
    created_at: datetime


class ItemPage(BaseModel):
    """One page of the caller's items."""

    items: list[ItemOut]
    total: int
    limit: int
    offset: int
