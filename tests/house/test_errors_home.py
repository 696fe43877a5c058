"""Errors have one home: ``golive.errors.GoliveError`` for golive, ``localkube.errors`` for localkube,
which is a Kubernetes API server of its own and imports nothing from golive."""

from __future__ import annotations

import ast
from pathlib import Path

from repo_paths import REPO

LOCALKUBE = REPO / "include" / "localkube"


def _golive_imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
            [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else [])
        where = f"{path.relative_to(LOCALKUBE)}:{getattr(node, 'lineno', 0)}"
        found += [f"{where} {n}" for n in names if n == "golive" or n.startswith("golive.")]
    return found


def test_localkube_imports_nothing_from_golive():
    offenders = [hit for path in sorted(LOCALKUBE.rglob("*.py")) for hit in _golive_imports(path)]
    assert not offenders, f"localkube imports golive: {offenders}"


def test_localkube_errors_have_their_own_base():
    from localkube.errors import ApiError, LocalKubeError

    assert issubclass(ApiError, LocalKubeError) and LocalKubeError.__mro__[1] is Exception


def test_golive_error_lives_in_golive_errors_only():
    import golive.models
    from golive.errors import GoliveError
    from golive.ledger import LedgerError
    from golive.sources import SourceError

    assert not hasattr(golive.models, "GoliveError")
    assert issubclass(LedgerError, GoliveError) and issubclass(SourceError, GoliveError)
