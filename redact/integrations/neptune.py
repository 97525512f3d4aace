"""Redact what Neptune records (offline mode and online alike).

    import redact.integrations.neptune as rnp
    handle = rnp.install()            # or install("team.yaml"), install(policy)
    run = neptune.init_run(...)       # every field assigned, logged or uploaded: redacted
    handle.uninstall()

Seams (read from and tested against neptune 1.14): ``Handler.assign`` and
``MetadataContainer.assign`` (a mapping assigned at once, ``run["parameters"] = {...}``,
is redacted as one mapping, so its keys, which become field names, go through the
redactor too), and ``Attribute._enqueue_operation``, through which every field operation
reaches Neptune's operation processor: string and integer assignments (with the field's
name as the key context), string series (``append``/``extend``, and the console output
Neptune captures into ``monitoring/*/stdout``), string sets (tags), image names and
descriptions, files (``upload`` of a path: a text file holding a finding is replaced by
a redacted copy) and file sets (``upload_files``: when a text file of the set holds a
finding, the set is handed over as copies under the same names; the sources of
``init_run(source_files=...)`` are such a set, ``source_code/files``); and
``UploadFile.of_file``, where Neptune saves the content of ``File.from_content(...)``
and ``File.from_stream(...)`` into its upload folder: text content is redacted before
that write (a single line with the field's name as the key context; JSON, YAML and
tables with their own keys; other text line by line), so the raw content is never
written, not even briefly; binary content is saved unchanged.

``drop`` writes ``[REDACTED:dropped]`` (a field's operation has a fixed shape); ``block``
raises :class:`redact.errors.Blocked` from the call and nothing is recorded or written,
except for captured console output, recorded as ``[REDACTED:console output blocked]``; a fault while
redacting raises :class:`~redact.integrations.guard.RedactionFailed`. A field path
holding a finding (``run[f"users/{email}/loss"]``, read whole as a path-like key) is
recorded redacted with a stable suffix (the same at every operation on the field, distinct
per original path); a path the policy drops is not recorded. Not covered: artifacts
tracked by reference.
"""

from __future__ import annotations

import base64
import contextvars
import dataclasses
import functools
import glob
import os
import re
import shutil
import tempfile
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from redact._redactor import Redactor
from redact.errors import Blocked, RedactError
from redact.integrations._patch import (
    Door,
    Handle,
    Plan,
    key_detected,
    own,
    redact_key,
    redact_value,
    stable_name,
)
from redact.integrations._textfiles import redact_content, redact_file, redact_text
from redact.integrations.guard import PolicyLike, RedactionFailed
from redact.integrations.structlog import _state, in_redaction

__all__ = ["install", "installed"]

_DROPPED = "[REDACTED:dropped]"
_CONSOLE_BLOCKED = "[REDACTED:console output blocked]"
_ASSIGNED: contextvars.ContextVar[bool] = contextvars.ContextVar("redact_neptune_assign", default=False)
_copies: list[str] = []
_SCHEME_SEGMENT = re.compile(r"(?:^|(?<=/))([A-Za-z][\w+.-]*:)/(?=[^/])")
_OWN_NAMESPACES = frozenset({"sys", "monitoring"})  # Neptune's own fields: its names


def _field(redactor: Redactor, path: list[str], value: Any) -> Any:
    name = path[-1] if path else "value"
    red = redact_value(redactor, {name: value}, tuple(path[:-1]))
    if name in red:
        return red[name]
    return next(iter(red.values()), _DROPPED)


def _console(path: list[str]) -> bool:
    return len(path) >= 2 and path[0] == "monitoring" and path[-1] in ("stdout", "stderr")


def _redact_path(redactor: Redactor, op: Any) -> Any:
    """The operation on its field path redacted: a path holding a finding (read whole, as
    a path-like key, ``users/<e-mail>/loss``) gets the redacted path with a stable suffix
    (:func:`~redact.integrations._patch.stable_name`), the same at every operation on the
    field and distinct per original path; None when the policy drops it."""
    path = op.path
    if not path or path[0] in _OWN_NAMESPACES:
        return op
    # Neptune drops the empty segment of a URL's "//": read it back (``dsn/postgresql://...``)
    joined = _SCHEME_SEGMENT.sub(r"\1//", "/".join(str(p) for p in path))
    if not key_detected(redactor, joined):
        return op
    new = redact_key(redactor, joined)
    if new is None:
        return None  # dropped: the operation is not recorded
    new = stable_name(redactor, joined, new)
    return dataclasses.replace(op, path=[p for p in str(new).split("/") if p])


def _redact_op(redactor: Redactor, op: Any) -> Any:
    kind = type(op).__name__
    path = list(op.path)
    if kind in ("AssignString", "AssignInt"):
        if _ASSIGNED.get():  # redacted with its mapping already
            return op
        return dataclasses.replace(op, value=_field(redactor, path, op.value))
    if kind == "LogStrings":
        values = []
        for item in op.values:
            try:
                new = _field(redactor, path, item.value)
            except Blocked:
                if not _console(path):
                    raise
                new = _CONSOLE_BLOCKED
            values.append(dataclasses.replace(item, value=new) if new is not item.value else item)
        return dataclasses.replace(op, values=values)
    if kind == "AddStrings":
        return dataclasses.replace(op, values=set(redact_value(redactor, sorted(op.values), tuple(path))))
    if kind == "LogImages":
        values = []
        for item in op.values:
            image = item.value
            fields = {"name": image.name, "description": image.description}
            red = redact_value(redactor, {k: v for k, v in fields.items() if isinstance(v, str)}, tuple(path))
            values.append(dataclasses.replace(item, value=dataclasses.replace(image, **red)))
        return dataclasses.replace(op, values=values)
    if kind == "UploadFileContent" and isinstance(op.file_content, str):
        try:
            text = base64.b64decode(op.file_content).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return op  # binary content: unchanged
        red = redact_text(redactor, text, path[-1] if path else "text")
        if red == text:
            return op
        return dataclasses.replace(op, file_content=base64.b64encode(red.encode("utf-8")).decode("ascii"))
    if kind == "UploadFileSet":
        return _redact_file_set(redactor, op)
    if kind == "UploadFile" and isinstance(op.file_path, str) and os.path.isfile(op.file_path):
        # the user's file (in-memory and stream content was redacted in ``of_file``)
        dst = os.path.join(_copies_root(), uuid.uuid4().hex, os.path.basename(op.file_path))
        if redact_file(redactor, op.file_path, dst):
            return dataclasses.replace(op, file_path=dst)
        return op
    return op


def _copies_root() -> str:
    if not _copies:
        _copies.append(tempfile.mkdtemp(prefix="redact-neptune-"))
    return _copies[0]


_ROOT_MARK = ".redact-root"  # an empty folder among the copies: it pins their common root


def _redact_file_set(redactor: Redactor, op: Any) -> Any:
    """``upload_files``: Neptune names each file of a set by its path relative to the
    common root of what the globs match (or the working folder), folders walked. When a
    text file of the set holds a finding, every matched path is laid out again in a folder
    of copies at the same relative place (redacted copies; the other files linked or
    copied), with an empty folder at its root so that the copies' common root is that
    folder, and the globs are replaced by the copies' escaped paths. Neptune's own
    expansion of the new globs is checked to give the same names; if it does not, nothing
    is uploaded (RedactionFailed)."""
    from neptune.internal.backends.hosted_file_operations import get_unique_upload_entries
    from neptune.internal.utils import get_absolute_paths, get_common_root

    globs = list(op.file_globs)
    matched = sorted(get_absolute_paths(globs))
    root = get_common_root(matched)
    folder = tempfile.mkdtemp(prefix="set-", dir=_copies_root())
    copies: list[tuple[str, str]] = []  # (source file, its place among the copies)
    for i, path in enumerate(matched):  # (no common root: paths on several drives)
        place = os.path.join(folder, os.path.relpath(path, root) if root else str(i))
        if os.path.isdir(path):
            for parent, _, names in os.walk(path):
                at = os.path.join(place, os.path.relpath(parent, path))
                copies += [(os.path.join(parent, n), os.path.normpath(os.path.join(at, n))) for n in names]
        elif os.path.isfile(path):
            copies.append((path, os.path.normpath(place)))
    changed = False
    try:
        for src, dst in copies:
            changed = redact_file(redactor, src, dst) or changed
        if not changed:
            shutil.rmtree(folder, ignore_errors=True)
            return op
        for src, dst in copies:
            if not os.path.exists(dst):
                os.makedirs(os.path.dirname(dst), exist_ok=True)
                try:
                    os.link(src, dst)
                except OSError:
                    shutil.copy2(src, dst)
        mark = os.path.join(folder, _ROOT_MARK)
        os.makedirs(mark, exist_ok=True)
        new = [glob.escape(os.path.join(folder, os.path.relpath(p, root))) for p in matched] if root else []
        new.append(glob.escape(mark))
        same = root is not None and {e.target_path for e in get_unique_upload_entries(new)} == {
            e.target_path for e in get_unique_upload_entries(globs)
        }
    except BaseException as exc:
        shutil.rmtree(folder, ignore_errors=True)
        if isinstance(exc, (Blocked, RedactionFailed)) or not isinstance(exc, Exception):
            raise
        raise RedactionFailed(
            f"redaction failed ({type(exc).__name__}); the file set was not uploaded"
        ) from None
    if not same:
        shutil.rmtree(folder, ignore_errors=True)
        raise RedactionFailed(
            "a file set holds findings and its redacted copies would not keep the files' names "
            "(a temporary folder under the working folder, or paths on several drives); "
            "the set was not uploaded"
        )
    return dataclasses.replace(op, file_globs=new)


def _wrap_enqueue(door: Door, orig: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(orig)
    def _enqueue_operation(self: Any, operation: Any, *args: Any, **kwargs: Any) -> Any:
        redactor = door.redactor
        if redactor is not None and not in_redaction():
            _state.active = True
            try:
                redacted = _redact_op(redactor, operation)
                redacted = _redact_path(redactor, redacted)
            finally:
                _state.active = False
            if redacted is None:
                return None
            operation = redacted
        return orig(self, operation, *args, **kwargs)

    return _enqueue_operation


def _wrap_of_file(door: Door, orig: Any, file_cls: Any, saved: tuple[Any, ...]) -> classmethod[Any, ..., Any]:
    """``UploadFile.of_file``: content given in memory or as a stream (``saved``: the file
    types Neptune writes into its upload folder) is read, redacted and handed on as
    in-memory content, so Neptune's own write holds only the redacted text."""
    func = orig.__func__

    @functools.wraps(func)
    def of_file(cls: Any, value: Any, attribute_path: Any, operation_storage: Any) -> Any:
        redactor = door.redactor
        if redactor is None or in_redaction() or getattr(value, "file_type", None) not in saved:
            return func(cls, value, attribute_path, operation_storage)
        path = [str(p) for p in attribute_path]
        field = path[-1] if path else "file"
        ext = str(value.extension or "")
        _state.active = True
        try:
            data = value.content  # a stream is read here, once, as Neptune would
            if isinstance(data, str):
                data = data.encode("utf-8")
            red = redact_content(redactor, data, f"{field}.{ext}" if ext else field, field)
        except RedactError:
            raise
        except Exception as exc:  # fail closed: nothing is written
            raise RedactionFailed(
                f"redaction failed ({type(exc).__name__}); the file was not uploaded"
            ) from None
        finally:
            _state.active = False
        redacted = file_cls.from_content(red, extension=value.extension)
        return func(cls, redacted, attribute_path, operation_storage)

    return classmethod(of_file)


def _wrap_assign(
    door: Door, orig: Callable[..., Any], prefix: Callable[[Any], tuple[str, ...]]
) -> Callable[..., Any]:
    @functools.wraps(orig)
    def assign(self: Any, value: Any, *args: Any, **kwargs: Any) -> Any:
        redactor = door.redactor
        if redactor is None or not isinstance(value, Mapping) or _ASSIGNED.get():
            return orig(self, value, *args, **kwargs)
        red = redact_value(redactor, dict(value), prefix(self))
        token = _ASSIGNED.set(True)
        try:
            return orig(self, red, *args, **kwargs)
        finally:
            _ASSIGNED.reset(token)

    return assign


def _handler_path(handler: Any) -> tuple[str, ...]:
    return tuple(p for p in str(getattr(handler, "_path", "")).split("/") if p)


def _plan(door: Door) -> Plan:
    try:
        from neptune import handler
        from neptune.attributes import attribute
        from neptune.internal import operation
        from neptune.internal.types.file_types import FileType
        from neptune.metadata_containers import metadata_container
        from neptune.types import File
    except ImportError as exc:
        raise ImportError("redact.integrations.neptune needs neptune: pip install 'redact[neptune]'") from exc
    lib = "neptune"
    attr_cls, handler_cls = attribute.Attribute, handler.Handler
    container_cls = metadata_container.MetadataContainer
    upload_cls = operation.UploadFile
    saved = (FileType.IN_MEMORY, FileType.STREAM)
    return [
        (upload_cls, "of_file", _wrap_of_file(door, own(upload_cls, "of_file", lib), File, saved)),
        (attr_cls, "_enqueue_operation", _wrap_enqueue(door, own(attr_cls, "_enqueue_operation", lib))),
        (handler_cls, "assign", _wrap_assign(door, own(handler_cls, "assign", lib), _handler_path)),
        (container_cls, "assign", _wrap_assign(door, own(container_cls, "assign", lib), lambda _: ())),
    ]


def _version() -> str:
    from importlib.metadata import version

    return version("neptune")


_door = Door("neptune", _plan, _version)


def install(policy: PolicyLike = None) -> Handle:
    """Patch neptune so that every field is redacted under ``policy`` (a Policy, a path, a
    built-in name, or None: ``REDACT_POLICY``, else ``default``). Idempotent."""
    return _door.install(policy)


def installed() -> Handle | None:
    """The active handle, if installed."""
    return _door.active
