"""README sections of real READMEs (the sample app's Markdown, flaskr's reStructuredText)."""

from __future__ import annotations

from repo_paths import REPO

from golive.docs.readme import headings, readme_sections


def test_the_sample_apps_readme_has_every_section():
    sections = readme_sections(REPO / "include" / "sample_app")
    assert sections.readme == "README.md" and sections.missing == [] and sections.share == 100.0


def test_flaskrs_rst_readme_lacks_configuration():
    sections = readme_sections(REPO / "tests" / "data" / "projects" / "flaskr")
    assert sections.readme == "README.rst"
    assert sections.present == {"install": "Install", "usage": "Run", "tests": "Test"}
    assert sections.missing == ["configuration"] and sections.share == 75.0


def test_no_readme_is_no_data(tmp_path):
    assert readme_sections(tmp_path).share is None


def test_headings_skip_code_fences():
    text = "# Title\n\n```\n# not a heading\n```\n\nUsage\n-----\n"
    assert headings(text) == ["Title", "Usage"]
