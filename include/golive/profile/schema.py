"""The JSON schema of ``golive.yaml``, generated from :class:`ApplicationProfile`.

``python -m golive.profile.schema docs/golive.schema.json`` writes it (the committed file is checked
against this by a unit test); without an argument it prints it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from golive.profile.model import ApplicationProfile

SCHEMA_ID = "https://golive.dev/schemas/golive.schema.json"


def profile_schema() -> dict[str, Any]:
    """The JSON schema (draft 2020-12) of an application profile."""
    schema: dict[str, Any] = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID}
    schema.update(ApplicationProfile.model_json_schema(mode="validation"))
    return schema


def schema_text() -> str:
    """The schema as the committed file holds it (sorted keys, two-space indent, final newline)."""
    return json.dumps(profile_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write the schema to the path in ``argv`` (or print it)."""
    args = sys.argv[1:] if argv is None else argv
    if not args:
        sys.stdout.write(schema_text())
        return 0
    Path(args[0]).write_text(schema_text(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
