"""``redact fix``: rewrite leaked values in place, in the stores that already hold them.

Sources (:mod:`redact.fix.sources` is the one dispatch point from a source to its
:class:`~redact.fix.target.Target`):

- MLflow SQL stores: ``sqlite:///path/mlflow.db`` (or the path of the ``.db`` file) and
  ``postgresql://...`` (the same SQL through SQLAlchemy): :mod:`redact.fix.sqlstore`;
- MLflow file stores (an ``mlruns`` folder, or ``file:///...``): :mod:`redact.fix.filestore`,
  runs' text artifacts included (:mod:`redact.fix.artifacts`);
- local artifact roots (``<experiment>/<run_id>/artifacts/`` folders, as SQL-backed stores
  and ``mlflow server --artifacts-destination`` write them): :mod:`redact.fix.artifacts`;
- JSON, JSONL and YAML files, or folders of them: :mod:`redact.fix.docs`.

A tracking server reached only over REST (``http(s)://``) is refused with
:class:`RemoteStoreError`: fixing in place needs database (or file) access, so point fix
at the server's backend store URI instead.

Every value is redacted as the MLflow plugin would have redacted it when it was logged
(:mod:`redact.fix.field`): as a one-key mapping in a document of the plugin's shape
(``/params/<key>``, ``/tags/<key>``, ``/experiment/name``, ``/dataset/source``,
``/description``, ``/source``, ...; see :mod:`redact.integrations.mlflow._common`), so a
policy's key rules and the associated data of ``encrypt`` are the same. Keys and lineage
are never changed, and a value that does not change is not written (its bytes stay as
they are). Redaction settles (a second pass finds nothing), so a second fix changes
nothing.

Actions in fix context:

- ``drop`` deletes the row or file of a param or tag; a field that cannot be removed (a
  run or experiment name, a dataset name or source, a model version source, a field
  inside a YAML file) is masked whole instead (``[REDACTED:<detector>]``), and an
  optional one (a description, a dataset schema or profile, a run link) becomes NULL;
- ``block`` cannot refuse a value that is already stored: it is treated as ``mask``, and
  the report and journal record ``policy_action: block`` next to the applied action.

Safety (:mod:`redact.fix.run`): a plan first (read only); then a backup of everything
that will change (0600 files in a 0700 folder ``<store>.redact-backup-<N>`` in
``--backup-dir`` or next to the store); then a journal (:mod:`redact.fix.journal`) whose
header is durable before it appears, written and fsynced before each batch of changes,
holding keyed fingerprints and pointers (never plaintext) and the new, already-redacted
values; after success the journal moves into the backup folder. ``verify`` re-reads the
store and checks the plan is in place and nothing is left to change. Crash test hooks:
:mod:`redact.fix.target`.
"""

from __future__ import annotations

from redact.fix.changes import Change, FixError, RemoteStoreError, sha256_text
from redact.fix.field import RUN_NAME, USER, FieldRedactor, fix_policy
from redact.fix.report import FixReport, Verification
from redact.fix.run import fix, policy_digest, run_target, verify_target
from redact.fix.sources import open_target, register_opener
from redact.fix.target import CRASH_AT_ENV, CRASH_ENV, CRASH_POINTS, Progress, Target, crash_point

__all__ = [
    "CRASH_AT_ENV",
    "CRASH_ENV",
    "CRASH_POINTS",
    "RUN_NAME",
    "USER",
    "Change",
    "FieldRedactor",
    "FixError",
    "FixReport",
    "Progress",
    "RemoteStoreError",
    "Target",
    "Verification",
    "crash_point",
    "fix",
    "fix_policy",
    "open_target",
    "policy_digest",
    "register_opener",
    "run_target",
    "sha256_text",
    "verify_target",
]
