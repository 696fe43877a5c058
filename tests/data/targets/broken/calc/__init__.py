"""Arithmetic helpers."""
