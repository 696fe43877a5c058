"""The request bodies the views accept, validated by pydantic."""

import re

from pydantic import BaseModel
from pydantic import Field
from pydantic import ValidationError
from pydantic import field_validator

MIN_PASSWORD_LENGTH = 12
#: Upper case, lower case, digit, other: a password needs three of the four.
PASSWORD_CLASSES = (
    re.compile(r"[A-Z]"),
    re.compile(r"[a-z]"),
    re.compile(r"[0-9]"),
    re.compile(r"[^A-Za-z0-9]"),
)


class Credentials(BaseModel):
    """A log-in form."""

    username: str = Field(min_length=1, max_length=80)
    password: str = Field(min_length=1, max_length=200)


class Registration(Credentials):
    """A sign-up form: the password must be strong."""

    @field_validator("password")
    @classmethod
    def password_is_strong(cls, password):
        if len(password) < MIN_PASSWORD_LENGTH:
            raise ValueError(
                f"Password must be at least {MIN_PASSWORD_LENGTH} characters."
            )
        if sum(1 for kind in PASSWORD_CLASSES if kind.search(password)) < 3:
            raise ValueError(
                "Password needs three of: upper case, lower case, digit, symbol."
            )
        return password


class PostForm(BaseModel):
    """A blog post."""

    title: str = Field(min_length=1, max_length=200)
    body: str = Field(default="", max_length=20_000)


def parse(model, form):
    """``(model instance, None)`` or ``(None, the first error message)``."""
    try:
        return model.model_validate(form.to_dict()), None
    except ValidationError as exc:
        error = exc.errors()[0]
        field = error["loc"][0] if error["loc"] else "form"
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "missing" or error["type"] == "string_too_short":
            message = f"{str(field).capitalize()} is required."
        return None, message
