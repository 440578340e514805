"""The only code that reads and writes the DuckDB warehouse.

``db`` opens connections (with a bounded wait on another process's lock), applies the SQL
migrations and views kept as files in the project's ``warehouse/`` folder, and keeps the read
snapshot that ``evwatch query`` uses. The other modules here store and load one kind of record
each. Stages never touch the database themselves.
"""

from evwatch.warehouse.db import Warehouse

__all__ = ["Warehouse"]
