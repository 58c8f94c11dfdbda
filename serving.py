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
