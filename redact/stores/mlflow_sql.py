"""MLflow SQL tracking stores (``sqlite:///``, ``postgresql://``, ``mysql://``, ``mssql://``)
read straight from their tables, in keyset pages.

SQLite is read with :mod:`sqlite3` (read-only); other databases through SQLAlchemy (which
MLflow brings; the database driver must be installed). Tables and columns are those of
``mlflow/store/tracking/dbmodels/models.py`` and ``mlflow/store/model_registry/dbmodels/
models.py``; columns a schema lacks (older MLflow) are left out, tables it lacks are
skipped. Nothing is written.

Records (one per experiment, run, logged model, registered model and model version),
with their pointer prefixes:

==============================================  ==============================================
``("experiments", id)``                          ``name``, ``artifact_location``, ``tags/<key>``
                                                 (deleted experiments too)
``("runs", run_uuid)``                           ``name``, ``user_id``, ``source_name``,
                                                 ``entry_point_name``, ``source_version``,
                                                 ``artifact_uri``, ``params/<key>``,
                                                 ``tags/<key>``, ``inputs/<i>/{name, digest,
                                                 source_type, source, schema, profile,
                                                 tags/<key>}`` (deleted runs too)
``("logged_models", model_id)``                  ``name``, ``artifact_location``,
                                                 ``model_type``, ``status_message``,
                                                 ``params/<key>``, ``tags/<key>``
``("registered_models", name)``                  ``name``, ``description``, ``tags/<key>``
``(..., name, "versions", v)``                   ``source``, ``storage_location``,
                                                 ``description``, ``run_link``, ``user_id``,
                                                 ``status_message``, ``tags/<key>``
==============================================  ==============================================

Registered models outside the ``default`` workspace are under ``("workspaces", ws, ...)``.
Runs are read in pages of :data:`PAGE` run ids (``run_uuid > last ORDER BY run_uuid``)
with their params, tags and inputs fetched by run-id range, so memory holds one page.
For several processes the run ids are cut into ranges at quantiles.
"""

from __future__ import annotations

import functools
import math
import os
import sqlite3
import urllib.parse
from collections import defaultdict
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from redact._result import safe_source
from redact.errors import InputError
from redact.stores.base import Record, Task
from redact.stores.mlflow_files import input_order, model_prefix

__all__ = ["plan", "plan_path", "is_mlflow_sqlite", "sqlite_uri", "PAGE", "Database"]

PAGE = 500  # runs (experiments, models) per page
NATIVE_SQLITE = True  # read SQLite with sqlite3 (False: through SQLAlchemy, like other databases)
_RUN_COLUMNS = ("name", "user_id", "source_name", "entry_point_name", "source_version", "artifact_uri")
_VERSION_COLUMNS = ("source", "storage_location", "description", "run_link", "user_id", "status_message")
_DATASET_COLUMNS = (
    ("name", "name"),
    ("digest", "digest"),
    ("source_type", "dataset_source_type"),
    ("source", "dataset_source"),
    ("schema", "dataset_schema"),
    ("profile", "dataset_profile"),
)


class Database:
    """A read-only connection: sqlite3 for ``sqlite:``, SQLAlchemy otherwise. Queries use
    ``:name`` parameters (both accept them) and return lists of tuples."""

    def __init__(self, uri: str, display: str | None = None) -> None:
        self.uri = uri
        self.display = display or safe_source(uri)
        self._cols: dict[str, set[str]] = {}
        self._sqlite: sqlite3.Connection | None = None
        self._conn: Any = None
        scheme = uri.split("://", 1)[0].lower().split("+", 1)[0]
        if scheme == "sqlite":
            path = _sqlite_path(uri)
            if not path or path == ":memory:":
                raise InputError(f"{self.display}: an in-memory SQLite database holds no MLflow store")
            if not Path(path).is_file():
                raise InputError(f"{self.display}: no such SQLite database")
            target = "file:" + urllib.parse.quote(os.path.abspath(path)) + "?mode=ro"
            if NATIVE_SQLITE:
                try:
                    self._sqlite = sqlite3.connect(target, uri=True)
                except sqlite3.Error as exc:
                    raise InputError(f"{self.display}: cannot open: {exc}") from None
            else:  # the SQLAlchemy path, as for other databases (tests exercise it on SQLite)
                self._connect_sqlalchemy(f"sqlite:///{target}&uri=true")
        else:
            self._connect_sqlalchemy(uri)
        if not {"runs", "experiments"} <= {t for t in ("runs", "experiments") if self.columns(t)}:
            self.close()
            raise InputError(f"{self.display}: not an MLflow tracking database (no runs/experiments tables)")

    def _connect_sqlalchemy(self, uri: str) -> None:
        try:
            import sqlalchemy
        except ImportError:  # pragma: no cover - MLflow brings it
            raise InputError(
                f'{self.display}: reading this database needs SQLAlchemy: pip install "redact-ml[mlflow]"'
            ) from None
        if uri.startswith("postgres://"):  # SQLAlchemy knows only postgresql:// (as fix does)
            uri = "postgresql://" + uri[len("postgres://") :]
        try:
            engine = sqlalchemy.create_engine(uri, poolclass=sqlalchemy.pool.NullPool)
            self._conn = engine.connect()
        except ImportError as exc:
            raise InputError(f"{self.display}: the database driver is not installed ({exc.name})") from None
        except Exception as exc:
            raise InputError(f"{self.display}: cannot connect: {self._describe(exc)}") from None
        self._text = sqlalchemy.text
        self._quote = engine.dialect.identifier_preparer.quote

    def _describe(self, exc: BaseException) -> str:
        text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        msg = f"{type(exc).__name__}: {text[0] if text else ''}"
        password = urllib.parse.urlsplit(self.uri).password
        return msg.replace(password, "****") if password else msg

    def q(self, name: str) -> str:
        """A quoted identifier (``key`` is reserved in MySQL)."""
        if self._sqlite is not None:
            return '"' + name.replace('"', '""') + '"'
        return str(self._quote(name))

    def rows(self, sql: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        try:
            if self._sqlite is not None:
                try:
                    return self._sqlite.execute(sql, params or {}).fetchall()
                except sqlite3.OperationalError as exc:  # text that is not UTF-8: decode it leniently
                    if "decode" not in str(exc) or self._sqlite.text_factory is not str:
                        raise
                    self._sqlite.text_factory = lambda b: b.decode("utf-8", "replace")
                    return self._sqlite.execute(sql, params or {}).fetchall()
            return [tuple(r) for r in self._conn.execute(self._text(sql), params or {}).fetchall()]
        except Exception as exc:
            what = self._describe(exc)
            raise InputError(f"{self.display}: cannot read the MLflow database: {what}") from None

    def columns(self, table: str) -> set[str]:
        """The table's columns (empty when it does not exist)."""
        if table not in self._cols:
            if self._sqlite is not None:
                found = {r[1] for r in self.rows(f"PRAGMA table_info({self.q(table)})")}
            else:
                import sqlalchemy

                try:
                    insp = sqlalchemy.inspect(self._conn)
                    has = insp.has_table(table)
                    found = {c["name"] for c in insp.get_columns(table)} if has else set()
                except Exception as exc:
                    what = self._describe(exc)
                    raise InputError(f"{self.display}: cannot read the schema: {what}") from None
            self._cols[table] = found
        return self._cols[table]

    def select(self, table: str, wanted: Sequence[str]) -> list[str]:
        """The wanted columns the table has, in order."""
        have = self.columns(table)
        return [c for c in wanted if c in have]

    def close(self) -> None:
        if self._sqlite is not None:
            self._sqlite.close()
            self._sqlite = None
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def _sqlite_path(uri: str) -> str:
    """``sqlite:///rel.db`` -> ``rel.db``; ``sqlite:////abs.db`` -> ``/abs.db``."""
    rest = uri.split("://", 1)[1].split("?", 1)[0]
    if rest.startswith("/"):
        rest = rest[1:]
    return urllib.parse.unquote(rest)


# ---------------------------------------------------------------------------- planning
def plan(uri: str, parts: int = 1, display: str | None = None) -> Iterator[Task]:
    """Tasks: experiments; runs (one task, or ``parts`` run-id ranges); logged models;
    the model registry. Records name the store ``display`` (default: the URI without
    credentials)."""
    db = Database(uri, display)
    try:
        ranges = _run_ranges(db, parts)
        has_logged = bool(db.columns("logged_models"))
        has_registry = bool(db.columns("registered_models"))
    finally:
        db.close()
    yield functools.partial(_experiments_task, uri, display)
    for lo, hi in ranges:
        yield functools.partial(_runs_task, uri, display, lo, hi)
    if has_logged:
        yield functools.partial(_logged_models_task, uri, display)
    if has_registry:
        yield functools.partial(_registry_task, uri, display)


def is_mlflow_sqlite(path: Path) -> bool:
    """A SQLite file that holds MLflow's ``runs`` and ``experiments`` tables."""
    try:
        with path.open("rb") as fh:
            if fh.read(16) != b"SQLite format 3\x00":
                return False
        Database(sqlite_uri(path)).close()
    except (OSError, InputError):
        return False
    return True


def sqlite_uri(path: Path) -> str:
    return "sqlite:///" + os.path.abspath(path)


def plan_path(path: Path, parts: int = 1) -> Iterator[Task]:
    """An MLflow SQLite file given by its path (``mlflow.db``): reported under the path."""
    return plan(sqlite_uri(path), parts, str(path))


def _run_ranges(db: Database, parts: int) -> list[tuple[str | None, str | None]]:
    """Run-id ranges ``(lo, hi]`` (None: open) of about equal size."""
    if parts <= 1:
        return [(None, None)]
    total = int(db.rows("SELECT COUNT(*) FROM runs")[0][0])
    pieces = min(parts, math.ceil(total / PAGE))
    if pieces <= 1:
        return [(None, None)]
    bounds: list[str] = []
    for j in range(1, pieces):
        row = db.rows(
            f"SELECT run_uuid FROM runs ORDER BY run_uuid LIMIT 1 OFFSET {int(total * j // pieces)}"
        )
        if row and (not bounds or row[0][0] > bounds[-1]):
            bounds.append(str(row[0][0]))
    edges: list[str | None] = [None, *bounds, None]
    return [(edges[i], edges[i + 1]) for i in range(len(edges) - 1)]


# ---------------------------------------------------------------------------- tasks
def _grouped(rows: list[tuple[Any, ...]]) -> dict[Any, dict[str, Any]]:
    """``[(owner, key, value)]`` -> ``{owner: {key: value}}`` (null values dropped)."""
    out: dict[Any, dict[str, Any]] = defaultdict(dict)
    for owner, key, value in rows:
        if value is not None:
            out[owner][str(key)] = value
    return out


def _doc(names: Sequence[str], values: Sequence[Any]) -> dict[str, Any]:
    return {n: v for n, v in zip(names, values, strict=True) if v is not None and v != ""}


def _experiments_task(uri: str, display: str | None = None) -> Iterator[Record]:
    db = Database(uri, display)
    try:
        cols = db.select("experiments", ("name", "artifact_location"))
        has_tags = bool(db.columns("experiment_tags"))
        after: int | None = None
        while True:
            where = "" if after is None else "WHERE experiment_id > :after"
            page = db.rows(
                f"SELECT experiment_id, {', '.join(db.q(c) for c in cols)} FROM experiments {where} "
                f"ORDER BY experiment_id LIMIT {PAGE}",
                {} if after is None else {"after": after},
            )
            if not page:
                return
            lo, hi = page[0][0], page[-1][0]
            tags = (
                _grouped(
                    db.rows(
                        f"SELECT experiment_id, {db.q('key')}, value FROM experiment_tags "
                        "WHERE experiment_id >= :lo AND experiment_id <= :hi",
                        {"lo": lo, "hi": hi},
                    )
                )
                if has_tags
                else {}
            )
            for row in page:
                doc = _doc(cols, row[1:])
                doc["tags"] = tags.get(row[0], {})
                yield Record(db.display, ("experiments", str(row[0])), doc, experiment=str(row[0]))
            if len(page) < PAGE:
                return
            after = hi
    finally:
        db.close()


def _runs_task(uri: str, display: str | None, lo: str | None, hi: str | None) -> Iterator[Record]:
    """Runs with ``lo < run_uuid <= hi``, page by page."""
    db = Database(uri, display)
    try:
        cols = db.select("runs", _RUN_COLUMNS)
        key = db.q("key")
        has_inputs = bool(db.columns("inputs")) and bool(db.columns("datasets"))
        has_input_tags = has_inputs and bool(db.columns("input_tags"))
        ds_cols = [(name, col) for name, col in _DATASET_COLUMNS if col in db.columns("datasets")]
        after = lo
        while True:
            conds = []
            if after is not None:
                conds.append("run_uuid > :after")
            if hi is not None:
                conds.append("run_uuid <= :hi")
            where = ("WHERE " + " AND ".join(conds)) if conds else ""
            page = db.rows(
                f"SELECT run_uuid, experiment_id, {', '.join(db.q(c) for c in cols)} FROM runs {where} "
                f"ORDER BY run_uuid LIMIT {PAGE}",
                {k: v for k, v in (("after", after), ("hi", hi)) if v is not None},
            )
            if not page:
                return
            rng = {"lo": page[0][0], "hi": page[-1][0]}
            between = "run_uuid >= :lo AND run_uuid <= :hi"
            params = _grouped(db.rows(f"SELECT run_uuid, {key}, value FROM params WHERE {between}", rng))
            tags = _grouped(db.rows(f"SELECT run_uuid, {key}, value FROM tags WHERE {between}", rng))
            inputs = _run_inputs(db, rng, ds_cols, has_input_tags) if has_inputs else {}
            for row in page:
                run_id = row[0]
                doc = _doc(cols, row[2:])
                doc["params"] = params.pop(run_id, {})
                doc["tags"] = tags.pop(run_id, {})
                run_inputs = inputs.pop(run_id, None)
                if run_inputs:
                    doc["inputs"] = sorted(run_inputs, key=input_order)
                yield Record(db.display, ("runs", str(run_id)), doc, experiment=str(row[1]))
            if len(page) < PAGE:
                return
            after = page[-1][0]
    finally:
        db.close()


def _run_inputs(
    db: Database, rng: dict[str, Any], ds_cols: list[tuple[str, str]], with_tags: bool
) -> dict[str, list[dict[str, Any]]]:
    cond = (
        "i.source_type = 'DATASET' AND i.destination_type = 'RUN' "
        "AND i.destination_id >= :lo AND i.destination_id <= :hi"
    )
    rows = db.rows(
        f"SELECT i.destination_id, i.input_uuid, {', '.join('d.' + db.q(c) for _, c in ds_cols)} "
        f"FROM inputs i JOIN datasets d ON d.dataset_uuid = i.source_id WHERE {cond}",
        rng,
    )
    tags: dict[Any, dict[str, Any]] = {}
    if with_tags and rows:
        tags = _grouped(
            db.rows(
                "SELECT t.input_uuid, t.name, t.value FROM input_tags t "
                f"JOIN inputs i ON i.input_uuid = t.input_uuid WHERE {cond}",
                rng,
            )
        )
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    names = [name for name, _ in ds_cols]
    for row in rows:
        item = _doc(names, row[2:])
        item["tags"] = tags.get(row[1], {})
        out[row[0]].append(item)
    return out


def _logged_models_task(uri: str, display: str | None = None) -> Iterator[Record]:
    db = Database(uri, display)
    try:
        cols = db.select("logged_models", ("name", "artifact_location", "model_type", "status_message"))
        has_params = bool(db.columns("logged_model_params"))
        has_tags = bool(db.columns("logged_model_tags"))
        after: str | None = None
        while True:
            where = "" if after is None else "WHERE model_id > :after"
            page = db.rows(
                f"SELECT model_id, {', '.join(db.q(c) for c in cols)} FROM logged_models {where} "
                f"ORDER BY model_id LIMIT {PAGE}",
                {} if after is None else {"after": after},
            )
            if not page:
                return
            rng = {"lo": page[0][0], "hi": page[-1][0]}
            between = "model_id >= :lo AND model_id <= :hi"
            params = (
                _grouped(
                    db.rows(
                        f"SELECT model_id, param_key, param_value FROM logged_model_params WHERE {between}",
                        rng,
                    )
                )
                if has_params
                else {}
            )
            tags = (
                _grouped(
                    db.rows(
                        f"SELECT model_id, tag_key, tag_value FROM logged_model_tags WHERE {between}", rng
                    )
                )
                if has_tags
                else {}
            )
            for row in page:
                doc = _doc(cols, row[1:])
                doc["params"] = params.get(row[0], {})
                doc["tags"] = tags.get(row[0], {})
                yield Record(db.display, ("logged_models", str(row[0])), doc)
            if len(page) < PAGE:
                return
            after = page[-1][0]
    finally:
        db.close()


def _registry_task(uri: str, display: str | None = None) -> Iterator[Record]:
    """Registered models and their versions, by pages of model names (every workspace)."""
    db = Database(uri, display)
    try:
        ws = "workspace" in db.columns("registered_models")
        wcol = ", workspace" if ws else ""
        key = db.q("key")
        vcols = db.select("model_versions", _VERSION_COLUMNS)
        tables = ("registered_model_tags", "model_versions", "model_version_tags")
        has = {t: bool(db.columns(t)) for t in tables}
        ws_in = {t: "workspace" in db.columns(t) for t in tables}
        wsel = {t: ", workspace" if ws_in[t] else ", NULL" for t in tables}

        def wkey(table: str, w: Any) -> Any:
            return w if ws_in[table] else None

        after: str | None = None
        while True:
            where = "" if after is None else "WHERE name > :after"
            names = db.rows(
                f"SELECT DISTINCT name FROM registered_models {where} ORDER BY name LIMIT {PAGE}",
                {} if after is None else {"after": after},
            )
            if not names:
                return
            rng = {"lo": names[0][0], "hi": names[-1][0]}
            between = "name >= :lo AND name <= :hi"
            models = db.rows(f"SELECT name, description{wcol} FROM registered_models WHERE {between}", rng)
            tags: dict[tuple[Any, Any], dict[str, Any]] = defaultdict(dict)
            if has["registered_model_tags"]:
                for name, k, v, w in db.rows(
                    f"SELECT name, {key}, value{wsel['registered_model_tags']} FROM registered_model_tags "
                    f"WHERE {between}",
                    rng,
                ):
                    if v is not None:
                        tags[(w, name)][str(k)] = v
            versions: dict[tuple[Any, Any], list[tuple[Any, ...]]] = defaultdict(list)
            if has["model_versions"]:
                for row in db.rows(
                    f"SELECT name, version, {', '.join(db.q(c) for c in vcols)}{wsel['model_versions']} "
                    "FROM model_versions "
                    f"WHERE {between} ORDER BY name, version",
                    rng,
                ):
                    versions[(row[-1], row[0])].append(row)
            vtags: dict[tuple[Any, Any, Any], dict[str, Any]] = defaultdict(dict)
            if has["model_version_tags"]:
                for name, version, k, v, w in db.rows(
                    f"SELECT name, version, {key}, value{wsel['model_version_tags']} FROM model_version_tags "
                    f"WHERE {between}",
                    rng,
                ):
                    if v is not None:
                        vtags[(w, name, str(version))][str(k)] = v
            for row in sorted(models, key=lambda r: (str(r[-1] if ws else ""), r[0])):
                name, description = row[0], row[1]
                w = row[2] if ws else None
                prefix = model_prefix(str(name), w)
                doc = _doc(("name", "description"), (name, description))
                doc["tags"] = tags.get((wkey("registered_model_tags", w), name), {})
                yield Record(db.display, prefix, doc)
                for vrow in versions.get((wkey("model_versions", w), name), []):
                    version = str(vrow[1])
                    vdoc = _doc(vcols, vrow[2:-1])
                    vdoc["tags"] = vtags.get((wkey("model_version_tags", w), name, version), {})
                    yield Record(db.display, (*prefix, "versions", version), vdoc)
            if len(names) < PAGE:
                return
            after = names[-1][0]
    finally:
        db.close()
