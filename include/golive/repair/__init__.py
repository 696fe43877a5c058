"""Diagnostics and repair without an LLM: the issue taxonomy, tool-based fixes on a copy, the patch and
branch, and the re-score by the same gates (``python -m golive.agents.repair``)."""
