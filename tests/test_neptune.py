"""Neptune uploads made from memory or a stream (``File.from_content``, ``File.from_stream``)
against real neptune in offline mode: the content is redacted before Neptune saves it into
its upload folder, so no file under Neptune's data folder ever holds a canary, not even
between two steps of one call. A watcher made of a Python audit hook (nothing in neptune
is patched) re-reads every file written under the data folder at each later file-system
event of the process; the files are also read after each upload call and after the run
stops. Binary content is saved byte for byte; ``block`` and faults write nothing."""

from __future__ import annotations

import io
import json
import os
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

neptune = pytest.importorskip("neptune")

from canaries import Canaries, Canary, Lineage, leaks  # noqa: E402
from neptune.internal.operation import UploadFile  # noqa: E402
from neptune.types import File  # noqa: E402
from test_trackers import all_bytes, no_network  # noqa: E402,F401

from redact.errors import Blocked  # noqa: E402
from redact.integrations import neptune as door  # noqa: E402
from redact.integrations.guard import RedactionFailed  # noqa: E402

BLOCK_POLICY = """\
version: 1
name: block-secrets
extends: default
summary: silent
actions:
  SECRET: block
  CREDIT_CARD: block
  EMAIL_ADDRESS: block
"""


# --------------------------------------------------------------------------- a watcher of writes
class DiskWatch:
    """Files opened for writing under ``folder`` are read again at every later ``open``,
    rename, removal or listing of the process (any thread), so that a raw write later
    rewritten or removed is still seen; ``leaks`` names the canaries found and where."""

    _EVENTS = frozenset({"open", "os.rename", "os.remove", "os.truncate", "os.listdir", "os.scandir"})
    _current: DiskWatch | None = None
    _hooked = False

    def __init__(self, folder: Path, canaries: list[Canary]) -> None:
        self.folder = str(folder.resolve())
        self.canaries = canaries
        self.written: set[str] = set()
        self.leaks: list[str] = []
        self._busy = threading.local()

    @classmethod
    def _hook(cls, event: str, args: tuple[Any, ...]) -> None:
        watch = cls._current
        if watch is not None and event in cls._EVENTS:
            watch._event(event, args)

    def _event(self, event: str, args: tuple[Any, ...]) -> None:
        if getattr(self._busy, "on", False):
            return
        self._busy.on = True
        try:
            self.check()
            if event == "open" and isinstance(args[0], (str, bytes, os.PathLike)):
                path = os.path.abspath(os.fsdecode(args[0]))
                mode, flags = args[1], args[2] if len(args) > 2 else 0
                writing = any(c in mode for c in "wax+") if isinstance(mode, str) else bool(flags & 3)
                if writing and path.startswith(self.folder + os.sep):
                    self.written.add(path)
        finally:
            self._busy.on = False

    def check(self) -> None:
        for path in list(self.written):
            try:
                with open(path, "rb") as f:
                    blob = f.read()
            except OSError:
                continue
            for found in leaks(self.canaries, blob):
                self.leaks.append(f"{found} in {os.path.relpath(path, self.folder)}")

    def __enter__(self) -> DiskWatch:
        if not DiskWatch._hooked:  # an audit hook cannot be removed: one, for the process
            sys.addaudithook(DiskWatch._hook)
            DiskWatch._hooked = True
        DiskWatch._current = self
        return self

    def __exit__(self, *exc: object) -> None:
        DiskWatch._current = None


# --------------------------------------------------------------------------- fixtures
def _init_run() -> Any:
    return neptune.init_run(
        mode="offline",
        project="redact/test",
        source_files=[],
        capture_hardware_metrics=False,
        capture_stdout=False,
        capture_stderr=False,
        git_ref=False,
    )


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty working folder (offline runs are stored under ./.neptune), no Neptune
    credentials, and no door left installed afterwards."""
    monkeypatch.chdir(tmp_path)
    for name in ("NEPTUNE_API_TOKEN", "NEPTUNE_PROJECT", "REDACT_POLICY"):
        monkeypatch.delenv(name, raising=False)
    yield tmp_path / ".neptune"
    handle = door.installed()
    if handle is not None:
        handle.uninstall()


def _found(folder: Path, canaries: list[Canary]) -> list[str]:
    return [f"{c} in {name}" for name, blob in all_bytes(folder).items() for c in leaks(canaries, blob)]


def _uploads(folder: Path) -> list[bytes]:
    return [p.read_bytes() for p in sorted(folder.rglob("upload_path/*")) if p.is_file()]


# --------------------------------------------------------------------------- tests
def test_memory_and_stream_uploads_never_reach_disk_raw(data: Path) -> None:
    """Canaries in ``File.from_content`` text, a text stream, a bytes stream of UTF-8 text,
    a JSON document, a CSV table and a YAML stream are never readable in any file Neptune
    writes under its data folder (checked at every file-system event of the upload calls,
    after each call and after stop); lineage values in the same content are kept; binary
    content, given in memory or as a stream, is saved byte for byte."""
    gen, lineage = Canaries(), Lineage()
    key_id, aws_secret = gen.aws()
    line = [gen.github(), gen.card(), gen.email(), gen.openai()]
    lines = [gen.slack(), gen.uri(), aws_secret, gen.iban()]
    raw_stream = [gen.github(), gen.email()]
    doc = [gen.github(), gen.uri(), key_id]
    table = [gen.slack(), gen.card()]
    yaml_stream = [gen.openai(), gen.email()]
    canaries = line + lines + raw_stream + doc + table + yaml_stream
    blob = bytes(range(256)) * 16
    door.install()
    run = _init_run()
    uploads = [
        ("notes/summary", File.from_content(" and ".join(c.value for c in line))),
        (
            "notes/log",
            File.from_stream(io.StringIO("\n".join(f"step {i}: {c.value}" for i, c in enumerate(lines)))),
        ),
        (
            "notes/raw",
            File.from_stream(
                io.BytesIO(f"owner {raw_stream[1].value} token {raw_stream[0].value}\n".encode())
            ),
        ),
        (
            "config/doc",
            File.from_content(
                json.dumps(
                    {
                        "token": doc[0].value,
                        "db": {"url": doc[1].value},
                        "key": doc[2].value,
                        **lineage.config(),
                    }
                ),
                extension="json",
            ),
        ),  # fmt: skip
        (
            "config/table",
            File.from_content(
                f"name,api_token,card\nsvc,{table[0].value},{table[1].value}\n", extension="csv"
            ),
        ),
        (
            "config/yaml",
            File.from_stream(
                io.StringIO(f"openai_key: {yaml_stream[0].value}\nowner: {yaml_stream[1].value}\n"),
                extension="yaml",
            ),
        ),
        ("weights/memory", File.from_content(blob, extension="bin")),
        ("weights/stream", File.from_stream(io.BytesIO(blob))),
    ]
    with DiskWatch(data, canaries) as watch:
        for field, file in uploads:
            run[field].upload(file)
            assert _found(data, canaries) == [], field
        run.stop()
        watch.check()
    assert watch.written, "the watcher saw no write under the data folder"
    assert watch.leaks == []
    assert _found(data, canaries) == []
    saved = _uploads(data)
    assert len(saved) == len(uploads)
    assert saved.count(blob) == 2  # binary content unchanged
    everything = b"".join(saved)
    assert lineage.missing(everything) == []
    assert b"[REDACTED:" in everything


def test_block_raises_and_writes_nothing(data: Path, tmp_path: Path) -> None:
    """Under a ``block`` policy an in-memory or stream upload holding a secret raises
    Blocked from the call and nothing is saved in the upload folder; a clean upload
    afterwards is saved as it is."""
    gen = Canaries()
    canaries = [gen.github(), gen.email()]
    policy = tmp_path / "block.yaml"
    policy.write_text(BLOCK_POLICY)
    door.install()
    run = _init_run()  # its monitoring fields (a thread id...) recorded before the block policy
    door.install(str(policy))
    with DiskWatch(data, canaries) as watch:
        with pytest.raises(Blocked):
            run["a"].upload(File.from_content(f"token {canaries[0].value}"))
        with pytest.raises(Blocked):
            run["b"].upload(File.from_stream(io.StringIO(f"owner: {canaries[1].value}\n")))
        assert _uploads(data) == []
        run["c"].upload(File.from_content("epochs: 12\n", extension="yaml"))
        run.stop()
    assert watch.leaks == []
    assert _uploads(data) == [b"epochs: 12\n"]


def test_redaction_fault_fails_closed(data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A fault inside redaction raises RedactionFailed (no value in its message) and
    nothing is saved; binary content, which is not redacted, is still saved."""
    gen = Canaries()
    token = gen.github()
    handle = door.install()
    run = _init_run()
    redactor = door._door.redactor
    assert redactor is not None

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise ZeroDivisionError("detector bug")

    monkeypatch.setattr(redactor, "redact", broken)
    with pytest.raises(RedactionFailed) as err:
        run["a"].upload(File.from_content(f"token {token.value}"))
    assert leaks([token], str(err.value).encode()) == []
    assert _uploads(data) == []
    run["w"].upload(File.from_content(b"\x00\x01binary", extension="bin"))
    monkeypatch.undo()
    run.stop()
    assert _uploads(data) == [b"\x00\x01binary"]
    assert _found(data, [token]) == []
    handle.uninstall()


def test_uninstall_restores_and_missing_seam_patches_nothing(
    data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``UploadFile.of_file`` is patched once and listed among the seams; uninstall puts
    the original back, after which Neptune saves the raw content again (and the watcher
    sees it: the check above can fail); without the seam, install patches nothing."""
    original = vars(UploadFile)["of_file"]
    handle = door.install()
    assert door.install() is handle
    assert vars(UploadFile)["of_file"] is not original
    assert vars(UploadFile)["of_file"].__func__.__wrapped__ is original.__func__
    assert "neptune.internal.operation.UploadFile.of_file" in handle.seams
    handle.uninstall()
    assert vars(UploadFile)["of_file"] is original
    token = Canaries().github()
    run = _init_run()
    with DiskWatch(data, [token]) as watch:
        run["a"].upload(File.from_content(f"token {token.value}"))
        run.stop()
        watch.check()
    assert watch.leaks and _found(data, [token])  # unpatched neptune writes it raw

    from neptune.attributes.attribute import Attribute

    enqueue = vars(Attribute)["_enqueue_operation"]
    monkeypatch.delattr(UploadFile, "of_file")
    with pytest.raises(RuntimeError, match="of_file"):
        door.install()
    assert door.installed() is None
    assert vars(Attribute)["_enqueue_operation"] is enqueue


def _file_set_ops(folder: Path, *field: str) -> list[dict[str, Any]]:
    """The ``UploadFileSet`` operations on the field at path ``field`` in the offline runs'
    queues under ``folder``."""
    ops = []
    for log in sorted(folder.rglob("data-*.log")):
        for line in log.read_text().splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue
            obj = record.get("obj", record) if isinstance(record, dict) else {}
            if (
                isinstance(obj, dict)
                and obj.get("type") == "UploadFileSet"
                and obj.get("path") == list(field)
            ):
                ops.append(obj)
    return ops


def _set_files(globs: list[str]) -> dict[str, bytes]:
    """What Neptune uploads for ``globs``: each file's name in the set and its bytes."""
    from neptune.internal.backends.hosted_file_operations import get_unique_upload_entries

    return {e.target_path: Path(e.source).read_bytes() for e in get_unique_upload_entries(globs)}


@pytest.mark.parametrize("layout", ["tree", "one-folder", "under-cwd", "clean"])
def test_file_sets_keep_their_names_and_lose_their_canaries(data: Path, tmp_path: Path, layout: str) -> None:
    """``upload_files``: the set Neptune would upload (its own expansion of the recorded
    globs) has the same file names as the user's set, every canary of its text files is
    gone, binary and clean files are unchanged; a set without findings keeps its globs."""
    gen, lineage = Canaries(), Lineage()
    token, email, card = gen.github(), gen.email(), gen.card()
    base = tmp_path if layout == "under-cwd" else tmp_path.parent / f"{tmp_path.name}-files"
    root = base / "outputs"
    (root / "logs" / "deep").mkdir(parents=True, exist_ok=True)
    (root / "cfg").mkdir(exist_ok=True)
    blob = bytes(range(256)) * 8
    secret_lines = "" if layout == "clean" else f"token={token.value}\nowner {email.value}\n"
    files = {
        "logs/train.log": f"step 1 loss 0.3\n{secret_lines}",
        "logs/deep/eval[1].txt": f"git_sha {lineage.values()[0]}\n",
        "cfg/params.json": json.dumps(
            {"card": card.value if layout != "clean" else "n/a", **lineage.config()}
        ),
    }
    for name, text in files.items():
        (root / name).write_text(text)
    (root / "logs" / "weights.bin").write_bytes(blob)
    globs = [str(root / "logs")] if layout == "one-folder" else [str(root / "**" / "*")]
    before = _set_files(globs)
    door.install()
    run = _init_run()
    run["outputs"].upload_files(globs)
    run.stop()
    (op,) = _file_set_ops(data, "outputs")
    after = _set_files(op["file_globs"])
    assert sorted(after) == sorted(before)
    everything = b"".join(after.values())
    assert leaks([token, email, card], everything) == []
    text_before = b"".join(before[n] for n in before if not n.endswith(".bin"))
    text_after = b"".join(after[n] for n in after if not n.endswith(".bin"))
    kept = [v for v in lineage.values() if v.encode() in text_before]
    assert kept and [v for v in kept if v.encode() not in text_after] == []  # lineage unchanged
    assert [after[n] for n in after if n.endswith("weights.bin")] == [blob]
    if layout == "clean":
        assert op["file_globs"] == globs
    else:
        assert b"[REDACTED:" in everything
        assert leaks(
            [token, email], (root / "logs" / "train.log").read_bytes()
        )  # the user's file is untouched


def test_file_set_whose_names_cannot_be_kept_is_not_uploaded(
    data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Copies kept under the working folder would be named relative to it: the set is
    refused (RedactionFailed, no value in the message) and no operation is recorded."""
    token = Canaries().github()
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "a.log").write_text(f"token={token.value}\n")
    (tmp_path / "out" / "b.log").write_text("clean\n")
    copies = tmp_path / "copies"
    copies.mkdir()
    monkeypatch.setattr(door, "_copies", [str(copies)])
    door.install()
    run = _init_run()
    with pytest.raises(RedactionFailed) as err:
        run["outputs"].upload_files([str(tmp_path / "out" / "*")])
    run.stop()
    assert leaks([token], str(err.value).encode()) == []
    assert _file_set_ops(data, "outputs") == []
    assert list(copies.iterdir()) == []  # the copies made are removed


def test_file_set_redaction_fault_fails_closed(
    data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fault while redacting a file of a set raises RedactionFailed (no value in its
    message), records no operation and leaves no copies behind."""
    token = Canaries().github()
    out = tmp_path.parent / f"{tmp_path.name}-set"
    out.mkdir()
    (out / "a.log").write_text(f"token={token.value}\n")
    copies = tmp_path.parent / f"{tmp_path.name}-copies"
    copies.mkdir()
    monkeypatch.setattr(door, "_copies", [str(copies)])
    door.install()
    run = _init_run()
    redactor = door._door.redactor
    assert redactor is not None

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise ZeroDivisionError(token.value)

    monkeypatch.setattr(redactor, "redact", broken)
    with pytest.raises(RedactionFailed) as err:
        run["outputs"].upload_files([str(out / "*")])
    monkeypatch.undo()
    run.stop()
    assert leaks([token], str(err.value).encode()) == []
    assert _file_set_ops(data, "outputs") == []
    assert list(copies.iterdir()) == []


def test_file_set_under_block_policy_raises_and_records_nothing(data: Path, tmp_path: Path) -> None:
    """A file set holding a secret under a ``block`` policy raises Blocked from the call;
    no operation is recorded for the field."""
    token = Canaries().github()
    out = tmp_path.parent / f"{tmp_path.name}-blocked"
    out.mkdir()
    (out / "a.log").write_text(f"token={token.value}\n")
    policy = tmp_path / "block.yaml"
    policy.write_text(BLOCK_POLICY)
    door.install()
    run = _init_run()
    door.install(str(policy))
    with pytest.raises(Blocked):
        run["outputs"].upload_files([str(out / "*")])
    run.stop()
    assert _file_set_ops(data, "outputs") == []


def test_source_files_keep_their_names_and_lose_their_canaries(data: Path, tmp_path: Path) -> None:
    """``init_run(source_files=...)``: Neptune uploads the sources as a file set
    (``source_code/files``); the set it would upload has the user's file names, the
    canary in a source file is gone and clean sources are unchanged."""
    token = Canaries().github()
    src = tmp_path / "src"
    src.mkdir()
    (src / "train.py").write_text(f'API_TOKEN = "{token.value}"\nprint("step", 1)\n')
    (src / "utils.py").write_text("def f():\n    return 1\n")
    globs = [str(src / "*.py")]
    before = _set_files(globs)
    door.install()
    run = neptune.init_run(
        mode="offline",
        project="redact/test",
        source_files=globs,
        capture_hardware_metrics=False,
        capture_stdout=False,
        capture_stderr=False,
        git_ref=False,
    )
    run.stop()
    (op,) = _file_set_ops(data, "source_code", "files")
    after = _set_files(op["file_globs"])
    assert sorted(after) == sorted(before) == ["src/train.py", "src/utils.py"]
    assert leaks([token], b"".join(after.values())) == []
    assert after["src/utils.py"] == before["src/utils.py"]
