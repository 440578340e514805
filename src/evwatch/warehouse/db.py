"""Connections, migrations, views and the read snapshot.

DuckDB lets one process open a file for writing, and any other process that has it open (even
read-only) blocks that. So the pipeline holds the write connection only while it writes, waits a
bounded time for a lock held by someone else (naming the holder when it gives up), and after each
write refreshes a snapshot copy that readers use, so a user's query never blocks a scheduled run.
A DuckDB connection is never shared across threads: callers open one where they need it.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from evwatch.errors import WarehouseError, WarehouseLockedError
from evwatch.paths import warehouse_dir

MIGRATION_FILE = re.compile(r"^(\d{3})_([a-z0-9_]+)\.sql$")


def sql_dir() -> Path:
    return warehouse_dir()


@cache
def query_text(name: str) -> str:
    """The text of ``warehouse/queries/<name>.sql``."""
    path = sql_dir() / "queries" / f"{name}.sql"
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise WarehouseError(f"missing query file {path}") from None


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    path: Path


def migrations() -> list[Migration]:
    found = []
    for path in sorted((sql_dir() / "migrations").glob("*.sql")):
        match = MIGRATION_FILE.match(path.name)
        if not match:
            raise WarehouseError(f"migration file name must look like 001_name.sql: {path}")
        found.append(Migration(int(match.group(1)), match.group(2), path))
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise WarehouseError(f"two migrations share a number in {sql_dir() / 'migrations'}")
    return found


def view_files() -> list[Path]:
    return sorted((sql_dir() / "views").glob("*.sql"))


def check_files() -> list[Path]:
    return sorted((sql_dir() / "checks").glob("*.sql"))


def _is_lock_error(exc: Exception) -> bool:
    text = str(exc)
    return "Could not set lock" in text or "Conflicting lock" in text


def connect(path: Path, *, read_only: bool = False, lock_timeout: float = 30.0,
            poll: float = 0.25, sandboxed: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the database file, waiting up to ``lock_timeout`` seconds for another process's lock.

    A ``sandboxed`` connection (for SQL a user typed) reaches nothing but the warehouse: no other
    file (COPY, EXPORT, read_csv), no ATTACH, no INSTALL or LOAD, and its settings are locked so
    a statement cannot undo that."""
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + lock_timeout
    while True:
        try:
            conn = duckdb.connect(str(path), read_only=read_only)
            break
        except duckdb.IOException as exc:
            if not _is_lock_error(exc):
                raise WarehouseError(f"cannot open {path}: {exc}") from exc
            if time.monotonic() >= deadline:
                holder = re.search(r"held in (.+?\(PID \d+\))", str(exc))
                who = f" by {holder.group(1)}" if holder else ""
                raise WarehouseLockedError(
                    f"the warehouse {path} is locked{who}; waited {lock_timeout:.0f}s. "
                    "Close the other program (a DuckDB shell or notebook holding the file), "
                    "or query the read snapshot with `evwatch query`."
                ) from None
            time.sleep(poll)
    execute(conn, "SET TimeZone = 'UTC'")
    if sandboxed:
        execute(conn, "SET enable_external_access = false")
        execute(conn, "SET lock_configuration = true")
    return conn


def migrate(conn: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply pending migrations, each in its own transaction, then (re)create the views."""
    execute(conn,
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)"
    )
    applied = {row[0] for row in execute(conn, "SELECT version FROM schema_migrations")}
    done = []
    for migration in migrations():
        if migration.version in applied:
            continue
        execute(conn, "BEGIN TRANSACTION")
        try:
            execute(conn, migration.path.read_text(encoding="utf-8"))
            execute(conn, "INSERT INTO schema_migrations VALUES (?, ?, now()::TIMESTAMP)",
                    [migration.version, migration.name])
            execute(conn, "COMMIT")
        except duckdb.Error as exc:
            execute(conn, "ROLLBACK")
            raise WarehouseError(f"migration {migration.path.name} failed: {exc}") from exc
        done.append(migration.path.name)
    for view in view_files():
        try:
            execute(conn, view.read_text(encoding="utf-8"))
        except duckdb.Error as exc:
            raise WarehouseError(f"view {view.name} failed: {exc}") from exc
    return done


def insert_rows(conn: duckdb.DuckDBPyConnection, table: str, rows: Sequence[dict[str, Any]],
                *, on_conflict: str = "nothing", schema: pa.Schema | None = None) -> int:
    """Insert rows in one batch through Arrow; rows whose key already exists are skipped
    (``on_conflict="nothing"``) or replace the stored row (``"replace"``)."""
    if not rows:
        return 0
    batch = pa.Table.from_pylist(list(rows), schema=schema)
    columns = ", ".join(f'"{c}"' for c in batch.column_names)
    verb = {"nothing": "INSERT OR IGNORE", "replace": "INSERT OR REPLACE", "error": "INSERT"}[on_conflict]
    name = f"_batch_{table}"
    conn.register(name, batch)
    try:
        before = scalar(conn, f"SELECT count(*) FROM {table}")
        execute(conn, f"{verb} INTO {table} ({columns}) SELECT {columns} FROM {name}")
        after = scalar(conn, f"SELECT count(*) FROM {table}")
    finally:
        conn.unregister(name)
    return after - before


def run_over_rows(conn: duckdb.DuckDBPyConnection, query: str, batch: str, rows: Sequence[dict[str, Any]],
                  *, schema: pa.Schema | None = None) -> None:
    """Run ``warehouse/queries/<query>.sql`` over ``rows`` registered (through Arrow) as the
    table ``batch`` that the query reads: one statement for the whole batch (an upsert)."""
    if not rows:
        return
    conn.register(batch, pa.Table.from_pylist(list(rows), schema=schema))
    try:
        execute(conn, query_text(query))
    finally:
        conn.unregister(batch)


def execute(conn: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] | None = None) -> list[tuple]:
    """Run a statement and read its whole result (DuckDB refuses other work on a connection
    while a result is unfinished)."""
    return conn.execute(sql, params).fetchall() if params is not None else conn.execute(sql).fetchall()


def scalar(conn: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] | None = None) -> Any:
    rows = execute(conn, sql, params)
    return rows[0][0] if rows else None


_MIGRATED: set[Path] = set()   # files this process has already brought up to date


class Warehouse:
    """The warehouse file and how to open it.

    Writers call :meth:`write` or :meth:`transaction` as often as they like (each is short);
    a run ends with :meth:`publish_snapshot`, which refreshes the copy readers use.
    """

    def __init__(self, path: Path, *, lock_timeout: float = 30.0, snapshot: bool = True):
        self.path = Path(path)
        self.lock_timeout = lock_timeout
        self.keep_snapshot = snapshot

    @property
    def snapshot_path(self) -> Path:
        return self.path.with_name(self.path.stem + ".snapshot" + self.path.suffix)

    @contextmanager
    def write(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A migrated write connection, held only for the block."""
        key = self.path.resolve()
        if not self.path.exists():
            _MIGRATED.discard(key)
        conn = connect(self.path, lock_timeout=self.lock_timeout)
        try:
            if key not in _MIGRATED:
                migrate(conn)
                _MIGRATED.add(key)
            yield conn
        finally:
            conn.close()

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A write connection inside one transaction: everything or nothing is stored."""
        with self.write() as conn:
            execute(conn, "BEGIN TRANSACTION")
            try:
                yield conn
            except BaseException:
                execute(conn, "ROLLBACK")
                raise
            execute(conn, "COMMIT")

    @contextmanager
    def read(self, *, live: bool = False, sandboxed: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-only connection: to the snapshot when there is one (never blocks a run),
        else to the live file (waits for its lock like a writer). ``sandboxed`` is for SQL a
        user typed (see :func:`connect`)."""
        if not live and self.keep_snapshot and self.snapshot_path.exists():
            conn = connect(self.snapshot_path, read_only=True, lock_timeout=self.lock_timeout, sandboxed=sandboxed)
        else:
            if not self.path.exists():
                self.publish_snapshot()
            conn = connect(self.path, read_only=True, lock_timeout=self.lock_timeout, sandboxed=sandboxed)
        try:
            yield conn
        finally:
            conn.close()

    def publish_snapshot(self) -> None:
        """Checkpoint the live file and copy it to the snapshot path atomically, while holding
        the write lock so that no writer can tear the copy. Readers holding the old snapshot
        keep reading it."""
        with self.write() as conn:
            execute(conn, "CHECKPOINT")
            if self.keep_snapshot:
                tmp = self.snapshot_path.with_name(self.snapshot_path.name + f".{os.getpid()}.tmp")
                shutil.copyfile(self.path, tmp)
                os.replace(tmp, self.snapshot_path)
