"""pytest fixtures for localkube (placeholder while the module is being written)."""
