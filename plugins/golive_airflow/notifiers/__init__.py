"""golive's notifications: a BaseNotifier per sink (file, webhook; Slack and SMTP from their providers),
the events of a go-live, and its deadline alert. Configured by ``GOLIVE_NOTIFY``."""
