"""Contracts that cross boundaries: pydantic models for commands, events and documents.

Nothing here imports the rest of the project, so workflows, the API and the wire formats can all
share one definition of a licence application or a transition.
"""
