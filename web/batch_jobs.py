"""Batch jobs: a batch that does not finish within a request's budget runs on in the background.

A job is a small JSON state file in the jobs folder (``INDEX_DIR/batch-jobs/<id>.json``: status and
progress, rewritten about once a second while it runs) and, once done, its results beside it
(``<id>.results.json``, written once). Both are written whole and renamed into place, so any worker
process can answer for a job (gunicorn's workers do not share memory) and a reader never sees half a
file. Each process runs one job at a time on one thread and keeps at most
``queue_size`` waiting; past that a new job is refused (``QueueFull``, a 503) rather than piling up.
A job whose process died (a killed or restarted worker) is reported as failed, never left "running".
Finished jobs are kept ``keep_seconds`` and then removed, with at most ``MAX_KEPT`` files in all.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path

from search import SearchError
from search.batch import BatchRow, run_one

log = logging.getLogger("crisis_desk.batch_jobs")

MAX_KEPT = 200  # state and results files kept at most, finished or not
HEARTBEAT_SECONDS = 1.0  # a running job writes its progress at least this often
STALE_SECONDS = 30.0  # a running job silent this long lost its process
_ID_RE = re.compile(r"^[A-Za-z0-9_-]{16}$")
_LIVE: set[str] = set()  # jobs queued or running in this process (whichever app instance holds them)


class QueueFull(Exception):
    """This process already runs one batch and has ``queue_size`` waiting."""


class BatchJobs:
    """The batch jobs of one process: a bounded queue, one runner thread, state in files."""

    def __init__(self, folder: Path, index, queue_size: int = 2, keep_seconds: float = 3600):
        self.folder = Path(folder)
        self.index = index
        self.queue_size = queue_size
        self.keep_seconds = keep_seconds
        self._waiting: deque[str] = deque()
        self._inputs: dict[str, list[dict]] = {}  # job id -> the rows done before it was queued
        self._running: str | None = None
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._thread: threading.Thread | None = None

    # -- running -------------------------------------------------------------------------------
    def run_within(
        self, queries: Sequence[object], shared: dict, seconds: float, clock: Callable[[], float] = time.perf_counter
    ) -> list[BatchRow]:
        """Run queries until done or ``seconds`` are spent; return the rows done so far (the job does the rest).

        Nothing that cannot be interrupted runs in the caller's thread: an index not yet open (or without
        its alias table: every query of a batch must widen names alike) is opened in the background while
        the caller waits at most the budget, and the queries run on a helper thread that the caller leaves
        at the deadline (it finishes the query in hand, whose row is then dropped, and stops)."""
        deadline = clock() + seconds
        if not self.index.ready(max(deadline - clock(), 0.0)) or clock() >= deadline:
            return []
        inline = _Inline(self.index, queries, shared)
        inline.start()
        inline.join(max(deadline - clock(), 0.0))
        return inline.stop()

    def submit(self, queries: Sequence[object], shared: dict, done: Sequence[BatchRow] = ()) -> dict:
        """Queue a job for the queries not yet ``done``; return its state. Raises QueueFull."""
        self.prune()
        with self._lock:
            if len(self._waiting) >= self.queue_size:
                busy = 1 if self._running else 0
                raise QueueFull(
                    f"the batch queue is full ({busy} running, {len(self._waiting)} waiting); try again in a minute"
                )
            job_id = secrets.token_urlsafe(12)
            state = {
                "id": job_id,
                "status": "queued",
                "pid": os.getpid(),
                "created": time.time(),
                "updated": time.time(),
                "total": len(queries),
                "done": len(done),
                "queries": list(queries),  # JSON values as posted (run_one reports the ones not text)
                "shared": shared,
            }
            self._write(state)
            self._inputs[job_id] = [row.to_dict() for row in done]
            self._waiting.append(job_id)
            _LIVE.add(job_id)
            self._start()
            self._wake.notify()
        return public(state)

    def _start(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._work, name="batch-jobs", daemon=True)
            self._thread.start()

    def _work(self) -> None:
        while True:
            with self._lock:
                while not self._waiting:
                    self._wake.wait()
                job_id = self._running = self._waiting.popleft()
            try:
                self._run(job_id)
            except Exception:  # noqa: BLE001 - the job says it failed; the runner goes on
                log.exception("batch job %s failed", job_id)
                self._finish(job_id, "failed", "the batch could not be run; the error has been logged")
            finally:
                with self._lock:
                    self._running = None
                    _LIVE.discard(job_id)

    def _run(self, job_id: str) -> None:
        results = self._inputs.pop(job_id, [])
        state = self._read(job_id)
        if state is None:
            return
        state["status"] = "running"
        self._write(state)
        queries, shared = state["queries"], state["shared"]
        try:
            self.index.warm_up()
            last = time.monotonic()
            with self.index.pinned():
                for query in queries[len(results) :]:
                    results.append(run_one(self.index, query, shared).to_dict())
                    if time.monotonic() - last >= HEARTBEAT_SECONDS:
                        state.update(done=len(results), updated=time.time())
                        self._write(state)
                        last = time.monotonic()
        except SearchError as exc:  # the index is missing or damaged: the whole batch fails alike
            state.update(status="failed", error=str(exc))
        else:
            self._write_json(self._results_path(job_id), results)  # before "done" says they are there
            state["status"] = "done"
        state.update(done=len(results), updated=time.time())
        self._write(state)

    def _finish(self, job_id: str, status: str, error: str) -> None:
        state = self._read(job_id)
        if state is not None:
            state.update(status=status, error=error, updated=time.time())
            self._write(state)

    # -- reading -------------------------------------------------------------------------------
    def state(self, job_id: str, results: bool = False) -> dict | None:
        """Return a job's state (with ``results``, and the job done, its rows too), or None when there is no
        such job (or its results were removed meanwhile)."""
        if not _ID_RE.match(job_id or ""):
            return None
        state = self._read(job_id)
        if state is None:
            return None
        if state["status"] in ("queued", "running") and self._lost(state):
            # Decide again under the runner's lock, from the file as it is now: the runner writes "done" and
            # only then (under this lock) forgets the job, so a state read just before that write must not
            # turn a finished job into a failed one.
            with self._lock:
                state = self._read(job_id)
                if state is None:
                    return None
                if state["status"] in ("queued", "running") and self._lost(state):
                    state.update(
                        status="failed",
                        updated=time.time(),
                        error="the server restarted before this batch finished; run it again",
                    )
                    self._write(state)
        if results and state["status"] == "done":
            try:
                state["results"] = json.loads(self._results_path(job_id).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                return None
        return state

    def _lost(self, state: dict) -> bool:
        """True when the process that owns an unfinished job is gone (or stopped writing while running)."""
        if state["pid"] == os.getpid():
            return state["id"] not in _LIVE
        if not _alive(state["pid"]):
            return True
        return state["status"] == "running" and time.time() - state["updated"] > STALE_SECONDS

    def prune(self) -> None:
        """Remove finished jobs older than ``keep_seconds`` and, past MAX_KEPT files, the oldest."""
        try:
            files = sorted(self.folder.glob("*.json"), key=lambda p: p.stat().st_mtime)
        except OSError:
            return
        now = time.time()
        for n, path in enumerate(files):
            try:
                old = now - path.stat().st_mtime > self.keep_seconds
                if old or len(files) - n > MAX_KEPT:
                    path.unlink(missing_ok=True)
            except OSError:
                continue

    def _path(self, job_id: str) -> Path:
        return self.folder / f"{job_id}.json"

    def _results_path(self, job_id: str) -> Path:
        return self.folder / f"{job_id}.results.json"

    def _read(self, job_id: str) -> dict | None:
        try:
            return json.loads(self._path(job_id).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def _write(self, state: dict) -> None:
        self._write_json(self._path(state["id"]), state)

    def _write_json(self, path: Path, value) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = self.folder / f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp"
        tmp.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)


class _Inline(threading.Thread):
    """The part of a batch run while its request waits: queries one by one until done or stopped."""

    def __init__(self, index, queries: Sequence[object], shared: dict):
        super().__init__(name="batch-inline", daemon=True)
        self.index, self.queries, self.shared = index, queries, shared
        self.rows: list[BatchRow] = []
        self._lock = threading.Lock()
        self._stopped = False
        self.error: SearchError | None = None

    def run(self) -> None:
        try:
            with self.index.pinned():
                for query in self.queries:
                    row = run_one(self.index, query, self.shared)
                    with self._lock:
                        if self._stopped:
                            return
                        self.rows.append(row)
        except SearchError as exc:  # the index is missing or damaged: the request says so, as for a search
            self.error = exc

    def stop(self) -> list[BatchRow]:
        """Stop after the query in hand; return the rows done so far (the query in hand's is dropped).
        Raises the SearchError that stopped it (a missing or damaged index fails the whole batch alike)."""
        with self._lock:
            self._stopped = True
            if self.error is not None:
                raise self.error
            return list(self.rows)


def public(state: dict) -> dict:
    """Return what the API shows of a job: everything but its owner process and its inputs."""
    shown = {key: state[key] for key in ("id", "status", "total", "done") if key in state}
    if state.get("error"):
        shown["error"] = state["error"]
    if state["status"] == "done" and "results" in state:
        shown["results"] = state["results"]
    return shown


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # it exists, owned by someone else
    return True
