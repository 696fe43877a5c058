"""The feedback row schema and how one batch (a CSV or JSON file, an endpoint's answer) is read.

A row: ``id`` (unique in its source), ``submitted_at`` (ISO 8601), ``version`` (the release the
user ran), ``rating`` (CSAT, 1–5), ``nps`` (0–10), ``comment`` and ``channel``. Reading never
judges: a value that is not a whole number stays as it was, for the validation to name it.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from golive.errors import GoliveError

REQUIRED_COLUMNS: tuple[str, ...] = ("id", "submitted_at", "version")
OPTIONAL_COLUMNS: tuple[str, ...] = ("rating", "nps", "comment", "channel")
COLUMNS: tuple[str, ...] = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
SCORE_COLUMNS: tuple[str, ...] = ("rating", "nps")
#: Where a batch came from.
SOURCES: tuple[str, ...] = ("ledger", "drop", "endpoint")
FORMATS: tuple[str, ...] = ("csv", "json")


class BatchReadError(GoliveError):
    """A batch could not be read at all (not CSV/JSON, not a list of objects); the message says why."""


@dataclass(frozen=True)
class Batch:
    """One batch of feedback rows of one application, as collected.

    :param application: the application the feedback is about.
    :param source: ``ledger``, ``drop`` or ``endpoint``.
    :param origin: where it came from (the drop file's URL, the endpoint URL, ``ledger:feedback``).
    :param rows: the rows as read (normalised by :func:`normalise`).
    """

    application: str
    source: str
    origin: str
    rows: tuple[Mapping[str, Any], ...] = field(default_factory=tuple)

    @property
    def batch_id(self) -> str:
        """A stable id: the same content from the same origin is the same batch (retries rewrite it)."""
        digest = hashlib.sha256(json.dumps([self.application, self.source, self.origin, list(self.rows)],
                                           sort_keys=True, default=str).encode("utf-8"))
        return f"{self.source}-{digest.hexdigest()[:20]}"

    def as_dict(self) -> dict[str, Any]:
        """The batch as JSON (what the worker stages for the validation pod)."""
        return {"batch_id": self.batch_id, "application": self.application, "source": self.source,
                "origin": self.origin, "rows": [dict(r) for r in self.rows]}


def _score(value: Any) -> Any:
    """A whole-number score as ``int``; empty as None; anything else unchanged (validation names it)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) else (int(value) if value.is_integer() else value)
    if isinstance(value, str):
        text = value.strip()
        try:
            number = float(text)
        except ValueError:
            return value
        return int(number) if number.is_integer() else number
    return value


def _text(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return None if isinstance(value, float) and math.isnan(value) else str(value)
    return value


def normalise(row: Mapping[str, Any]) -> dict[str, Any]:
    """One row with every known column (missing optional ones as None), scores as whole numbers
    where they are, texts stripped; unknown columns are kept (the schema expectation names them)."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        name = str(key).strip()
        out[name] = _score(value) if name in SCORE_COLUMNS else _text(value)
    for name in OPTIONAL_COLUMNS:
        out.setdefault(name, None)
    return out


def parse_rows(data: bytes, fmt: str, *, what: str) -> list[dict[str, Any]]:
    """The rows of a CSV file (a header line) or a JSON document (a list, or ``{"items": [...]}``).

    :param what: how to name the batch in an error.
    :raises BatchReadError: it is neither.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BatchReadError(f"{what}: not UTF-8 text ({exc})") from None
    if fmt == "csv":
        try:
            reader = csv.DictReader(io.StringIO(text))
            rows = [dict(r) for r in reader]
        except csv.Error as exc:
            raise BatchReadError(f"{what}: not CSV ({exc})") from None
        if reader.fieldnames is None:
            raise BatchReadError(f"{what}: empty CSV (no header line)")
        if any(None in r for r in rows):
            raise BatchReadError(f"{what}: a CSV line has more fields than the header")
        return [normalise(r) for r in rows]
    if fmt != "json":
        raise BatchReadError(f"{what}: format {fmt!r} is not one of {', '.join(FORMATS)}")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BatchReadError(f"{what}: not JSON ({exc})") from None
    if isinstance(doc, dict) and isinstance(doc.get("items"), list):
        doc = doc["items"]
    if not isinstance(doc, list) or not all(isinstance(r, dict) for r in doc):
        raise BatchReadError(f"{what}: JSON must be a list of objects (or {{\"items\": [...]}})")
    return [normalise(r) for r in doc]


def format_of(name: str) -> str | None:
    """``csv`` or ``json`` by the file name's suffix; None for any other file."""
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return suffix if suffix in FORMATS else None


def jsonable_rows(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Rows with datetimes as ISO text (ledger rows), ready for JSON."""
    out = []
    for row in rows:
        out.append({k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()})
    return out
