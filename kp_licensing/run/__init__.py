"""Running the parts: the API and the worker (runner), the embedded Temporal dev server, and
reconnecting to Temporal."""
