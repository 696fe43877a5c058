"""Collecting feedback: the files of the drop folder and the application's feedback endpoint.

The ledger's own ``feedback`` rows (written by producers with ``Ledger.submit_feedback``) are read
by the Airflow side, which owns the ledger; everything here works from URLs only.
"""

from __future__ import annotations

from golive.errors import GoliveError
from golive.feedback.layout import FeedbackStore, read_bytes
from golive.feedback.rows import Batch, BatchReadError, format_of, parse_rows


class EndpointError(GoliveError):
    """The application's feedback endpoint did not answer with feedback rows; the message says why."""


def drop_files(inbox: str, application: str) -> list[str]:
    """The CSV and JSON files waiting in ``<inbox>/<application>/`` (other files are left alone)."""
    return [url for url in FeedbackStore(inbox).list(application) if format_of(url)]


def read_drop_file(url: str, application: str) -> tuple[Batch, str | None]:
    """A drop file as a batch, and why it could not be read (then the batch has no rows, and the
    validation quarantines it with that reason: an unreadable file is never skipped)."""
    fmt = format_of(url) or "json"
    try:
        rows = parse_rows(read_bytes(url), fmt, what=url)
    except BatchReadError as exc:
        return Batch(application, "drop", url), str(exc)
    return Batch(application, "drop", url, tuple(rows)), None


def fetch_endpoint(base_url: str, path: str, application: str, *, timeout: float = 10.0) -> Batch:
    """GET ``base_url + path``: a JSON list of rows, or ``{"items": [...]}``.

    :raises EndpointError: unreachable, not 200, or not such a document.
    """
    import httpx

    from golive.http import client

    url = f"{base_url.rstrip('/')}{path}"
    try:
        with client(timeout=timeout) as http:
            response = http.get(url, headers={"Accept": "application/json"})
    except httpx.HTTPError as exc:
        raise EndpointError(f"feedback endpoint {url} did not answer: {exc}") from exc
    if response.status_code != 200:
        raise EndpointError(f"feedback endpoint {url} answered HTTP {response.status_code}")
    try:
        rows = parse_rows(response.content, "json", what=f"feedback endpoint {url}")
    except BatchReadError as exc:
        raise EndpointError(str(exc)) from exc
    return Batch(application, "endpoint", url, tuple(rows))
