"""Temporal workflows (one process per module), their activities, and the worker."""
