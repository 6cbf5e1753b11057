"""The send path's contact log on PostgreSQL, on raw asyncpg (SQLite keeps ``ContactLog``)."""
