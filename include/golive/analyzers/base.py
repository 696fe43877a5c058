"""What every analyzer shares: the ``Context`` it gets, the ``Analyzer`` signature, and one runner.

An analyzer is a function ``Context -> AnalyzerResult``: it measures one thing of the target (a source
tree or a deployed application) and never decides a verdict (the gates in :mod:`golive.gates` do).
Tools run through :func:`golive.tools.run_tool` (argv lists, own process group, timeouts).

* ``guarded``: an analyzer that raises becomes an ``AnalyzerResult`` with ``error`` set — the scoring
  step turns it into no-data with that reason, never into a pass;
* ``run_analyzers``: several analyzers in parallel threads (their tools are subprocesses).
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from golive.models import AnalyzerResult
from golive.profile import ProfileError, ResolvedProfile, load_profile
from golive.settings import get_settings
from golive.tools import ToolError

DEFAULT_TOOL_TIMEOUT = 120.0


@dataclass(frozen=True)
class Context:
    """What an analyzer gets: the agent it runs for, the checked-out source tree and its options.

    :param agent: ``quality`` or ``security`` (recorded in the result).
    :param source: the source tree (already checked out); None for a url agent run without ``--source``.
    :param timeout: seconds a tool may run; None for the analyzer's own default.
    :param evidence: results of other analyzers an analyzer may build on (the checklist does).
    :param url: base URL of the deployed application (url agents; no trailing '/').
    :param expected_version: the version the deployed application should report (url agents).
    :param options: the agent's own options (``AgentSpec.add_arguments``), dest → parsed value.
    """

    agent: str
    source: Path | None = None
    timeout: float | None = None
    evidence: tuple[AnalyzerResult, ...] | None = None
    url: str | None = None
    expected_version: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)

    @property
    def tree(self) -> Path:
        """The source tree a source analyzer reads (``ToolError`` when the run has none)."""
        if self.source is None:
            raise ToolError(f"the {self.agent} analyzers need a source tree (--source)")
        return self.source

    @cached_property
    def profile(self) -> ResolvedProfile:
        """The application's profile: the conf's (``GOLIVE_PROFILE``) or the tree's ``golive.yaml``,
        completed by detection from the tree; golive's defaults for a url run without a tree.

        :raises ToolError: an invalid profile (the analyzer's criteria become no-data naming the field).
        """
        try:
            return load_profile(self.source, get_settings().profile)
        except ProfileError as exc:
            raise ToolError(f"the application profile is invalid: {exc}") from exc

    def __post_init__(self) -> None:
        if self.source is not None:
            object.__setattr__(self, "source", Path(self.source).resolve())
        if self.url is not None:
            object.__setattr__(self, "url", self.url.rstrip("/"))


Analyzer = Callable[[Context], AnalyzerResult]


def guarded(tool: str, analyzer: Analyzer, ctx: Context) -> AnalyzerResult:
    """Run one analyzer; any failure becomes a result with ``error`` set (no-data), never a pass."""
    try:
        result = analyzer(ctx)
    except ToolError as exc:
        return AnalyzerResult(agent=ctx.agent, tool=tool, error=str(exc))
    except Exception as exc:  # an analyzer bug must surface as no-data, not kill the gate
        traceback.print_exc(file=sys.stderr)
        return AnalyzerResult(agent=ctx.agent, tool=tool,
                              error=f"the {tool} analyzer failed: {type(exc).__name__}: {exc}")
    return result



def run_analyzers(registry: Mapping[str, Analyzer], ctx: Context, tools: Sequence[str] | None = None,
                  max_workers: int | None = None) -> list[AnalyzerResult]:
    """Run several analyzers in parallel threads (their tools are subprocesses); results in ``tools`` order."""
    names = list(tools if tools is not None else registry)
    if not names:
        return []
    workers = max_workers or min(len(names), max(2, (os.cpu_count() or 2) * 2))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"golive-{ctx.agent}") as pool:
        futures = [pool.submit(guarded, name, registry[name], ctx) for name in names]
        return [f.result() for f in futures]



def tool_timeout(ctx: Context) -> float:
    """Seconds a tool may run: the run's ``--timeout`` or the default."""
    return ctx.timeout or DEFAULT_TOOL_TIMEOUT


def relative_path(root: Path, filename: str) -> str:
    """``filename`` (as a tool reported it) relative to the tree's root, POSIX style."""
    path = Path(filename)
    if path.is_absolute():
        try:
            return path.relative_to(root).as_posix()
        except ValueError:
            return path.as_posix()
    return path.as_posix().removeprefix("./")
