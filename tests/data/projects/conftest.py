"""Vendored real projects (analysis targets and applications golive takes live) with their own test suites:
not part of golive's suite."""

collect_ignore_glob = ["*"]
