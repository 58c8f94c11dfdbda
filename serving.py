"""gunicorn settings for ``make run`` (worker count and address come from the Makefile).

Each worker process opens the index on its first request and, like the development server, follows
new commits and generations by itself, so a re-index needs no restart. A worker that stops answering
for ``timeout`` seconds is replaced.

Workers are gunicorn's *sync* workers (one request at a time per process), not threads. A search is CPU
work under the GIL; threads in one process share a core and stretch every request they hold, and a
threaded worker accepts connections while it is busy, so one process could queue several requests while
the other sat idle. A sync worker accepts only when it is free: the workers serve one shared queue. On
108k articles with 8 clients (bench/serve_load.py, five runs each) that took the p95 from 93-100 ms
(2 workers x 4 threads) to 60-70 ms, at 152-184 requests/s against 155-169 (README, "Serving: one request
per worker process at a time"; bench/RESULTS-speed.md section 7).

What a sync worker risks is a slow client holding it: every client socket here times out after
``CLIENT_TIMEOUT`` seconds without progress (reading the request or sending the answer), which closes
that connection and frees the worker; it is logged in one line.
"""

import logging
import os

from gunicorn.workers.sync import SyncWorker

# A worker that has not come back to its accept loop for this long is killed and replaced. The app's own
# work per request is bounded to about a second; what can take longer is sending a large answer to a slow
# client, which the kernel's send buffer mostly absorbs (a 1.4 MB export read at 50 KB/s: the worker was
# free after 1 s, the client read for 44 s) and CLIENT_TIMEOUT bounds each step of. A sync worker does not
# report to gunicorn while it sends, so the limit leaves room for a slow download before it cuts one.
timeout = 120
graceful_timeout = 10
# serving.Worker below (this file is also importable as the module ``serving``).
worker_class = "serving.Worker"
# One line per request on stdout, errors on stderr, as the development server did.
accesslog = "-"
errorlog = "-"
loglevel = "info"
# No control socket in the user's home directory: several servers (tests, benches) may run at once.
control_socket_disable = True
# gunicorn names itself in the Server header but not its version; nothing else is disclosed.


def client_timeout(raw: str | None, default: float = 10.0, report: bool = True) -> float:
    """Seconds a client's socket may make no progress (request not read, answer not taken) before it is
    closed: ``CRISIS_DESK_CLIENT_TIMEOUT``, else ``default``; a value that is not a positive number is
    reported in one line and the default stands (as the app's settings do)."""
    if raw is None or not raw.strip():
        return default
    try:
        value = float(raw)
    except ValueError:
        value = 0.0
    if not 0 < value < float("inf"):
        if report:
            print(f"CRISIS_DESK_CLIENT_TIMEOUT={raw!r} ignored: not a positive number of seconds; {default:g} stands")
        return default
    return value


# gunicorn runs this file as its configuration (``__config__``) and imports it again as the module
# ``serving`` for the worker class, which is the copy that uses the value: only that one reports it.
CLIENT_TIMEOUT = client_timeout(os.environ.get("CRISIS_DESK_CLIENT_TIMEOUT"), report=__name__ != "__config__")


class Worker(SyncWorker):
    """gunicorn's sync worker whose client sockets time out after ``CLIENT_TIMEOUT`` seconds."""

    def init_process(self):
        self.log.error_log.addFilter(one_line_timeouts)
        super().init_process()

    def handle(self, listener, client, addr):
        client.settimeout(CLIENT_TIMEOUT)
        super().handle(listener, client, addr)


def one_line_timeouts(record: logging.LogRecord) -> bool:
    """Turn gunicorn's traceback for a client socket that timed out into one line (it is not an error)."""
    exc = record.exc_info[1] if record.exc_info else None
    if isinstance(exc, TimeoutError) and record.msg == "Socket error processing request.":
        record.msg = "client made no progress for %g s: connection closed"
        record.args = (CLIENT_TIMEOUT,)
        record.exc_info = record.exc_text = None
        record.levelno, record.levelname = logging.INFO, "INFO"
    return True


def post_worker_init(worker):
    """Start opening the index in the background as soon as a worker is up, not at its first request.

    Opening a large index (facet arrays, then the alias table and did-you-mean's words) takes seconds;
    until the alias table is ready each search waits for it briefly and until the words are read
    did-you-mean asks Whoosh's term file. Requests that arrive meanwhile are answered as before.
    """
    import threading
    import time

    index = getattr(getattr(worker, "wsgi", None), "extensions", {}).get("crisis_desk.index")
    if index is None or not hasattr(index, "warm_up"):
        return

    def warm():
        started = time.perf_counter()
        try:
            index.warm_up()
        except Exception as exc:  # noqa: BLE001 - a missing or damaged index is answered per request
            worker.log.info("index not warmed: %s", str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
            return
        worker.log.info("index warmed in %.2f s", time.perf_counter() - started)

    threading.Thread(target=warm, name="index-warm-up", daemon=True).start()
