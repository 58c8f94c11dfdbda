"""gunicorn settings for ``make run`` (worker count, threads and address come from the Makefile).

Each worker process opens the index on its first request and, like the development server, follows
new commits and generations by itself, so a re-index needs no restart. A worker that stops answering
for ``timeout`` seconds is replaced: no request is allowed to hold one for long.
"""

# Requests are bounded well below this; a worker stuck past it is killed and replaced.
timeout = 30
graceful_timeout = 10
# Keep-alive lets a browser reuse its connection for the page's CSS, JS and the facet look-ups.
keepalive = 5
# One line per request on stdout, errors on stderr, as the development server did.
accesslog = "-"
errorlog = "-"
loglevel = "info"
# No control socket in the user's home directory: several servers (tests, benches) may run at once.
control_socket_disable = True
# gunicorn names itself in the Server header but not its version; nothing else is disclosed.


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
