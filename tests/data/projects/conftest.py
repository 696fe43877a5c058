"""The projects below are real applications vendored with their own test suites (taken live by the integration tests), not part of golive's suite."""

collect_ignore_glob = ["*"]
