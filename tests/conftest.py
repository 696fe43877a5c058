"""Shared pytest configuration: the localkube fixtures come from localkube.pytest_plugin."""

pytest_plugins = ["localkube.pytest_plugin"]
