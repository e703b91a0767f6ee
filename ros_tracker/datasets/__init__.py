"""Readers of annotated tracking sequences."""
