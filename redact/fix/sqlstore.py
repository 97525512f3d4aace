"""Fix MLflow SQL stores: SQLite (``sqlite:///path.db``) and PostgreSQL
(``postgresql://...``), through SQLAlchemy with portable SQL (identifiers quoted by the
dialect, values bound).

Fields, and the pointer each is redacted at (the MLflow plugin's document shape):

=============================================  =============================================
column                                         pointer
=============================================  =============================================
``params.value``                               ``/params/<key>``  (drop deletes the row)
``tags.value``, ``experiment_tags.value``      ``/tags/<key>``    (drop deletes the row)
``runs.name``                                  ``/tags/mlflow.runName``
``runs.user_id``                               ``/tags/mlflow.user``
``experiments.name``                           ``/experiment/name``
``datasets.name``, ``dataset_source``,         ``/dataset/name``, ``/dataset/source``,
``dataset_schema``, ``dataset_profile``        ``/dataset/schema``, ``/dataset/profile``
``input_tags.value``                           ``/dataset/tags/<name>`` (drop deletes the row)
``logged_model_params.param_value``            ``/params/<param_key>``  (drop deletes the row)
``logged_model_tags.tag_value``                ``/tags/<tag_key>``      (drop deletes the row)
``registered_model_tags.value``,               ``/tags/<key>``          (drop deletes the row)
``model_version_tags.value``
``registered_models.description``,             ``/description`` (drop clears it)
``model_versions.description``
``model_versions.source``, ``storage_location``  ``/source``
``model_versions.run_link``                    ``/run_link`` (drop clears it)
=============================================  =============================================

Tables or columns a schema does not have are skipped. The ``mlflow.runName`` and
``mlflow.user`` tags are never deleted (they mirror ``runs.name``/``runs.user_id``, which
cannot be): a drop masks them whole, like the columns. Keys, ids, names of registered
models, versions and digests are never changed.

Each table's changes are applied in one transaction; every statement also checks that
the value is still the one the plan saw (``... AND value = :old``), so a concurrent
writer makes the batch fail and roll back instead of being overwritten.

SQLite: the connection writes with ``PRAGMA secure_delete=ON``; after the last batch
``VACUUM`` rebuilds the file and ``PRAGMA wal_checkpoint(TRUNCATE)`` empties the WAL, so
the old bytes are gone from the ``.db`` and ``-wal`` files. (The filesystem's free blocks,
copies, snapshots and the backup itself are out of reach: the backup holds the original
values and should be destroyed once the fix is verified.) The backup is a copy of the
``.db`` with its ``-wal``/``-shm``/``-journal`` files, taken under a write lock
(``BEGIN IMMEDIATE``); ``--rollback`` restores it through SQLite's online backup API, in
one transaction.

PostgreSQL: the backup is the rows to change (their old values, and whole rows for
deletes) in ``rows.jsonl``; ``--rollback`` writes them back. After the last batch each
changed table gets ``VACUUM FULL`` (if the role may); old values can survive in WAL
segments, replicas, PITR archives and dumps, which fix cannot reach.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from redact.errors import InputError
from redact.fix.changes import Change, FixError
from redact.fix.field import RUN_NAME, USER, FieldRedactor
from redact.fix.filestore import copy_private
from redact.fix.journal import fsync_dir
from redact.fix.target import Progress, Target

__all__ = ["SqlTarget", "TABLES", "is_sqlite_file"]

_SQLITE_MAGIC = b"SQLite format 3\x00"
_SIDECARS = ("-wal", "-shm", "-journal")


def is_sqlite_file(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            return fh.read(16) == _SQLITE_MAGIC
    except OSError:
        return False


@dataclass(frozen=True)
class _Col:
    name: str
    path: tuple[str, ...]  # "{column}" parts are taken from the row
    deletable: bool = False
    nullable: bool = False


@dataclass(frozen=True)
class _Table:
    name: str
    locator: tuple[str, ...]  # the columns that identify a row (those present are used)
    columns: tuple[_Col, ...]
    unique: tuple[str, ...] = ()  # a unique key that holds a redacted column


TABLES: tuple[_Table, ...] = (
    _Table(
        "experiments",
        ("experiment_id",),
        (_Col("name", ("experiment", "name")),),
        unique=("workspace", "name"),
    ),
    _Table("experiment_tags", ("experiment_id", "key"), (_Col("value", ("tags", "{key}"), deletable=True),)),
    _Table("runs", ("run_uuid",), (_Col("name", ("tags", RUN_NAME)), _Col("user_id", ("tags", USER)))),
    _Table("tags", ("run_uuid", "key"), (_Col("value", ("tags", "{key}"), deletable=True),)),
    _Table("params", ("run_uuid", "key"), (_Col("value", ("params", "{key}"), deletable=True),)),
    _Table(
        "datasets",
        ("dataset_uuid",),
        (
            _Col("name", ("dataset", "name")),
            _Col("dataset_source", ("dataset", "source")),
            _Col("dataset_schema", ("dataset", "schema"), nullable=True),
            _Col("dataset_profile", ("dataset", "profile"), nullable=True),
        ),
        unique=("experiment_id", "name", "digest"),
    ),
    _Table(
        "input_tags", ("input_uuid", "name"), (_Col("value", ("dataset", "tags", "{name}"), deletable=True),)
    ),
    _Table(
        "logged_model_params",
        ("model_id", "param_key"),
        (_Col("param_value", ("params", "{param_key}"), deletable=True),),
    ),
    _Table(
        "logged_model_tags",
        ("model_id", "tag_key"),
        (_Col("tag_value", ("tags", "{tag_key}"), deletable=True),),
    ),
    _Table(
        "registered_models", ("workspace", "name"), (_Col("description", ("description",), nullable=True),)
    ),
    _Table(
        "registered_model_tags",
        ("workspace", "name", "key"),
        (_Col("value", ("tags", "{key}"), deletable=True),),
    ),
    _Table(
        "model_versions",
        ("workspace", "name", "version"),
        (
            _Col("description", ("description",), nullable=True),
            _Col("source", ("source",)),
            _Col("storage_location", ("source",)),
            _Col("run_link", ("run_link",), nullable=True),
        ),
    ),
    _Table(
        "model_version_tags",
        ("workspace", "name", "version", "key"),
        (_Col("value", ("tags", "{key}"), deletable=True),),
    ),
)
_KEEP_TAGS = {("tags", RUN_NAME), ("tags", USER)}  # mirror columns that cannot be deleted


def _error_name(exc: Exception) -> str:
    """The driver error's class name only: SQLAlchemy's and drivers' messages can quote
    the statement's parameters or the row (``Key (name)=(...)``), i.e. plaintext."""
    return type(getattr(exc, "orig", None) or exc).__name__


def _path(col: _Col, row: dict[str, Any]) -> tuple[str, ...]:
    return tuple(str(row[p[1:-1]]) if p.startswith("{") and p.endswith("}") else p for p in col.path)


class SqlTarget(Target):
    """An MLflow tracking/registry database."""

    def __init__(self, url: str, *, backup_mode: str | None = None) -> None:
        try:
            import sqlalchemy  # noqa: F401
        except ImportError:  # pragma: no cover - installed with mlflow
            raise FixError(
                "fixing a SQL store needs SQLAlchemy: pip install sqlalchemy (or mlflow)"
            ) from None
        from sqlalchemy.engine import make_url

        if url.startswith("postgres://"):
            url = "postgresql://" + url[len("postgres://") :]
        try:
            self._url = make_url(url)
        except Exception:
            raise InputError(f"{url}: not a database URL") from None
        self.dialect = self._url.get_backend_name()
        self.kind = self.dialect
        self.source = self._url.render_as_string(hide_password=True)
        self._engine: Any = None
        self._tables: list[tuple[_Table, tuple[str, ...], tuple[_Col, ...]]] | None = None
        self._changed: set[str] = set()
        if self.dialect == "sqlite":
            db = self._url.database
            if not db or db == ":memory:" or db.startswith("file:"):
                raise FixError(f"{url}: fix needs an SQLite database file")
            self.path = Path(db).resolve()
            if not self.path.is_file():
                raise InputError(f"{self.path}: no such SQLite database")
            self.source = "sqlite:///" + str(self.path)
            self.name = self.path.name
            self.location = self.path.parent
        else:
            self.path = Path()
            host = self._url.host or "localhost"
            self.name = f"{host}-{self._url.database or 'db'}"
            self.location = Path.cwd()
        self.backup_mode = backup_mode or ("file" if self.dialect == "sqlite" else "rows")

    # ------------------------------------------------------------------ connections
    @property
    def engine(self) -> Any:
        if self._engine is None:
            from sqlalchemy import create_engine, event

            if self.dialect == "sqlite":
                engine = create_engine(self._url, connect_args={"timeout": 30})

                @event.listens_for(engine, "connect")
                def _pragmas(dbapi_conn: Any, _record: Any) -> None:
                    cur = dbapi_conn.cursor()
                    cur.execute("PRAGMA secure_delete=ON")  # freed cells and pages are zeroed
                    cur.close()

            else:
                engine = create_engine(self._url)
            self._engine = engine
        return self._engine

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def _q(self, name: str) -> str:
        return str(self.engine.dialect.identifier_preparer.quote(name))

    def _layout(self) -> list[tuple[_Table, tuple[str, ...], tuple[_Col, ...]]]:
        """The tables of :data:`TABLES` this database has, with the locator columns and
        redacted columns it has."""
        if self._tables is None:
            from sqlalchemy import inspect

            insp = inspect(self.engine)
            names = set(insp.get_table_names())
            if not names & {"runs", "experiments", "registered_models"}:
                raise InputError(f"{self.source}: not an MLflow database (no runs, experiments or models)")
            out = []
            for t in TABLES:
                if t.name not in names:
                    continue
                have = {c["name"] for c in insp.get_columns(t.name)}
                locator = tuple(c for c in t.locator if c in have)
                cols = tuple(c for c in t.columns if c.name in have)
                if locator and cols:
                    out.append((t, locator, cols))
            self._tables = out
        return self._tables

    # ------------------------------------------------------------------ plan
    def plan(self, redactor: FieldRedactor) -> list[Change]:
        from sqlalchemy.exc import SQLAlchemyError

        try:
            return self._plan(redactor)
        except SQLAlchemyError as exc:
            raise InputError(f"{self.source}: cannot read the store ({_error_name(exc)})") from None

    def _plan(self, redactor: FieldRedactor) -> list[Change]:
        from sqlalchemy import text

        changes: list[Change] = []
        # on --resume, the tables an interrupted run already changed are cleaned up too
        self._changed.update(str(r["location"]["table"]) for r in redactor.done.values() if "location" in r)
        with self.engine.connect() as conn:
            for table, locator, cols in self._layout():
                unique = tuple(c for c in table.unique if c in self._columns(table.name))
                extra = tuple(c for c in unique if c not in locator and c not in {x.name for x in cols})
                names = (*locator, *(c.name for c in cols), *extra)
                sql = "SELECT {} FROM {} ORDER BY {}".format(
                    ", ".join(self._q(n) for n in names),
                    self._q(table.name),
                    ", ".join(self._q(n) for n in locator),
                )
                keys_after: list[tuple[Any, ...]] = []
                table_changes: list[Change] = []
                for raw in conn.execute(text(sql)):
                    row = dict(zip(names, raw, strict=True))
                    where = {k: row[k] for k in locator}
                    new_row = dict(row)
                    for col in cols:
                        path = _path(col, row)
                        change = redactor.field(
                            {"table": table.name, "column": col.name, "where": where},
                            path,
                            row[col.name],
                            deletable=col.deletable and path not in _KEEP_TAGS,
                            nullable=col.nullable,
                        )
                        if change is not None:
                            table_changes.append(change)
                            new_row[col.name] = change.new
                    if unique:
                        keys_after.append(tuple(new_row[c] for c in unique))
                if unique and len(set(keys_after)) != len(keys_after):
                    raise FixError(
                        f"{self.source}: after redaction two rows of {table.name} would share "
                        f"({', '.join(unique)}); rename one of them first (nothing was changed)"
                    )
                changes.extend(table_changes)
            conn.rollback()
        return changes

    def _columns(self, table: str) -> set[str]:
        from sqlalchemy import inspect

        return {c["name"] for c in inspect(self.engine).get_columns(table)}

    # ------------------------------------------------------------------ backup
    def backup(self, changes: list[Change], dest: Path) -> dict[str, Any]:
        if self.backup_mode == "file":
            return self._backup_files(dest)
        return self._backup_rows(changes, dest)

    def _backup_files(self, dest: Path) -> dict[str, Any]:
        """A copy of the database file and its sidecars, under a write lock (no writer can
        commit while it is taken)."""
        lock = sqlite3.connect(str(self.path), timeout=30, isolation_level=None)
        copied = []
        try:
            lock.execute("BEGIN IMMEDIATE")
            for suffix in ("", *_SIDECARS):
                src = self.path.with_name(self.path.name + suffix)
                if src.is_file():
                    copy_private(src, dest / src.name)
                    copied.append(src.name)
            lock.execute("ROLLBACK")
        finally:
            lock.close()
        fsync_dir(dest)
        return {"mode": "file", "database": self.path.name, "files": copied}

    def _backup_rows(self, changes: list[Change], dest: Path) -> dict[str, Any]:
        """The old value of every changed column, and whole rows for deletes."""
        from sqlalchemy import text

        out = dest / "rows.jsonl"
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with self.engine.connect() as conn, os.fdopen(fd, "w", encoding="utf-8") as fh:
            for c in changes:
                loc = c.location
                rec: dict[str, Any] = {"table": loc["table"], "where": loc["where"], "column": loc["column"]}
                if c.op == "delete":
                    sql, params = self._where(loc["where"])
                    row = conn.execute(text(f"SELECT * FROM {self._q(loc['table'])} WHERE {sql}"), params)
                    found = row.mappings().first()
                    if found is None:
                        raise FixError(f"{self.source}: a row of {loc['table']} changed since the plan")
                    rec["row"] = dict(found)
                else:
                    rec["old"] = c.old
                fh.write(json.dumps(rec, ensure_ascii=False, default=str) + "\n")
            conn.rollback()
            fh.flush()
            os.fsync(fh.fileno())
        return {"mode": "rows", "rows": len(changes)}

    def _where(self, where: dict[str, Any], prefix: str = "w_") -> tuple[str, dict[str, Any]]:
        parts, params = [], {}
        for i, (k, v) in enumerate(where.items()):
            parts.append(f"{self._q(k)} = :{prefix}{i}")
            params[f"{prefix}{i}"] = v
        return " AND ".join(parts), params

    # ------------------------------------------------------------------ apply
    def batches(self, changes: list[Change]) -> Iterator[list[Change]]:
        by_table: dict[str, list[Change]] = {}
        for c in changes:
            by_table.setdefault(c.location["table"], []).append(c)
        yield from by_table.values()

    def apply(self, batch: list[Change], progress: Progress) -> None:
        from sqlalchemy.exc import SQLAlchemyError

        table = batch[0].location["table"] if batch else "?"
        try:
            self._apply(batch, progress)
        except SQLAlchemyError as exc:
            raise FixError(
                f"{self.source}: the {table} batch failed ({_error_name(exc)}) and was rolled back; "
                "run fix --resume once the cause is fixed, or --rollback"
            ) from None
        self._changed.add(table)

    def _apply(self, batch: list[Change], progress: Progress) -> None:
        from sqlalchemy import text

        with self.engine.connect() as conn, conn.begin():
            for c in batch:
                loc = c.location
                where, params = self._where(loc["where"])
                col = self._q(loc["column"])
                params["old"] = c.old
                if c.op == "delete":
                    sql = f"DELETE FROM {self._q(loc['table'])} WHERE {where} AND {col} = :old"
                else:
                    sql = f"UPDATE {self._q(loc['table'])} SET {col} = :new WHERE {where} AND {col} = :old"
                    params["new"] = c.new
                result = conn.execute(text(sql), params)
                if result.rowcount != 1:
                    raise FixError(
                        f"{self.source}: {c.where()} changed since the plan (a concurrent writer?); "
                        f"the {loc['table']} batch was rolled back: stop writers and run fix --resume"
                    )
                progress.step()

    def finish(self) -> list[str]:
        from sqlalchemy.exc import SQLAlchemyError

        try:
            return self._finish()
        except SQLAlchemyError as exc:
            raise FixError(
                f"{self.source}: every change is applied, but the clean-up failed ({_error_name(exc)}): "
                "old bytes may remain; run fix --resume when the store is idle"
            ) from None

    def _finish(self) -> list[str]:
        from sqlalchemy import text

        notes: list[str] = []
        if self.dialect == "sqlite":
            with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM")
                mode = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
                busy = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").first()
                if mode == "wal" and busy is not None and busy[0]:
                    notes.append(
                        "the WAL could not be truncated (other connections are reading): run "
                        "`PRAGMA wal_checkpoint(TRUNCATE)` when the store is idle"
                    )
            notes.append("VACUUM done and WAL truncated (secure_delete on)")
        elif self.dialect == "postgresql":
            tables = sorted(self._changed)
            with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                for t in tables:
                    try:
                        conn.execute(text(f"VACUUM FULL {self._q(t)}"))
                    except Exception as exc:  # permissions: say so, the values are fixed anyway
                        notes.append(
                            f"VACUUM FULL {t} failed ({type(exc).__name__}): run it as the table owner"
                        )
            notes.append(
                "old values may survive in WAL segments, replicas, PITR archives and dumps: rotate "
                "the leaked credentials"
            )
        return notes

    def current(self, change: Change) -> Any:
        """The stored value of the change's column (None when the row is gone)."""
        from sqlalchemy import text

        loc = change.location
        where, params = self._where(loc["where"])
        sql = f"SELECT {self._q(loc['column'])} FROM {self._q(loc['table'])} WHERE {where}"
        with self.engine.connect() as conn:
            row = conn.execute(text(sql), params).first()
            conn.rollback()
        return None if row is None else row[0]

    # ------------------------------------------------------------------ restore
    def restore(self, backup: Path, manifest: dict[str, Any]) -> list[str]:
        if manifest.get("mode") == "file":
            return self._restore_files(backup, manifest)
        return self._restore_rows(backup)

    def _restore_files(self, backup: Path, manifest: dict[str, Any]) -> list[str]:
        """Copy the backup into the live database with SQLite's online backup API: one
        transaction (a crash leaves the fixed store), and open connections see it."""
        self.close()
        files = [str(f) for f in manifest.get("files", [])]
        database = str(manifest.get("database", self.path.name))
        with tempfile.TemporaryDirectory(prefix=".redact-restore-", dir=self.location) as tmp:
            for f in files:
                if f.endswith("-shm"):
                    continue  # rebuilt from the WAL when the copy opens
                shutil.copy2(backup / f, Path(tmp) / f)
            src = sqlite3.connect(str(Path(tmp) / database))
            dst = sqlite3.connect(str(self.path), timeout=30)
            try:
                src.backup(dst)
                dst.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                dst.close()
                src.close()
        return [f"{self.path} restored from {backup}"]

    def _restore_rows(self, backup: Path) -> list[str]:
        from sqlalchemy import text

        records = [
            json.loads(line) for line in (backup / "rows.jsonl").read_text("utf-8").splitlines() if line
        ]
        with self.engine.connect() as conn, conn.begin():
            for rec in reversed(records):
                table = self._q(rec["table"])
                where, params = self._where(rec["where"])
                if "row" in rec:
                    exists = conn.execute(text(f"SELECT 1 FROM {table} WHERE {where}"), params).first()
                    if exists is None:
                        row = rec["row"]
                        names = list(row)
                        conn.execute(
                            text(
                                f"INSERT INTO {table} ({', '.join(self._q(n) for n in names)}) "
                                f"VALUES ({', '.join(f':v{i}' for i in range(len(names)))})"
                            ),
                            {f"v{i}": row[n] for i, n in enumerate(names)},
                        )
                else:
                    params["old"] = rec["old"]
                    conn.execute(
                        text(f"UPDATE {table} SET {self._q(rec['column'])} = :old WHERE {where}"), params
                    )
        return [f"{len(records)} row value(s) of {self.source} restored from {backup}"]
