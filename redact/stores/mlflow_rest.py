"""MLflow tracking servers (``http://``, ``https://``) read through ``MlflowClient``, paged.

Experiments (``ViewType.ALL``: deleted ones too), their runs (``ViewType.ALL``), logged
models (MLflow 3), registered models and all their versions, with the documents and
pointers of :mod:`redact.stores.mlflow_sql` (the REST API has no ``source_name``,
``entry_point_name``, ``source_version`` run fields nor a version's ``storage_location``).
Credentials come from the usual MLflow settings (``MLFLOW_TRACKING_TOKEN``,
``MLFLOW_TRACKING_USERNAME``/``PASSWORD``, or userinfo in the URI); reports show the URI
without them. Runs are read one experiment per task, 1,000 per request.
"""

from __future__ import annotations

import functools
import urllib.parse
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from redact._result import safe_source
from redact.errors import InputError
from redact.stores.base import Record, Task, static_task
from redact.stores.mlflow_files import input_order, model_prefix

__all__ = ["plan"]

T = TypeVar("T")
_RUNS_PAGE = 1000
_MODELS_PAGE = 1000
_VERSIONS_PAGE = 10000


def _client(uri: str) -> Any:
    try:
        from mlflow import MlflowClient
    except ImportError:
        raise InputError(
            f'{safe_source(uri)}: reading an MLflow server needs mlflow: pip install "redact-ml[mlflow]"'
        ) from None
    return MlflowClient(tracking_uri=uri, registry_uri=uri)


def _call(uri: str, what: str, fn: Callable[[], T]) -> T:
    """``fn()``, with any failure as an InputError that names the server without credentials."""
    try:
        return fn()
    except InputError:
        raise
    except Exception as exc:
        text = (str(exc).strip().splitlines() or [""])[0]
        parts = urllib.parse.urlsplit(uri)
        for secret in (parts.password, parts.username and parts.netloc.rpartition("@")[0]):
            if secret:
                text = text.replace(secret, "****")
        raise InputError(f"{safe_source(uri)}: cannot {what}: {type(exc).__name__}: {text[:300]}") from None


def _pages(uri: str, what: str, search: Callable[[str | None], Any]) -> Iterator[Any]:
    token: str | None = None
    while True:
        page = _call(uri, what, functools.partial(search, token))
        yield from page
        token = getattr(page, "token", None)
        if not token:
            return


def _clean(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if v is not None and v != ""}


def plan(uri: str, parts: int = 1) -> Iterator[Task]:
    """Experiments (records made here, a page at a time), then one task per experiment's
    runs, logged models per page of experiments, then the registry."""
    client = _client(uri)  # first: names the extra to install when mlflow is missing
    from mlflow.entities import ViewType

    display = safe_source(uri)
    token: str | None = None
    while True:
        page = _call(
            uri,
            "list experiments",
            functools.partial(
                client.search_experiments, view_type=ViewType.ALL, max_results=1000, page_token=token
            ),
        )
        records = []
        for exp in page:
            doc = _clean({"name": exp.name, "artifact_location": exp.artifact_location})
            doc["tags"] = dict(exp.tags or {})
            exp_id = str(exp.experiment_id)
            records.append(Record(display, ("experiments", exp_id), doc, experiment=exp_id))
        yield static_task(records)
        ids = tuple(str(exp.experiment_id) for exp in page)
        for exp_id in ids:
            yield functools.partial(_runs_task, uri, exp_id)
        if ids and hasattr(client, "search_logged_models"):
            yield functools.partial(_logged_models_task, uri, ids)
        token = getattr(page, "token", None)
        if not token:
            break
    yield functools.partial(_registry_task, uri)


def _runs_task(uri: str, experiment_id: str) -> Iterator[Record]:
    client = _client(uri)  # first: names the extra to install when mlflow is missing
    from mlflow.entities import ViewType

    display = safe_source(uri)

    def search(token: str | None) -> Any:
        return client.search_runs(
            [experiment_id], run_view_type=ViewType.ALL, max_results=_RUNS_PAGE, page_token=token
        )

    for run in _pages(uri, f"search the runs of experiment {experiment_id}", search):
        info, data = run.info, run.data
        doc = _clean({"name": info.run_name, "user_id": info.user_id, "artifact_uri": info.artifact_uri})
        doc["params"] = dict(data.params or {})
        doc["tags"] = dict(data.tags or {})
        inputs = []
        for di in getattr(run.inputs, "dataset_inputs", None) or []:
            ds = di.dataset
            item = _clean(
                {
                    "name": ds.name,
                    "digest": ds.digest,
                    "source_type": ds.source_type,
                    "source": ds.source,
                    "schema": ds.schema,
                    "profile": ds.profile,
                }
            )
            item["tags"] = {t.key: t.value for t in (di.tags or [])}
            inputs.append(item)
        if inputs:
            doc["inputs"] = sorted(inputs, key=input_order)
        yield Record(display, ("runs", str(info.run_id)), doc, experiment=str(info.experiment_id))


def _logged_models_task(uri: str, experiment_ids: tuple[str, ...]) -> Iterator[Record]:
    client = _client(uri)
    display = safe_source(uri)

    def search(token: str | None) -> Any:
        return client.search_logged_models(experiment_ids=list(experiment_ids), page_token=token)

    for model in _pages(uri, "search logged models", search):
        doc = _clean(
            {
                "name": model.name,
                "artifact_location": model.artifact_location,
                "model_type": model.model_type,
                "status_message": model.status_message,
            }
        )
        doc["params"] = dict(model.params or {})
        doc["tags"] = dict(model.tags or {})
        yield Record(display, ("logged_models", str(model.model_id)), doc)


def _name_filter(name: str) -> str:
    if "'" not in name:
        return f"name = '{name}'"
    if '"' not in name:
        return f'name = "{name}"'
    raise InputError("a registered model name that holds both quote characters cannot be searched")


def _registry_task(uri: str) -> Iterator[Record]:
    client = _client(uri)
    display = safe_source(uri)

    def models(token: str | None) -> Any:
        return client.search_registered_models(max_results=_MODELS_PAGE, page_token=token)

    for rm in _pages(uri, "search registered models", models):
        prefix = model_prefix(str(rm.name), getattr(rm, "workspace", None))
        doc = _clean({"name": rm.name, "description": rm.description})
        doc["tags"] = dict(rm.tags or {})
        yield Record(display, prefix, doc)
        flt = _name_filter(str(rm.name))

        def versions(token: str | None, flt: str = flt) -> Any:
            return client.search_model_versions(
                filter_string=flt, max_results=_VERSIONS_PAGE, page_token=token
            )

        found = _pages(uri, f"search the versions of model {rm.name!r}", versions)
        for mv in sorted(found, key=lambda v: int(v.version)):
            vdoc = _clean(
                {
                    "source": mv.source,
                    "description": mv.description,
                    "run_link": mv.run_link,
                    "user_id": mv.user_id,
                    "status_message": mv.status_message,
                }
            )
            vdoc["tags"] = dict(mv.tags or {})
            yield Record(display, (*prefix, "versions", str(mv.version)), vdoc)
