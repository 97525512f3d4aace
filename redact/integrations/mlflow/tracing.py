"""MLflow Tracing: every span redacted before it is exported, and trace writes a store receives.

Client side, MLflow applies ``mlflow.tracing.configure(span_processors=[...])`` to each
span as it ends, before any exporter sees it. :func:`install_tracing` appends one
processor that redacts the span's inputs, outputs, every other attribute, its events
(exception messages and stack traces included) and its status message; at the root
span, the trace's tags and metadata (``mlflow.update_current_trace``) too. Names, trace and
span ids, parents, timings and span types are not changed. It runs automatically when a
``redact+`` tracking store is built in the process; for any other set-up (a plain
``http://`` server, Databricks, an OTLP exporter) it is one call:

.. code-block:: python

    from redact.integrations.mlflow import install_tracing
    install_tracing()                  # or install_tracing(policy="team.yaml")

Server side, :class:`~redact.integrations.mlflow.RedactingTrackingStore` redacts the
trace writes it receives (``start_trace``: tags, metadata, request and response
previews; ``log_spans``; ``set_trace_tag``) with :func:`redact_span` and
:func:`redact_trace_info`, so ``mlflow server --backend-store-uri redact+...`` covers
clients that install nothing.

A span processor cannot stop an export: when redaction blocks or fails, every attribute
value of the span is replaced by ``[REDACTED:withheld]`` (fail closed).
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable
from typing import Any

from redact._redactor import Redactor
from redact.integrations.guard import PolicyLike, redactor_for

__all__ = ["install_tracing", "uninstall_tracing", "span_processor", "redact_span", "redact_trace_info"]

WITHHELD = "[REDACTED:withheld]"
# identifiers and structure: never changed
_STRUCTURAL = frozenset(
    {
        "mlflow.traceRequestId",
        "mlflow.spanType",
        "mlflow.spanLogLevel",
        "mlflow.spanFunctionName",
        "mlflow.chat.tokenUsage",
    }
)
_SPAN_KEEP = frozenset(
    {"trace_id", "span_id", "parent_span_id", "name", "start_time_unix_nano", "end_time_unix_nano",
     "trace_state", "flags", "kind", "links", "dropped_attributes_count", "dropped_events_count",
     "dropped_links_count", "time_unix_nano", "code"}
)  # fmt: skip
_lock = threading.Lock()


def _span_name(name: Any, redactor: Redactor) -> str:
    """A span's name as it may leave: redacted like any value (``lookup jane@example.com``
    -> ``lookup ****@example.com``), or withheld when the policy blocks or drops it or
    inspecting it fails."""
    if not isinstance(name, str) or not name:
        return name if isinstance(name, str) else WITHHELD
    try:
        new = redactor.redact({"name": name}, ("span",)).value.get("name")
    except Exception:  # a block or a failure: the raw name never leaves
        return WITHHELD
    return new if isinstance(new, str) and new else WITHHELD


def _changed(old: Any, new: Any) -> bool:
    return type(old) is not type(new) or old != new


def _redact_live(span: Any, redactor: Redactor) -> None:
    otel = span._span
    raw = dict(otel.attributes or {})
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key in _STRUCTURAL:
            continue
        values[key] = span._attributes.get(key) if isinstance(value, str) else value
    events = list(otel.events or ())
    status = otel.status
    doc = {
        "attributes": values,
        "events": [{"name": e.name, "attributes": dict(e.attributes or {})} for e in events],
        "status": status.description or "",
    }
    red = redactor.redact(doc, ("span",)).value
    new_attrs = red.get("attributes", {})
    for key, old in values.items():
        new = new_attrs.get(key)
        if key in new_attrs and not _changed(old, new):
            continue
        if isinstance(raw[key], str) and _is_json(raw[key]):
            span.set_attribute(key, new)
        else:
            otel.set_attribute(key, "" if new is None else new)
    new_events = red.get("events", [])
    if new_events != doc["events"]:
        from opentelemetry.sdk.trace import Event

        rebuilt = otel._new_events()
        for old_ev, new_ev in zip(events, new_events + [{}] * (len(events) - len(new_events)), strict=True):
            attrs = {k: v for k, v in (new_ev.get("attributes") or {}).items() if v is not None}
            rebuilt.append(Event(str(new_ev.get("name", old_ev.name)), attrs, old_ev.timestamp))
        otel._events = rebuilt
    if status.description and red.get("status") != status.description:
        from opentelemetry.trace import Status

        otel._status = Status(status.status_code, str(red.get("status") or WITHHELD))
    name = _span_name(otel.name, redactor)
    if name != otel.name:
        otel._name = name
    if span.parent_id is None:
        _redact_live_trace_info(span.trace_id, redactor)


def _redact_live_trace_info(trace_id: str, redactor: Redactor) -> None:
    """At the root span's end: the trace's tags and metadata in the in-memory trace
    (``mlflow.update_current_trace``), redacted in place before the trace is exported."""
    from mlflow.tracing.trace_manager import InMemoryTraceManager

    with InMemoryTraceManager.get_instance().get_trace(trace_id) as trace:  # type: ignore[no-untyped-call]
        if trace is None:
            return
        info = trace.info
        doc = {"tags": dict(info.tags or {}), "trace_metadata": dict(info.trace_metadata or {})}
        red = redactor.redact(doc, ("trace",)).value
        if red != doc:
            info.tags = red.get("tags", {})
            info.trace_metadata = red.get("trace_metadata", {})


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def _withheld(key: str, value: str) -> str:
    return value if key.startswith("mlflow.") else WITHHELD


def _withhold_live(span: Any, redactor: Redactor) -> None:
    otel = span._span
    name = _span_name(otel.name, redactor)
    if name != otel.name:
        otel._name = name
    for key in list((otel.attributes or {}).keys()):
        if key not in _STRUCTURAL:
            otel.set_attribute(key, json.dumps(WITHHELD))
    from opentelemetry.sdk.trace import Event

    rebuilt = otel._new_events()
    for ev in otel.events or ():
        rebuilt.append(Event(ev.name, {}, ev.timestamp))
    otel._events = rebuilt
    if span.parent_id is None:
        from mlflow.tracing.trace_manager import InMemoryTraceManager

        with InMemoryTraceManager.get_instance().get_trace(span.trace_id) as trace:  # type: ignore[no-untyped-call]
            if trace is not None:
                trace.info.tags = {k: WITHHELD for k in trace.info.tags or {}}
                trace.info.trace_metadata = {
                    k: v if k.startswith("mlflow.") else WITHHELD
                    for k, v in (trace.info.trace_metadata or {}).items()
                }
    if otel.status.description:
        from opentelemetry.trace import Status

        otel._status = Status(otel.status.status_code, WITHHELD)


def span_processor(policy: PolicyLike = None) -> Callable[[Any], None]:
    """A span processor (one argument, a ``LiveSpan``) that redacts the span in place."""
    redactor = redactor_for(policy)

    def redact_span_processor(span):  # type: ignore[no-untyped-def]  # MLflow checks co_argcount
        try:
            _redact_live(span, redactor)
        except Exception:  # a block or a failure: nothing of the span's values leaves
            with contextlib.suppress(Exception):
                _withhold_live(span, redactor)

    redact_span_processor._redact_processor = True  # type: ignore[attr-defined]
    redact_span_processor.redactor = redactor  # type: ignore[attr-defined]
    return redact_span_processor


def _configure(processor: Callable[[Any], None] | None) -> None:
    import mlflow.tracing
    from mlflow.tracing.config import get_config

    with _lock:
        others = [p for p in get_config().span_processors or () if not getattr(p, "_redact_processor", False)]
        mlflow.tracing.configure(span_processors=[*others, processor] if processor else others)


def _keep_after_reset() -> None:
    """``mlflow.set_tracking_uri`` resets the tracing configuration: put the processor of
    :func:`install_tracing` back each time (idempotent patch of MLflow's reset)."""
    import mlflow.tracing.provider as provider

    current = getattr(provider, "reset_config", None)
    if current is None or getattr(current, "_redact_keeps_processor", False):
        return

    def reset_config() -> None:
        current()
        if _sticky:
            _configure(_sticky[0])

    reset_config._redact_keeps_processor = True  # type: ignore[attr-defined]
    provider.reset_config = reset_config  # type: ignore[attr-defined]


_sticky: list[Callable[[Any], None]] = []


def install_tracing(policy: PolicyLike = None) -> Callable[[Any], None]:
    """Redact every MLflow span of this process before export (idempotent: one processor,
    the last one, so it also sees what other processors added; it stays installed when
    ``mlflow.set_tracking_uri`` resets MLflow's tracing configuration). Returns the
    processor."""
    processor = span_processor(policy)
    _sticky[:] = [processor]
    _keep_after_reset()
    _configure(processor)
    return processor


def uninstall_tracing() -> None:
    """Remove the processor :func:`install_tracing` (or a ``redact+`` store) added; other
    processors are kept."""
    _sticky.clear()
    _configure(None)


def install_tracing_for_store() -> None:
    """Called when a ``redact+`` store is built: the processor, with the store's policy,
    unless one is installed already."""
    try:
        from mlflow.tracing.config import get_config
    except ImportError:  # an MLflow without span processors: the store side still redacts
        return
    if any(getattr(p, "_redact_processor", False) for p in get_config().span_processors or ()):
        return
    _configure(span_processor())


# ---------------------------------------------------------------------- store side
def _redact_span_dict(d: dict[str, Any], redactor: Redactor) -> dict[str, Any]:
    keep = {k: d[k] for k in d if k in _SPAN_KEEP}
    rest = {k: v for k, v in d.items() if k not in _SPAN_KEEP}
    attrs = rest.get("attributes")
    structural = {}
    if isinstance(attrs, dict):
        structural = {k: attrs[k] for k in attrs if k in _STRUCTURAL}
        rest["attributes"] = {k: v for k, v in attrs.items() if k not in _STRUCTURAL}
    red = redactor.redact(rest, ("span",)).value
    if isinstance(red.get("attributes"), dict):
        red["attributes"] = {**red["attributes"], **structural}
    events_old, events_new = rest.get("events"), red.get("events")
    if isinstance(events_old, list) and isinstance(events_new, list):
        for old, new in zip(events_old, events_new, strict=False):
            for k in ("time_unix_nano", "timestamp"):
                if isinstance(old, dict) and isinstance(new, dict) and k in old:
                    new[k] = old[k]
    if "name" in keep:
        keep["name"] = _span_name(keep["name"], redactor)
    return {**red, **keep}


def redact_span(span: Any, redactor: Redactor) -> Any:
    """An immutable MLflow ``Span`` with its values redacted (ids and timings kept).
    Raises :class:`redact.errors.Blocked` on a block."""
    from mlflow.entities import Span

    d = span.to_dict()
    new = _redact_span_dict(d, redactor)
    if new == d:
        return span
    return Span.from_dict(new)


def redact_trace_info(info: Any, redactor: Redactor) -> Any:
    """A ``TraceInfo`` with its tags, metadata and previews redacted."""
    import dataclasses

    doc = {
        "tags": dict(info.tags or {}),
        "trace_metadata": dict(info.trace_metadata or {}),
        "request_preview": info.request_preview,
        "response_preview": info.response_preview,
    }
    doc = {k: v for k, v in doc.items() if v is not None}
    red = redactor.redact(doc, ("trace",)).value
    if red == doc:
        return info
    return dataclasses.replace(
        info,
        tags=red.get("tags", {}) if info.tags is not None else info.tags,
        trace_metadata=red.get("trace_metadata", {})
        if info.trace_metadata is not None
        else info.trace_metadata,
        request_preview=red.get("request_preview") if info.request_preview is not None else None,
        response_preview=red.get("response_preview") if info.response_preview is not None else None,
    )
