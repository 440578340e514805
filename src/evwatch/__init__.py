"""evwatch: news intelligence for one watched story.

The package is a library of pipeline stages (``ingest``, ``extract``, ``developments``,
``alerts``), each a plain function of typed records, plus one module that owns the DuckDB
warehouse (``warehouse``). Prefect wiring lives outside the package, in ``flows/``.
"""

__version__ = "0.1.0"
