"""Emergency pauses: set and lifted by compliance (the HTTP API and the workspace), read by
each worker's ``operations.pause`` rule, and the messages they park released on resume."""
