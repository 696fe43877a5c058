"""Errors localkube raises, and their Kubernetes ``Status`` form.

Every API failure is an :class:`ApiError`; the server turns it into the ``Status`` object a real
API server sends (``{"kind": "Status", "status": "Failure", "reason": "NotFound", "code": 404, …}``),
which is what the kubernetes python client parses into ``ApiException``.
"""

from __future__ import annotations

from typing import Any


class LocalKubeError(Exception):
    """Base class of localkube errors: the message says what the user must change."""


class ApiError(LocalKubeError):
    """An API request failed; ``code``/``reason`` follow the Kubernetes conventions."""

    def __init__(self, code: int, reason: str, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details

    def status(self) -> dict[str, Any]:
        """The ``Status`` object for this error."""
        return status_body(self.code, self.reason, self.message, self.details)


def status_body(
    code: int, reason: str, message: str, details: dict[str, Any] | None = None, *, success: bool = False
) -> dict[str, Any]:
    """Build a ``v1.Status`` object."""
    body: dict[str, Any] = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success" if success else "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }
    if details:
        body["details"] = details
    return body


def not_found(plural: str, name: str) -> ApiError:
    """``404 NotFound`` for a named object, worded like kube-apiserver."""
    return ApiError(404, "NotFound", f'{plural} "{name}" not found', {"name": name, "kind": plural})


def already_exists(plural: str, name: str) -> ApiError:
    """``409 AlreadyExists`` for a create of an existing name."""
    return ApiError(409, "AlreadyExists", f'{plural} "{name}" already exists', {"name": name, "kind": plural})


def invalid(kind: str, name: str, problems: list[str]) -> ApiError:
    """``422 Invalid`` with one cause per problem."""
    message = f'{kind} "{name}" is invalid: ' + "; ".join(problems)
    causes = [{"reason": "FieldValueInvalid", "message": p} for p in problems]
    return ApiError(422, "Invalid", message, {"name": name, "kind": kind, "causes": causes})


def bad_request(message: str) -> ApiError:
    """``400 BadRequest``."""
    return ApiError(400, "BadRequest", message)


def gone(message: str) -> ApiError:
    """``410 Gone`` (a watch asked for a resourceVersion that was compacted away)."""
    return ApiError(410, "Expired", message)


def not_implemented(what: str) -> ApiError:
    """``501`` for an API localkube knows about but does not implement."""
    return ApiError(501, "NotImplemented", f"localkube does not implement {what}")
