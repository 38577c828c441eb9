"""Routers, one per domain area."""
