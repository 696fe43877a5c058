"""Vendored real projects: analysis targets with their own test suites, not part of golive's suite."""

collect_ignore_glob = ["*"]
