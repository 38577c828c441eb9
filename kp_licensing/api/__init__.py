"""The HTTP API (FastAPI): thin routers over services, one error mapping, one permission table."""
