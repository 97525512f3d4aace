"""Sources of ``redact scan``: files, folders, MLflow stores and W&B run folders, as Records.

.. code-block:: python

    from redact.stores import iter_records

    for rec in iter_records("sqlite:///mlflow.db"):      # or a path, file:///..., http(s)://...
        print(rec.source, rec.prefix)                     # sqlite:///mlflow.db ('runs', '<run id>')

=====================================  =====================================================
source                                 read by
=====================================  =====================================================
a file or folder                       :mod:`redact.stores.files` (JSON, JSONL, YAML, TOML,
                                       CSV/TSV, ``.env``, notebooks, other text; ``mlruns``
                                       and W&B run folders in it as runs)
``sqlite:///``, ``postgresql://``,     :mod:`redact.stores.mlflow_sql` (the tables, paged)
``mysql://``, ``mssql://``
``http://``, ``https://``              :mod:`redact.stores.mlflow_rest` (``MlflowClient``)
``file:///``                           :mod:`redact.stores.mlflow_files` (an ``mlruns`` folder)
=====================================  =====================================================

:func:`collect_sources` scans them (``jobs`` processes) into sorted Results; it is what
``redact scan`` and :func:`redact.report.collect` use.
"""

from __future__ import annotations

from redact.stores.base import (
    LineLookup,
    LocLines,
    Planner,
    Progress,
    Record,
    ScanStats,
    Skipped,
    Task,
    collect_sources,
    iter_records,
    plan,
    register,
    scan_records,
    schemes,
)

__all__ = [
    "LineLookup",
    "LocLines",
    "Planner",
    "Progress",
    "Record",
    "ScanStats",
    "Skipped",
    "Task",
    "collect_sources",
    "iter_records",
    "plan",
    "register",
    "scan_records",
    "schemes",
]
