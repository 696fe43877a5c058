"""Whether golive's Node tool set and semgrep are installed here (``scripts/setup.sh``), for skip marks.

On a laptop a missing tool skips its tests with the reason; in CI (``CI=true``) they run and fail.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from golive.tools import tool_command


def _installed(name: str) -> bool:
    argv = tool_command(name)
    exe = shutil.which(argv[0])
    scripts = [a for a in argv[1:] if a.endswith(".js")]
    return exe is not None and all(Path(s).is_file() for s in scripts)


_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

needs_eslint = pytest.mark.skipif(not _CI and not _installed("eslint"),
                                  reason="golive's eslint is not installed (scripts/setup.sh: npm ci in tools/node)")
needs_semgrep = pytest.mark.skipif(not _CI and not _installed("semgrep"),
                                   reason="semgrep is not installed (scripts/setup.sh: tools/semgrep/venv)")
