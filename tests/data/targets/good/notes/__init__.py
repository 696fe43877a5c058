"""Notes: a small authenticated note-taking API."""
