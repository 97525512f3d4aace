"""The ``redact+<scheme>`` tracking store: MLflow's own store for ``<scheme>``, with every
string that carries user metadata redacted before it is written.

Registered as the ``mlflow.tracking_store`` entry points ``redact+file``,
``redact+sqlite``, ``redact+postgresql``, ``redact+mysql``, ``redact+http`` and
``redact+https``, so ``MLFLOW_TRACKING_URI=redact+sqlite:///mlflow.db`` is the whole setup.
The policy comes from ``REDACT_POLICY`` (a path or a built-in name; default ``default``)
and is compiled into one Redactor when MLflow builds the store (once per URI).

Redacted: experiment names (create, rename, and lookup by name, so ``set_experiment``
finds what it created) and tags; run names, user ids and tags at creation; run names on
update; params and tags of ``log_param``, ``set_tag``, ``log_batch`` and their ``_async``
variants (redacted before they are queued, so a block raises in the caller); dataset
inputs (name, source, schema, profile and input tags; the digest is lineage and is kept);
logged-model params and tags; metric keys (``log_metric``, ``log_batch``; metric values
are numbers and pass unchanged); GenAI assessments (``log_feedback``, ``log_expectation``
and their updates: name, value, rationale, metadata and source) and evaluation datasets
(name, tags and every record). Every key is scanned too: a key holding a finding is
stored under a valid MLflow name made from its redacted form (see
:func:`~redact.integrations.mlflow._common.safe_key`), and ``get_metric_history`` by the
key the caller logged finds it. Every other method (reads, deletes, artifacts) passes
through attribute delegation; traces and artifacts are redacted by their own modules.

A ``block`` raises :class:`~redact.integrations.mlflow.BlockedByPolicy` (a
:class:`redact.errors.Blocked` and an MLflow ``BAD_REQUEST`` error) and nothing
is written; a dropped param or tag is not written; a failure of redaction itself raises
and nothing is written. Errors of the backend reach the caller unchanged.
"""

from __future__ import annotations

import dataclasses
import inspect
import os
import sys
from typing import Any

from redact._redactor import Redactor
from redact.errors import Blocked, RedactError
from redact.integrations.guard import redactor_for
from redact.integrations.mlflow._common import (
    DROPPED,
    BlockedByPolicy,
    Delegating,
    RedactionFailed,
    optional_value,
    rebuild,
    required_value,
    safe_name,
    with_key,
)
from redact.integrations.mlflow._uri import inner_uri, install_artifact_uri_fix
from redact.integrations.mlflow.artifacts import install_artifact_redaction
from redact.integrations.mlflow.logs import install_log_backstop
from redact.integrations.mlflow.tracing import install_tracing_for_store, redact_span, redact_trace_info

__all__ = ["RedactingTrackingStore", "build_tracking_store"]

_RUN_NAME = "mlflow.runName"
_USER = "mlflow.user"
_SERVER_BACKEND_ENV = "_MLFLOW_SERVER_FILE_STORE"  # mlflow.server.constants.BACKEND_STORE_URI_ENV_VAR


def _kv(section: str, entities: Any, *prefix: str) -> list[tuple[tuple[str, ...], Any]]:
    return [((*prefix, section, str(e.key)), e.value) for e in entities or ()]


class RedactingTrackingStore(Delegating):
    """A tracking store that redacts, then delegates to ``inner``."""

    def __init__(self, inner: Any, uri: str, redactor: Redactor | None = None) -> None:
        super().__init__(inner, uri, redactor or redactor_for())

    def __reduce__(self) -> tuple[Any, ...]:
        return (build_tracking_store, (self._uri,))

    # ------------------------------------------------------------------ experiments
    def create_experiment(self, name: Any, artifact_location: Any = None, tags: Any = None) -> Any:
        tags = list(tags or [])
        items = self._items(
            [
                (("experiment", "name"), name),
                (("experiment", "artifact_location"), artifact_location),
                *_kv("tags", tags),
            ]
        )
        name = required_value(items[0][1], "/experiment/name")
        location = optional_value(items[1][1])
        return self._inner.create_experiment(name, location, rebuild(tags, items[2:]))

    def get_experiment_by_name(self, experiment_name: Any) -> Any:
        # the name was redacted when the experiment was created: look up the same output
        (name,) = self._redact([(("experiment", "name"), experiment_name)])
        return self._inner.get_experiment_by_name(required_value(name, "/experiment/name"))

    def rename_experiment(self, experiment_id: Any, new_name: Any) -> Any:
        (name,) = self._redact([(("experiment", "name"), new_name)])
        return self._inner.rename_experiment(experiment_id, required_value(name, "/experiment/name"))

    def set_experiment_tag(self, experiment_id: Any, tag: Any) -> Any:
        kept = rebuild([tag], self._items(_kv("tags", [tag])))
        return self._inner.set_experiment_tag(experiment_id, kept[0]) if kept else None

    # ------------------------------------------------------------------ runs
    def create_run(self, experiment_id: Any, user_id: Any, start_time: Any, tags: Any, run_name: Any) -> Any:
        tags = list(tags or [])
        fields = _kv("tags", tags)
        by_key = {str(t.key): (i, t.value) for i, t in enumerate(tags)}
        extra: dict[str, int] = {}  # run_name / user_id -> index of its value in ``fields``
        for key, value in ((_RUN_NAME, run_name), (_USER, user_id)):
            if value is None:
                continue
            same = by_key.get(key)
            if same is not None and same[1] == value:
                extra[key] = same[0]  # equal to its tag: one value, one (equal) output
            else:
                extra[key] = len(fields)
                fields.append((("tags", key), value))
        items = self._items(fields)
        values = [v for _, v in items]
        if run_name is not None:
            run_name = optional_value(values[extra[_RUN_NAME]])
        if user_id is not None:
            user_id = values[extra[_USER]]
            user_id = "unknown" if user_id is DROPPED else user_id
        tags = rebuild(tags, items[: len(tags)])
        return self._inner.create_run(
            experiment_id=experiment_id, user_id=user_id, start_time=start_time, tags=tags, run_name=run_name
        )

    def update_run_info(self, run_id: Any, run_status: Any, end_time: Any, run_name: Any) -> Any:
        if run_name is not None:
            (value,) = self._redact([(("tags", _RUN_NAME), run_name)])
            run_name = optional_value(value)
        return self._inner.update_run_info(run_id, run_status, end_time, run_name)

    def log_param(self, run_id: Any, param: Any) -> Any:
        kept = rebuild([param], self._items(_kv("params", [param])))
        return self._inner.log_param(run_id, kept[0]) if kept else None

    def log_param_async(self, run_id: Any, param: Any) -> Any:
        kept = rebuild([param], self._items(_kv("params", [param])))
        return self._inner.log_param_async(run_id, kept[0]) if kept else _done()

    def set_tag(self, run_id: Any, tag: Any) -> Any:
        kept = rebuild([tag], self._items(_kv("tags", [tag])))
        return self._inner.set_tag(run_id, kept[0]) if kept else None

    def set_tag_async(self, run_id: Any, tag: Any) -> Any:
        kept = rebuild([tag], self._items(_kv("tags", [tag])))
        return self._inner.set_tag_async(run_id, kept[0]) if kept else _done()

    def _batch(self, params: Any, tags: Any, metrics: Any = None) -> tuple[list[Any], list[Any], list[Any]]:
        params, tags, metrics = list(params or []), list(tags or []), list(metrics or [])
        items = self._items([*_kv("params", params), *_kv("tags", tags), *_metric_fields(metrics)])
        n, m = len(params), len(params) + len(tags)
        return rebuild(params, items[:n]), rebuild(tags, items[n:m]), _metrics(metrics, items[m:])

    def log_metric(self, run_id: Any, metric: Any) -> Any:
        kept = _metrics([metric], self._items(_metric_fields([metric])))
        return self._inner.log_metric(run_id, kept[0]) if kept else None

    def log_metric_async(self, run_id: Any, metric: Any) -> Any:
        kept = _metrics([metric], self._items(_metric_fields([metric])))
        return self._inner.log_metric_async(run_id, kept[0]) if kept else _done()

    def log_batch(self, run_id: Any, metrics: Any, params: Any, tags: Any) -> Any:
        params, tags, metrics = self._batch(params, tags, metrics)
        return self._inner.log_batch(run_id=run_id, metrics=metrics, params=params, tags=tags)

    def log_batch_async(self, run_id: Any, metrics: Any, params: Any, tags: Any) -> Any:
        # redacted here, before the queue: a block raises in the caller, not in a worker
        params, tags, metrics = self._batch(params, tags, metrics)
        return self._inner.log_batch_async(run_id=run_id, metrics=metrics, params=params, tags=tags)

    def _metric_key(self, metric_key: Any) -> Any:
        """The key a metric was stored under (a read by the key the user logged finds it)."""
        if not isinstance(metric_key, str):
            return metric_key
        ((key, _),) = self._items([(("metrics", metric_key), 0.0)])
        return key

    def get_metric_history(self, run_id: Any, metric_key: Any, *args: Any, **kwargs: Any) -> Any:
        return self._inner.get_metric_history(run_id, self._metric_key(metric_key), *args, **kwargs)

    # ------------------------------------------------------------------ inputs
    def log_inputs(self, run_id: Any, datasets: Any = None, models: Any = None) -> Any:
        if datasets:
            datasets = [self._dataset_input(d) for d in datasets]
        return self._inner.log_inputs(run_id=run_id, datasets=datasets, models=models)

    def _dataset_input(self, dataset_input: Any) -> Any:
        from mlflow.entities import Dataset, DatasetInput

        ds = dataset_input.dataset
        tags = list(dataset_input.tags or [])
        items = self._items(
            [
                (("dataset", "name"), ds.name),
                (("dataset", "source"), ds.source),
                (("dataset", "schema"), ds.schema),
                (("dataset", "profile"), ds.profile),
                *_kv("tags", tags, "dataset"),
            ]
        )
        values = [v for _, v in items]
        name = required_value(values[0], "/dataset/name")
        source = required_value(values[1], "/dataset/source")
        schema, profile = optional_value(values[2]), optional_value(values[3])
        new_tags = rebuild(tags, items[4:])
        if (name, source, schema, profile) == (ds.name, ds.source, ds.schema, ds.profile):
            new_ds = ds
        else:
            new_ds = Dataset(
                name=name, digest=ds.digest, source_type=ds.source_type, source=source,
                schema=schema, profile=profile,
            )  # fmt: skip
        if (
            new_ds is ds
            and len(new_tags) == len(tags)
            and all(a is b for a, b in zip(new_tags, tags, strict=True))
        ):
            return dataset_input
        return DatasetInput(dataset=new_ds, tags=new_tags)

    # ------------------------------------------------------------------ logged models
    def create_logged_model(
        self,
        experiment_id: Any,
        name: Any = None,
        source_run_id: Any = None,
        tags: Any = None,
        params: Any = None,
        model_type: Any = None,
    ) -> Any:
        if name is not None:
            (value,) = self._redact([(("logged_model", "name"), name)])
            name = safe_name(name, required_value(value, "/logged_model/name"))
        if tags is not None or params is not None:
            p, t, _ = self._batch(params, tags)
            params = p if params is not None else None
            tags = t if tags is not None else None
        return self._inner.create_logged_model(
            experiment_id=experiment_id, name=name, source_run_id=source_run_id,
            tags=tags, params=params, model_type=model_type,
        )  # fmt: skip

    def set_logged_model_tags(self, model_id: Any, tags: Any) -> Any:
        _, kept, _ = self._batch([], tags)
        return self._inner.set_logged_model_tags(model_id, kept)

    def log_logged_model_params(self, model_id: Any, params: Any) -> Any:
        kept, _, _ = self._batch(params, [])
        return self._inner.log_logged_model_params(model_id=model_id, params=kept)

    # ------------------------------------------------------------------ traces
    def _trace_call(self, fn: Any) -> Any:
        try:
            return fn()
        except Blocked as exc:
            raise BlockedByPolicy(exc.pointer, exc.category, exc.detector, str(exc)) from None
        except RedactError:
            raise
        except Exception as exc:  # fail closed
            raise RedactionFailed(
                f"redaction failed ({type(exc).__name__}); nothing was sent to the tracking store"
            ) from None

    def start_trace(self, trace_info: Any) -> Any:
        info = self._trace_call(lambda: redact_trace_info(trace_info, self.redactor))
        return self._inner.start_trace(info)

    def log_spans(self, location: Any, spans: Any, *args: Any, **kwargs: Any) -> Any:
        red = self._trace_call(lambda: [redact_span(s, self.redactor) for s in spans])
        return self._inner.log_spans(location, red, *args, **kwargs)

    async def log_spans_async(self, location: Any, spans: Any, *args: Any, **kwargs: Any) -> Any:
        red = self._trace_call(lambda: [redact_span(s, self.redactor) for s in spans])
        return await self._inner.log_spans_async(location, red, *args, **kwargs)

    # ------------------------------------------------------------------ GenAI assessments and datasets
    def _assessment_fields(
        self, name: Any, rationale: Any, metadata: Any, values: dict[str, Any]
    ) -> tuple[Any, Any, Any, dict[str, Any]]:
        """An assessment's name (required), rationale, metadata (keys scanned) and the
        given ``values`` (feedback or expectation value, source: each required)."""
        meta = dict(metadata or {})
        fields: list[tuple[tuple[str, ...], Any]] = [
            (("assessments", "name"), name),
            (("assessments", "rationale"), rationale),
        ]
        fields += [(("assessments", field), value) for field, value in values.items()]
        fields += [(("assessments", "metadata", str(k)), v) for k, v in meta.items()]
        items = self._items(fields)
        new_name = required_value(items[0][1], "/assessments/name") if name is not None else None
        new_values = {
            field: value if value is None else required_value(items[2 + i][1], f"/assessments/{field}")
            for i, (field, value) in enumerate(values.items())
        }
        new_meta = {k: v for k, v in items[2 + len(values) :] if v is not DROPPED}
        return new_name, optional_value(items[1][1]), new_meta if metadata is not None else None, new_values

    def _redacted_assessment(self, assessment: Any) -> Any:
        """An assessment entity (``Feedback``, ``Expectation``) with its name, rationale,
        metadata, source and value redacted; ids and times kept."""
        from mlflow.entities import Assessment

        d = assessment.to_dictionary()
        source = d.get("source") or {}
        # (read under "source": a user or model name, not an id of ours to keep as lineage)
        values: dict[str, Any] = {"source": source.get("source_id")}
        kind = "feedback" if "feedback" in d else "expectation" if "expectation" in d else None
        body = (d.get(kind) or {}) if kind else {}
        serialized = body.get("serialized_value")
        if kind and "value" in body:
            values[kind] = body["value"]
        elif kind and isinstance(serialized, dict) and "value" in serialized:
            values[kind] = serialized["value"]
        name, rationale, meta, new = self._assessment_fields(
            d.get("assessment_name"), d.get("rationale"), d.get("metadata"), values
        )
        d["assessment_name"] = name
        for field, value in (("rationale", rationale), ("metadata", meta)):
            if value is None:
                d.pop(field, None)
            else:
                d[field] = value
        if source:
            d["source"] = {**source, "source_id": new["source"]}
        if kind and "value" in body:
            d[kind] = {**body, "value": new[kind]}
        elif kind and kind in new and isinstance(serialized, dict):
            d[kind] = {**body, "serialized_value": {**serialized, "value": new[kind]}}
        return Assessment.from_dictionary(d)

    def create_assessment(self, assessment: Any) -> Any:
        """Name, rationale, metadata, source and the feedback or expectation value of a
        GenAI assessment (``mlflow.log_feedback``, ``log_expectation``)."""
        return self._inner.create_assessment(self._trace_call(lambda: self._redacted_assessment(assessment)))

    def update_assessment(
        self,
        trace_id: Any,
        assessment_id: Any,
        name: Any = None,
        expectation: Any = None,
        feedback: Any = None,
        rationale: Any = None,
        metadata: Any = None,
        **kwargs: Any,
    ) -> Any:
        """The new name, rationale, metadata and value; the value comes as a value object
        (``FeedbackValue`` in process) or as a whole assessment (through REST and a server)."""
        from mlflow.entities import Assessment

        given = {"expectation": expectation, "feedback": feedback}

        def redacted() -> tuple[Any, ...]:
            values = {k: v.value for k, v in given.items() if v is not None and not isinstance(v, Assessment)}
            new_name, new_rationale, meta, new = self._assessment_fields(name, rationale, metadata, values)
            exp, fb = (
                None
                if v is None
                else self._redacted_assessment(v)
                if isinstance(v, Assessment)
                else dataclasses.replace(v, value=new[k])
                for k, v in given.items()
            )
            return new_name, exp, fb, new_rationale, meta

        new_name, exp, fb, new_rationale, meta = self._trace_call(redacted)
        return self._inner.update_assessment(
            trace_id,
            assessment_id,
            name=new_name,
            expectation=exp,
            feedback=fb,
            rationale=new_rationale,
            metadata=meta,
            **kwargs,
        )

    def _text_call(
        self,
        method: str,
        section: str,
        scalars: tuple[str, ...],
        lists: tuple[str, ...],
        required: tuple[str, ...],
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        """The inner store's ``method`` with its arguments bound by its signature and the
        named text arguments redacted (``lists``: lists of texts, a dropped item left out;
        ``required``: arguments a policy cannot drop); ids and enums pass unchanged."""
        inner = getattr(self._inner, method)
        bound = _signature(inner).bind(*args, **kwargs)
        given = bound.arguments

        def redact_given() -> None:
            names = [n for n in scalars if given.get(n) is not None]
            listed = [n for n in lists if given.get(n) is not None]
            fields: list[tuple[tuple[str, ...], Any]] = [((section, n), given[n]) for n in names]
            for n in listed:
                fields += [((section, n, str(i)), v) for i, v in enumerate(given[n])]
            values = [v for _, v in self._items(fields)]
            for n, v in zip(names, values, strict=False):
                given[n] = required_value(v, f"/{section}/{n}") if n in required else optional_value(v)
            rest = values[len(names) :]
            for n in listed:
                count = len(given[n])
                given[n] = [v for v in rest[:count] if v is not DROPPED]
                rest = rest[count:]

        self._trace_call(redact_given)
        return inner(*bound.args, **bound.kwargs)

    def create_issue(self, *args: Any, **kwargs: Any) -> Any:
        """A GenAI issue: name, description, root causes and categories (issue discovery
        writes them from what the traces showed) and its author; status and severity kept."""
        return self._text_call(
            "create_issue", "issues", _ISSUE_TEXT, ("root_causes", "categories"), ("name", "description"),
            *args, **kwargs,
        )  # fmt: skip

    def update_issue(self, *args: Any, **kwargs: Any) -> Any:
        return self._text_call("update_issue", "issues", _ISSUE_TEXT, (), (), *args, **kwargs)

    def create_label_schema(self, *args: Any, **kwargs: Any) -> Any:
        """A label schema's name and the instruction shown to reviewers."""
        return self._text_call(
            "create_label_schema", "label_schemas", ("name", "instruction"), (), ("name",), *args, **kwargs
        )

    def update_label_schema(self, *args: Any, **kwargs: Any) -> Any:
        return self._text_call(
            "update_label_schema", "label_schemas", ("name", "instruction"), (), (), *args, **kwargs
        )

    def get_label_schema_by_name(self, *args: Any, **kwargs: Any) -> Any:
        """Looked up by its name redacted as it was stored."""
        return self._text_call(
            "get_label_schema_by_name", "label_schemas", ("name",), (), ("name",), *args, **kwargs
        )

    def _tags(self, section: str, tags: Any) -> Any:
        if not tags:
            return tags
        items = self._items([((section, "tags", str(k)), v) for k, v in dict(tags).items()])
        return {k: v for k, v in items if v is not DROPPED}

    def create_dataset(self, name: Any, tags: Any = None, experiment_ids: Any = None, **kwargs: Any) -> Any:
        """A GenAI evaluation dataset's name (required) and tags."""
        ((_, new_name),) = self._items([(("datasets", "name"), name)])
        new_name = required_value(new_name, "/datasets/name")
        return self._inner.create_dataset(new_name, self._tags("datasets", tags), experiment_ids, **kwargs)

    def set_dataset_tags(self, dataset_id: Any, tags: Any, **kwargs: Any) -> Any:
        return self._inner.set_dataset_tags(dataset_id, self._tags("datasets", tags), **kwargs)

    def upsert_dataset_records(self, dataset_id: Any, records: Any, **kwargs: Any) -> Any:
        """Every record (inputs, expectations, outputs, tags, source) with its keys as context."""
        red = self._trace_call(
            lambda: self.redactor.redact([dict(r) for r in records], ("datasets", "records")).value
        )
        return self._inner.upsert_dataset_records(dataset_id, red, **kwargs)

    def set_trace_tag(self, trace_id: Any, key: Any, value: Any) -> Any:
        ((new_key, new),) = self._items([(("trace", "tags", str(key)), value)])
        if new is DROPPED:
            return None
        return self._inner.set_trace_tag(trace_id, new_key, new)


_ISSUE_TEXT = ("name", "description", "created_by")


def _metric_fields(metrics: list[Any]) -> list[tuple[tuple[str, ...], Any]]:
    return [(("metrics", str(m.key)), m.value) for m in metrics]


def _metrics(metrics: list[Any], items: list[tuple[str, Any]]) -> list[Any]:
    """Metrics under their redacted keys; a metric whose value a policy dropped or turned
    into text is not logged."""
    out = []
    for metric, (key, value) in zip(metrics, items, strict=True):
        if value is DROPPED or (value is not metric.value and not isinstance(value, (int, float))):
            continue
        out.append(with_key(metric, key))
    return out


def _done() -> Any:
    from mlflow.utils.async_logging.run_operations import RunOperations

    return RunOperations(operation_futures=[])  # type: ignore[no-untyped-call]


def _server_registry(store_uri: str) -> Any:
    """Inside ``mlflow server --backend-store-uri redact+...`` the server's own registry
    builds the wrapped store (its artifact root and read-replica handling)."""
    if os.environ.get(_SERVER_BACKEND_ENV) != store_uri:
        return None
    handlers = sys.modules.get("mlflow.server.handlers")
    return getattr(handlers, "_tracking_store_registry", None)


def build_tracking_store(store_uri: str, artifact_uri: str | None = None) -> RedactingTrackingStore:
    """Entry point of the ``mlflow.tracking_store`` group for every ``redact+<scheme>``."""
    from mlflow.tracking._tracking_service.utils import _tracking_store_registry

    install_artifact_uri_fix()
    install_artifact_redaction()
    install_tracing_for_store()
    install_log_backstop()
    policy_redactor = redactor_for()  # a policy that fails to load fails here
    registry = _server_registry(store_uri) or _tracking_store_registry
    target = inner_uri(store_uri)
    inner = registry.get_store_builder(target)(store_uri=target, artifact_uri=artifact_uri)
    return RedactingTrackingStore(inner, store_uri, policy_redactor)


_SIGNATURES: dict[Any, inspect.Signature] = {}


def _signature(method: Any) -> inspect.Signature:
    """``inspect.signature`` of a bound method, computed once per function (the store's
    class does not change between calls)."""
    key = getattr(method, "__func__", method)
    sig = _SIGNATURES.get(key)
    if sig is None:
        sig = _SIGNATURES[key] = inspect.signature(method)
    return sig
