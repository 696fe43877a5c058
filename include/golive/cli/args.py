"""The argument toolkit of the agents' CLIs: one validator per kind of value, and a raising parser.

Every validator is an ``argparse`` ``type=``: it returns the parsed value or raises
``argparse.ArgumentTypeError`` with a message that names the option and the rule.
"""

from __future__ import annotations

import argparse
import math
import re
from collections.abc import Callable, Sequence
from typing import Any, NoReturn
from urllib.parse import urlsplit

from pydantic import TypeAdapter, ValidationError

from golive.models import SourceStr, check_ref, check_service_url
from golive.patterns import COMMIT_PATTERN, DNS1123_LABEL, MAX_APP_LENGTH, VERSION

DNS1123_SUBDOMAIN = r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$"
_URL_PATH = re.compile(r"/[A-Za-z0-9._~!$&'()*+,;=:@%/-]{0,500}")


class UsageError(Exception):
    """Bad command-line input (exit 2), raised by :class:`RaisingParser` instead of printing usage."""


class RaisingParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose errors raise :class:`UsageError`, for agents that answer in JSON."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def number(what: str, low: float, high: float | None = None, *, integer: bool = False,
           above: bool = False) -> Callable[[str], float]:
    """A number within ``[low, high]`` (``(low, high]`` with ``above``); whole with ``integer``."""
    kind = "a whole number" if integer else "a number"
    if high is None:
        span = f"above {low:g}" if above else f"at least {low:g}"
    else:
        span = f"({low:g}, {high:g}]" if above else f"{low:g}-{high:g}"

    def parse(text: str) -> float:
        try:
            value: float = int(text) if integer else float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{what} must be {kind}, got {text!r}") from None
        too_low = value <= low if above else value < low
        if too_low or (high is not None and value > high) or math.isnan(value):
            raise argparse.ArgumentTypeError(f"{what} must be within {span}, got {value:g}")
        return value

    return parse


def whole(what: str, low: int, high: int | None = None) -> Callable[[str], int]:
    """A whole number within ``[low, high]``."""
    check = number(what, low, high, integer=True)
    return lambda text: int(check(text))


def dns_label(what: str, limit: int = 63, pattern: str = DNS1123_LABEL) -> Callable[[str], str]:
    """A DNS-1123 label of at most ``limit`` characters (``pattern``: a DNS-1123 subdomain instead)."""
    def parse(text: str) -> str:
        if len(text) > limit or not re.fullmatch(pattern, text):
            raise argparse.ArgumentTypeError(f"{what} {text!r} must be a DNS-1123 label (lowercase letters, "
                                             f"digits and '-', at most {limit})")
        return text

    return parse


def application(text: str) -> str:
    """An application name: a DNS-1123 label of at most ``MAX_APP_LENGTH`` (the request's rule)."""
    return dns_label("application", MAX_APP_LENGTH)(text)


def source(text: str) -> str:
    """A local path or a git URL (the ``SourceStr`` rules of the request model)."""
    try:
        return TypeAdapter(SourceStr).validate_python(text)
    except ValidationError as exc:
        raise argparse.ArgumentTypeError(exc.errors()[0]["msg"]) from None


def target_url(text: str) -> str:
    """The URL of a deployed application (``golive.models.check_service_url``), as an ``argparse`` type."""
    try:
        return check_service_url(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def version(text: str) -> str:
    """A version (image tag and label value, ``golive.patterns.VERSION``: the request's rule)."""
    if not re.fullmatch(VERSION, text):
        raise argparse.ArgumentTypeError(f"expected version {text!r} is not a version (letters, digits, '_', '.', "
                                         "'-', at most 63, starting and ending with a letter or digit; no '+')")
    return text


def ref(text: str) -> str:
    """A git branch, tag or commit name (``golive.models.check_ref``)."""
    try:
        return check_ref(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def commit(text: str) -> str:
    """The commit the run's plan pinned: a git SHA, ``tree:<sha256>``, or empty (not pinned)."""
    if text and not re.fullmatch(COMMIT_PATTERN, text):
        raise argparse.ArgumentTypeError(f"commit {text!r} is not a commit SHA or tree:<sha256>")
    return text


def add_commit_argument(parser: argparse.ArgumentParser) -> None:
    """``--commit``: the analyzed tree must be at exactly this commit (the orchestrator's plan resolved it)."""
    parser.add_argument("--commit", default="", type=commit,
                        help="the commit the run's plan pinned (git SHA or tree:<sha256>): refuse a --source "
                             "that is no longer at it (exit 6); empty: not pinned")


def url_path(text: str) -> str:
    """A URL path starting with '/'."""
    if not _URL_PATH.fullmatch(text):
        raise argparse.ArgumentTypeError(f"api path {text!r} must be a URL path starting with '/'")
    return text


def env_name(text: str) -> str:
    """An environment variable name (UPPER_CASE identifier)."""
    if not text.isidentifier() or not text.isupper():
        raise argparse.ArgumentTypeError(f"{text!r} is not an environment variable name (UPPER_CASE)")
    return text


def relative_path(text: str) -> str:
    """A path relative to the source tree, without '..'."""
    if text.startswith(("/", "-")) or ".." in text.split("/") or "\x00" in text:
        raise argparse.ArgumentTypeError(f"{text!r} must be a path relative to --source, without '..'")
    return text


#: Schemes of an artifact store (``gs://`` needs gcsfs, ``s3://`` s3fs; ``memory://`` for tests).
STORE_SCHEMES = ("file", "gs", "s3", "memory")


def store_url(text: str) -> str:
    """An artifact store base URL: ``file:///abs/path``, ``gs://bucket/prefix``, ``s3://bucket/prefix``."""
    parts = urlsplit(text)
    if parts.scheme not in STORE_SCHEMES or any(c.isspace() or ord(c) < 32 for c in text):
        raise argparse.ArgumentTypeError(f"store {text!r} must be a {', '.join(s + '://' for s in STORE_SCHEMES)} URL")
    if parts.scheme == "file" and not parts.path.startswith("/"):
        raise argparse.ArgumentTypeError(f"store {text!r}: a file:// store needs an absolute path")
    if parts.scheme in ("gs", "s3") and not parts.netloc:
        raise argparse.ArgumentTypeError(f"store {text!r} names no bucket")
    if parts.username is not None or parts.password is not None or parts.query:
        raise argparse.ArgumentTypeError("store must not carry credentials or a query (they would be logged)")
    return text.rstrip("/")


def run_id(text: str) -> str:
    """An Airflow run id: 1-250 printable characters."""
    if not 0 < len(text) <= 250 or any(ord(c) < 32 for c in text):
        raise argparse.ArgumentTypeError(f"run id {text[:60]!r} must be 1-250 printable characters")
    return text


def read_manifest(url: str, parser: argparse.ArgumentParser) -> dict[str, Any]:
    """The JSON object ``--manifest`` names (a file or ObjectStoragePath URL), or ``parser.error``."""
    from golive.docs.store import StoreError
    from golive.feedback.layout import read_json

    try:
        doc = read_json(url)
    except StoreError as exc:
        parser.error(f"--manifest: {exc}")
    if not isinstance(doc, dict):
        parser.error(f"--manifest: {url} is not a JSON object")
    return doc


def name_list(allowed: Sequence[str], what: str) -> Callable[[str], list[str]]:
    """A ``type=`` for a comma-separated list of ``allowed`` names (``what`` names it in the error)."""
    def parse(text: str) -> list[str]:
        names = [n.strip() for n in text.split(",") if n.strip()]
        if not names or any(n not in allowed for n in names):
            raise argparse.ArgumentTypeError(f"{what} {text!r}: a comma-separated list of {', '.join(allowed)}")
        return list(dict.fromkeys(names))
    return parse
