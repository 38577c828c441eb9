"""Use cases behind the API: checks, then a workflow start or update, then the answer."""
