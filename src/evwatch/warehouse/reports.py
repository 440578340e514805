"""Read-side queries for the command line: each returns plain dicts."""

from __future__ import annotations

from typing import Any

import duckdb


def _dicts(cursor: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row)) for row in cursor.fetchall()]


def feed_health(conn: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    return _dicts(conn.execute("SELECT * FROM feed_health ORDER BY feed_id"))
