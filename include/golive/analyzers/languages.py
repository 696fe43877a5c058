"""Which of the tree's source the static analyzers measure, by the profile's languages.

The profile (``ctx.profile``: declared in ``golive.yaml`` or the run's conf, else detected) names the
languages; golive measures Python (``python``) and JavaScript/TypeScript (``node``, ``typescript``)
and has no static analyzer for the others (``go``, ``java``). A tree of only such languages gets
each static measurement *not applicable* with the reason; a tree whose language golive measures
but which has no such file gets *no data* (which never passes).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from golive.analyzers.base import Context
from golive.analyzers.files import node_files, python_files
from golive.models import AnalyzerResult, Measurement
from golive.tools import tool_version

#: The profile's languages golive has static analyzers for.
MEASURED_LANGUAGES = frozenset({"python", "node", "typescript"})
JAVASCRIPT_SUFFIXES = (".js", ".jsx", ".mjs", ".cjs")
TYPESCRIPT_SUFFIXES = (".ts", ".tsx", ".mts", ".cts")


@dataclass(frozen=True)
class Sources:
    """The files one static analyzer reads, by language (relative POSIX paths, test code left out).

    :param languages: the profile's languages.
    :param python: Python files (when the profile names ``python``).
    :param javascript: JavaScript files (when it names ``node`` or ``typescript``).
    :param typescript: TypeScript files, declaration files (``.d.ts``) left out (likewise).
    """

    languages: tuple[str, ...]
    python: list[str]
    javascript: list[str]
    typescript: list[str]

    @property
    def node(self) -> list[str]:
        """JavaScript and TypeScript files together (what eslint and semgrep read)."""
        return [*self.javascript, *self.typescript]

    @property
    def unmeasured(self) -> list[str]:
        """The profile's languages golive has no static analyzer for."""
        return [lang for lang in self.languages if lang not in MEASURED_LANGUAGES and lang != "other"]

    def describe(self) -> str:
        """``N Python, M JavaScript, K TypeScript files`` (the non-empty parts)."""
        parts = [f"{len(files)} {name}" for name, files in
                 (("Python", self.python), ("JavaScript", self.javascript), ("TypeScript", self.typescript)) if files]
        return ", ".join(parts) + " files" if parts else "no files"


def sources(ctx: Context) -> Sources:
    """The tree's source files of the languages its profile names (see the module docstring)."""
    languages = tuple(ctx.profile.profile.languages)
    node = "node" in languages or "typescript" in languages
    scripts = node_files(ctx.tree) if node else []
    return Sources(
        languages=languages,
        python=python_files(ctx.tree) if "python" in languages else [],
        javascript=[p for p in scripts if p.endswith(JAVASCRIPT_SUFFIXES)],
        typescript=[p for p in scripts if p.endswith(TYPESCRIPT_SUFFIXES) and not p.endswith(".d.ts")],
    )


def tool_versions(src: Sources, python_tool: str, node_tool: str, node_version: Callable[[], str]) -> str:
    """``radon 6.0.1, eslint 9.39.5``: the tools that read ``src`` with their versions (the Python tool's
    alone when neither language has files)."""
    versions = {python_tool: tool_version(python_tool)} if src.python else {}
    if src.node:
        versions[node_tool] = node_version()
    return ", ".join(f"{k} {v}" for k, v in versions.items()) or tool_version(python_tool)


def unmeasured_result(ctx: Context, tool: str, names: list[str], version: str, src: Sources, *,
                      what: str) -> AnalyzerResult:
    """The result of a static analyzer with nothing to read: not-applicable for a tree of languages golive
    has no ``what`` for (go, java), no-data otherwise (a Python or Node tree without such files).

    :param what: the kind of analysis, for the reason (``lint``, ``complexity`` …).
    """
    details = {"tool_version": version, "files": 0, "languages": list(src.languages)}
    if src.unmeasured and not any(lang in MEASURED_LANGUAGES for lang in src.languages):
        why = (f"golive has no {what} analyzer for {', '.join(src.unmeasured)} (it measures Python, "
               "JavaScript and TypeScript)")
        return AnalyzerResult(agent=ctx.agent, tool=tool, details=details,
                              measurements=[Measurement(name=m, value=None, unit="", applicable=False, detail=why)
                                            for m in names])
    named = ", ".join(src.languages) or "none"
    why = (f"the source tree has no Python, JavaScript or TypeScript files of its languages ({named}) "
           "outside tests, virtual environments and node_modules")
    return AnalyzerResult(agent=ctx.agent, tool=tool, details=details,
                          measurements=[Measurement(name=m, value=None, unit="", detail=why) for m in names])
