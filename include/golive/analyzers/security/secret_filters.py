"""golive's own detect-secrets filter: a pinned git revision or an integrity hash is not a secret.

detect-secrets' hex and base64 entropy detectors flag the 40-hex commit that pins a hook in
``.pre-commit-config.yaml`` (``rev: f71fa2c1…``) and the Subresource Integrity hash of a package
(``"integrity": "sha512-OfC2…"``) in lockfiles its own ``is_lock_file`` filter does not know
(``pnpm-lock.yaml``, ``npm-shrinkwrap.json``…). Both are public identifiers of code, not credentials.

:func:`is_revision_or_integrity` is a detect-secrets custom filter (``filters_used`` entry
``file://<this file>::is_revision_or_integrity``; detect-secrets injects ``secret`` and ``line``). It
excludes a detection only when both hold: the line assigns one of the revision keys (``rev``,
``sha``, ``commit``, ``integrity``, ``resolved`` and their spellings) and the detected value has the
shape of what that key holds — a 40- or 64-hex commit id or an SRI hash (``sha256-``/``sha384-``/
``sha512-``/``sha1-`` + base64). Anything else on such a line (an AWS key after ``sha:``, a
password after ``commit:``) stays a detection. The module imports nothing of golive: detect-secrets
loads it by file path.
"""

from __future__ import annotations

import re

REVISION_KEYS = ("rev", "revision", "sha", "commit", "commit_id", "commit-id", "commit_sha", "commit-sha",
                 "integrity", "resolved")
_KEY = re.compile(r"""^[\s\-#{,]*["']?(?P<key>[A-Za-z_-]+)["']?\s*[:=]\s*(?P<value>.*)$""")
_COMMIT = re.compile(r"\b(?:[0-9a-fA-F]{64}|[0-9a-fA-F]{40})\b")
_SRI = re.compile(r"(?:sha1|sha256|sha384|sha512)-[A-Za-z0-9+/]{20,}={0,2}")


def revision_values(line: str) -> list[str]:
    """The commit ids and SRI hashes a revision key assigns on ``line`` (empty for any other line)."""
    match = _KEY.match(line)
    if match is None or match.group("key").lower() not in REVISION_KEYS:
        return []
    value = match.group("value")
    return [m.group(0) for m in (*_COMMIT.finditer(value), *_SRI.finditer(value))]


def is_revision_or_integrity(secret: str, line: str) -> bool:
    """True (exclude) when ``secret`` is a commit id or an SRI hash assigned to a revision key on ``line``."""
    for value in revision_values(line):
        if secret == value or (value.startswith(("sha1-", "sha256-", "sha384-", "sha512-"))
                               and secret in value and len(secret) >= 20):
            return True
    return False
