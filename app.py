"""Crisis Desk web front end: HTML pages, the JSON API and the CSV export over one search index.

``create_app(test_config=None)`` is the only entry point (``flask --app app run``, ``make run``).
The app only reads the index (through the ``search`` package), never loads spaCy, and turns every
error into a page or a JSON body in one place (``render_error``), so nobody sees a traceback.
"""

from __future__ import annotations

import csv
import functools
import io
import itertools
import logging
import os
import shlex
import time
from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlencode, urlsplit

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    g,
    jsonify,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from werkzeug.exceptions import HTTPException, NotFound

from search import IndexMissing, IndexUnreadable, InvalidParameter, SearchError, parse_request
from search.backend import BACKENDS, DEFAULT_BACKEND, SearchBackend, open_backend
from search.budget import DEADLINE_SECONDS, MAX_EXPANDED_TERMS
from search.compare import MAX_SERIES, parse_series
from search.errors import IndexWarming
from search.model import FACET_KINDS, FACET_LIMIT, PER_PAGE_CHOICES
from search.model import SORTS as SORT_NAMES
from search.network import circle_layout, parse_kinds
from web.allocator import limit_arenas
from web.json_provider import OrjsonProvider
from web.protection import init_protection, read_secret_key

log = logging.getLogger("crisis_desk.app")

# Every setting, declared once with its default and what it is for (Datasette's habit).
SETTINGS: dict[str, tuple[object, str]] = {
    "INDEX_DIR": ("index", "index directory written by `python -m indexer build` (env CRISIS_DESK_INDEX)"),
    "BACKEND": (DEFAULT_BACKEND, f"search engine behind the app ({', '.join(BACKENDS)})"),
    "EXPORT_LIMIT": (10_000, "most rows one /export.csv streams"),
    "FACET_SHOWN": (8, "facet values shown before the 'more' disclosure"),
    "FACET_MAX": (FACET_LIMIT, "most facet values 'more' reveals (the engine lists this many per facet)"),
    "MORE_LIKE_THIS": (5, "related articles listed under an article"),
    "ARTICLE_MAX_CHARS": (200_000, "characters of an article the page and the API show (the rest: /text/<id>)"),
    "ARTICLE_MAX_MARKS": (2_000, "entity mentions an article page links; the rest show as plain text"),
    "QUERY_MAX_TERMS": (MAX_EXPANDED_TERMS, "words all wildcard and fuzzy terms of one query may expand to together"),
    "QUERY_DEADLINE": (
        DEADLINE_SECONDS,
        "seconds a query's wildcard/fuzzy expansion may take before it stops with a notice",
    ),
    "SECRET_KEY": (
        None,
        "signs CSRF tokens; shared by every worker (env CRISIS_DESK_SECRET_KEY, else a key "
        "file created once in INDEX_DIR)",
    ),
    "MAX_CONTENT_LENGTH": (8 * 2**20, "largest request body (batch CSV uploads)"),
    "SEEDS_DIR": (
        "seeds",
        "the sample articles `make run` indexes first (relative to the app); a landing page "
        "over nothing else says how to index real coverage",
    ),
    "MALLOC_ARENAS": (2, "malloc arenas of the serving process (0: glibc's default, 8 per core); see web/allocator.py"),
    "OPEN_WAIT": (
        0.8,
        "seconds a request waits for a new index commit opening in the background (then: the one before)",
    ),
    "BATCH_INLINE_SECONDS": (0.8, "seconds a batch runs inside its request; the rest runs as a background job"),
    "BATCH_QUEUE": (2, "batch jobs waiting per process (one runs at a time); past it a new batch is a 503"),
    "BATCH_KEEP_SECONDS": (3600, "seconds a finished batch job's results are kept"),
    "BATCH_JOBS_DIR": (None, "where batch jobs are kept (default INDEX_DIR/batch-jobs)"),
}
ENV_INDEX_DIR = "CRISIS_DESK_INDEX"
ENV_PREFIX = "CRISIS_DESK_"  # any setting may also come from the environment: CRISIS_DESK_<NAME> (SECRET_KEY too)


def settings_from_env(environ: Mapping[str, str]) -> dict[str, object]:
    """Return the settings given as ``CRISIS_DESK_<NAME>`` variables, as the types of their defaults.

    A value that does not parse as its setting's type is logged in one line and left out (the default
    stands): a typo in a deployment's environment must not stop every worker from starting."""
    found: dict[str, object] = {}
    for name, (default, _help) in SETTINGS.items():
        raw = environ.get(ENV_PREFIX + name)
        if raw is None:
            continue
        kind = type(default)
        try:
            found[name] = kind(raw.strip()) if kind in (int, float) else raw
        except ValueError:
            log.warning("%s%s=%r ignored: not %s; the default %r stands", ENV_PREFIX, name, raw, kind.__name__, default)
    return found


FILTER_KINDS = FACET_KINDS
FILTER_LABELS = {"actor": "Actors", "country": "Countries", "org": "Organisations", "source": "Sources"}
# Parameters that make up a search; links carry these and nothing else, so junk never spreads.
STATE_KEYS = (
    "q",
    *FILTER_KINDS,
    "from",
    "to",
    "event_from",
    "event_to",
    "sort",
    "per_page",
    "leaders",
    "versions",
    "page",
)
SORT_LABELS = {"relevance": "Relevance", "newest": "Newest first", "oldest": "Oldest first"}
SORTS = tuple((name, SORT_LABELS[name]) for name in SORT_NAMES)
URL_SAFE = "!$'()*,/:;?@"  # what werkzeug's url_for leaves unquoted in a query string
EXPORT_COLUMNS = ("id", "date", "title", "source", "url", "actors", "countries", "organisations", "score")
EXPORT_CHUNK_ROWS = 200  # rows per streamed piece of an export (~10 to 70 ms of work each)


def create_app(test_config: dict | None = None) -> Flask:
    """Create the Crisis Desk Flask app; ``test_config`` overrides the defaults and the environment."""
    app = Flask(__name__)
    app.json = OrjsonProvider(app)  # the same JSON as Flask's, written several times faster
    # Werkzeug redirects "/article//x" to an absolute URL built from the Host header (an open redirect);
    # no route here needs merged or added slashes. Set before the blueprints bind their rules.
    app.url_map.merge_slashes = False
    app.url_map.strict_slashes = False
    hide_server_version()
    app.config.from_mapping({name: default for name, (default, _help) in SETTINGS.items()})
    app.config.from_mapping(settings_from_env(os.environ))
    if os.environ.get(ENV_INDEX_DIR):
        app.config["INDEX_DIR"] = os.environ[ENV_INDEX_DIR]
    if test_config:
        app.config.from_mapping(test_config)
    # before the server's threads multiply: each would otherwise keep freed memory in an arena of its own
    limit_arenas(app.config["MALLOC_ARENAS"])
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = read_secret_key(app.config["INDEX_DIR"])  # (CRISIS_DESK_SECRET_KEY: above)
    # One reader per app: it opens lazily and follows new commits and generations by itself.
    app.extensions["crisis_desk.index"] = open_backend(app.config)

    app.register_blueprint(pages)
    app.register_blueprint(api)
    app.register_blueprint(export)
    app.register_blueprint(entities)
    # Saved searches and batch search (web/): their forms carry CSRF tokens, their JSON APIs are same-origin.
    from web import batch, saved

    for bp in (saved.pages, saved.api, batch.pages, batch.api):
        app.register_blueprint(bp)
    init_protection(app, json_blueprints=(saved.api, batch.api))
    app.register_error_handler(Exception, render_error)
    app.add_template_global(state_url)
    app.add_template_global(state_fields)
    app.add_template_global(facet_url)
    app.add_template_global(describe_role)
    app.add_template_global(entity_url)
    app.add_template_global(article_url)
    app.add_template_filter(format_date, "date")
    app.add_template_filter(web_url)
    app.after_request(add_security_headers)
    return app


def hide_server_version() -> None:
    """Make the development server say "Crisis Desk", not its Werkzeug and Python versions."""
    from werkzeug.serving import WSGIRequestHandler

    WSGIRequestHandler.version_string = lambda self: "Crisis Desk"  # what BaseHTTPRequestHandler sends


def search_index() -> SearchBackend:
    """Return the app's search backend."""
    return current_app.extensions["crisis_desk.index"]


def request_args() -> dict[str, list[str]]:
    """Return the query string as the mapping ``parse_request`` expects."""
    return request.args.to_dict(flat=False)


# ---------------------------------------------------------------------------------------------
# Errors: one place turns every exception into an HTML page or a JSON body with the right status.
# ---------------------------------------------------------------------------------------------


class ErrorReport(NamedTuple):
    """What a user is told about a failed request."""

    status: int
    title: str
    message: str  # one line, also the JSON "error"
    command: str = ""  # a shell command that fixes it, shown as code on the page


def describe_error(exc: Exception) -> ErrorReport:
    """Return the report for any exception, logging the unexpected ones."""
    if isinstance(exc, InvalidParameter):
        return ErrorReport(400, "Bad request", str(exc))
    if isinstance(exc, IndexMissing):
        index_dir = current_app.config["INDEX_DIR"]
        command = f"python -m indexer build seeds --index {shlex.quote(str(index_dir))}"
        return ErrorReport(
            503,
            "No index yet",
            (
                f"There is no search index at {index_dir}. Build it with `{command}` (or run `make run`), "
                f"then reload this page."
            ),
            command,
        )
    if isinstance(exc, IndexWarming):
        return ErrorReport(503, "Index opening", str(exc))
    if isinstance(exc, IndexUnreadable):
        log.warning("index unreadable: %s", exc)
        return ErrorReport(503, "Index damaged", str(exc))
    if isinstance(exc, SearchError):
        log.warning("search failed: %s", exc)
        return ErrorReport(503, "Search unavailable", str(exc) or "The search index could not be read.")
    if isinstance(exc, NotFound):
        return ErrorReport(404, "Not found", "There is no such page or article.")
    if isinstance(exc, HTTPException):
        return ErrorReport(exc.code or 500, exc.name, exc.description or exc.name)
    log.exception("unhandled error on %s", request.path)
    return ErrorReport(500, "Something went wrong", "Something went wrong on our side; the error has been logged.")


def render_error(exc: Exception) -> Response | tuple:
    """Turn an exception into a JSON error (API, export, health) or a plain HTML page."""
    report = describe_error(exc)
    # an index still opening answers in seconds: say when to ask again (the others need an operator)
    headers = {"Retry-After": "3"} if isinstance(exc, IndexWarming) else {}
    if request.path.startswith(("/api/", "/healthz", "/export")):
        return jsonify({"error": report.message, "status": report.status}), report.status, headers
    try:
        page = render_template("error.html", report=report, plain_search=True, retry_after=headers.get("Retry-After"))
        return page, report.status, headers
    except Exception:  # the error page itself failed: still no traceback for the user
        log.exception("error page failed")
        return Response(
            f"{report.status} {report.title}: {report.message}\n", status=report.status, mimetype="text/plain"
        )


def add_security_headers(response: Response) -> Response:
    """Forbid inline scripts and sniffing: a second line of defence behind escaping."""
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


# ---------------------------------------------------------------------------------------------
# URL state: every view of the results is a GET URL built from the current arguments.
# ---------------------------------------------------------------------------------------------


def current_state() -> dict[str, list[str]]:
    """Return the search parameters of this request (known keys only, empty values dropped)."""
    if "search_state" not in g:  # a results page builds hundreds of links from the same state
        g.search_state = {
            key: [v for v in request.args.getlist(key) if v != ""] for key in STATE_KEYS if key in request.args
        }
    return {key: list(values) for key, values in g.search_state.items()}


def endpoint_path(endpoint: str) -> str:
    """Return ``url_for(endpoint)``, remembered for the rest of the request."""
    paths = g.setdefault("endpoint_paths", {})
    if endpoint not in paths:
        paths[endpoint] = url_for(endpoint)
    return paths[endpoint]


def state_url(
    endpoint: str = "pages.results",
    *,
    add: tuple[str, str] | None = None,
    remove: tuple[str, str] | None = None,
    replace: dict[str, object] | None = None,
    page: int | None = None,
) -> str:
    """Return the URL of the current search with one change; any change but paging returns to page 1.

    ``add=("country", "-BY")`` adds a filter value (replacing the opposite include/exclude of the same
    value), ``remove=(kind, value)`` drops one, ``replace={"sort": "newest", "to": None}`` sets or clears
    parameters.
    """
    state = current_state()
    state.pop("page", None)
    for key, value in (replace or {}).items():
        if value is None or value == "":
            state.pop(key, None)
        else:
            state[key] = [value.isoformat() if isinstance(value, date) else str(value)]
    if add:
        kind, value = add
        bare = value.lstrip("-").casefold()
        state[kind] = [v for v in state.get(kind, []) if v.lstrip("-").casefold() != bare] + [value]
    if remove:
        kind, value = remove
        state[kind] = [v for v in state.get(kind, []) if v != value]
    if page and page > 1:
        state["page"] = [str(page)]
    # Encoded as url_for would (same safe characters), without its per-call cost on ~800 links a page.
    query = "&".join(encode_param(key, v) for key, values in state.items() for v in values)
    return endpoint_path(endpoint) + ("?" + query if query else "")


@functools.lru_cache(maxsize=4096)
def encode_param(key: str, value: str) -> str:
    """Return ``key=value`` encoded for a query string, exactly as werkzeug's url_for encodes it."""
    return urlencode([(key, value)], safe=URL_SAFE)


def state_fields(*skip: str) -> list[tuple[str, str]]:
    """Return (name, value) pairs of the current search for hidden form inputs, minus ``skip`` and page."""
    return [(key, v) for key, values in current_state().items() if key not in skip and key != "page" for v in values]


def state_query() -> str:
    """Return the current search as a query string, page included ("" when there is no search)."""
    return "&".join(encode_param(key, v) for key, values in current_state().items() for v in values)


def article_url(article_id: str) -> str:
    """Return an article's URL carrying the current search (its page shows the words and links back)."""
    query = state_query()
    return url_for("pages.article", article_id=article_id) + ("?" + query if query else "")


def web_url(url: str | None) -> str:
    """Return ``url`` when it is http(s), else "": a stored URL must never become a javascript: link."""
    url = (url or "").strip()
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:  # "http://[::1": a URL that cannot be parsed is not linked
        return ""
    return url if scheme in ("http", "https") else ""


def format_date(value: date | None, unit: str = "day") -> str:
    """Format a date for readers: '24 Nov 2021' (or 'November 2021' for a month)."""
    if value is None:
        return ""
    if unit == "month":
        return value.strftime("%B %Y")
    return f"{value.day} {value.strftime('%b %Y')}"


# ---------------------------------------------------------------------------------------------
# Pages
# ---------------------------------------------------------------------------------------------

pages = Blueprint("pages", __name__)


def clamp_per_page() -> str:
    """Bring a page's ``per_page`` to the nearest allowed value; return the notice saying so ("" if none).

    The page's links then carry the allowed value; the API keeps answering 400 (a program should be told).
    """
    raw = request.args.get("per_page", "").strip()
    try:
        asked = int(raw)
    except ValueError:
        return ""  # not a number at all: parse_request's clear 400
    if asked in PER_PAGE_CHOICES:
        return ""
    nearest = min(PER_PAGE_CHOICES, key=lambda n: (abs(n - asked), n))
    state = current_state()
    state["per_page"] = [str(nearest)]
    g.search_state = state
    return f"Showing {nearest} a page: a page holds 10, 20 or 50 results, not {raw[:12]}."


def page_request():
    """Return (SearchRequest, notice) of an HTML page: like the API's, but ``per_page`` is clamped."""
    notice = clamp_per_page()
    args = request_args()
    if notice:
        args["per_page"] = current_state()["per_page"]
    return parse_request(args), notice


@pages.get("/")
def results():
    """Show the results page; with no query it is the landing page (everything, newest first)."""
    req, page_notice = page_request()
    res = search_index().search(req)
    return render_template(
        "results.html",
        req=req,
        res=res,
        page_notice=page_notice,
        facets=facet_panels(res.facets, res.facet_totals),
        chips=selected_chips(res.facets, req),
        histogram=histogram_chart(res.histogram, res.histogram_unit, req),
        event_histogram=histogram_chart(res.event_histogram, res.event_histogram_unit, req, mentioned=True),
        pages=page_numbers(res.page, last_page(res.total, res.per_page)),
        last_page=last_page(res.total, res.per_page),
        sorts=SORTS,
        current_sort=getattr(res, "sort", None) or req.sort,  # an empty query is browsed newest first
        per_page_choices=PER_PAGE_CHOICES,
        network=results_network(req, res.total),
        network_kinds=network_kinds(),
        seeds_only=seeds_only(res),
    )


def seeds_only(res) -> dict | None:
    """On the landing page of an index that holds nothing but the sample articles, return what the page
    needs to say how to index real coverage (None anywhere else)."""
    if current_state() or not res.hits:
        return None
    seeds = seed_ids(os.path.join(current_app.root_path, current_app.config["SEEDS_DIR"]))
    if not seeds or search_index().health()["articles"] > len(seeds) or any(h.id not in seeds for h in res.hits):
        return None
    index_dir = shlex.quote(str(current_app.config["INDEX_DIR"]))
    return {"count": len(seeds), "command": f"python -m indexer --index {index_dir} build --rebuild PATH ..."}


@functools.lru_cache(maxsize=4)
def seed_ids(folder: str) -> frozenset[str]:
    """Return the ids of the sample articles (the indexer names a .txt article by its file's stem)."""
    try:
        return frozenset(p.stem for p in Path(folder).glob("*.txt"))
    except OSError:
        return frozenset()


@pages.get("/facet/<kind>")
def facet_page(kind: str):
    """List every value of one facet over the current results, FACET_MAX a page, filtered by word prefix.

    This is where the sidebar's "more" link and its filter box lead without JavaScript.
    """
    if kind not in FILTER_KINDS:
        raise NotFound()
    req, _notice = page_request()  # the values page shows no pages of hits: per_page only travels in links
    prefix, offset, limit = facet_page_args(current_app.config["FACET_MAX"])
    result = search_index().facet_values(req, kind, prefix=prefix, offset=offset, limit=limit)
    chosen, excluded = selected_values(kind)
    rows = [facet_row(kind, fv, chosen, excluded) for fv in result.values]

    def page_href(new_offset: int) -> str:
        return facet_url(kind, prefix=prefix, offset=new_offset)

    return render_template(
        "facet_values.html",
        kind=kind,
        label=FILTER_LABELS[kind],
        result=result,
        rows=rows,
        prefix=prefix,
        offset=offset,
        limit=limit,
        prev_href=page_href(max(0, offset - limit)) if offset > 0 else None,
        next_href=page_href(offset + limit) if offset + limit < result.total_values else None,
        back_href=state_url(),
    )


def facet_url(kind: str, prefix: str = "", offset: int = 0) -> str:
    """Return the URL of one facet's values page over the current search (page number dropped)."""
    state = [(key, v) for key, values in current_state().items() if key != "page" for v in values]
    state += [(key, str(value)) for key, value in (("prefix", prefix), ("offset", offset)) if value]
    query = "&".join(encode_param(key, v) for key, v in state)
    return url_for("pages.facet_page", kind=kind) + ("?" + query if query else "")


def facet_page_args(default_limit: int) -> tuple[str, int, int]:
    """Return (prefix, offset, limit) of a facet values request; bad numbers are a clear 400."""
    prefix = (request.args.get("prefix") or "").strip()

    def number(name: str, default: int) -> int:
        text = (request.args.get(name) or "").strip()
        if not text:
            return default
        try:
            return int(text)
        except ValueError:
            raise InvalidParameter(f"{name} must be a whole number, not {text[:20]!r}") from None

    return prefix, number("offset", 0), number("limit", default_limit)


@pages.get("/text/<path:article_id>")
def article_text(article_id: str):
    """Stream an article's whole text as plain text (the "show all" of a long article page)."""
    body = search_index().article_text(article_id)
    if body is None:
        raise NotFound()
    chunk = 64 * 1024
    return Response(
        (body[i : i + chunk] for i in range(0, len(body), chunk)),
        mimetype="text/plain",
        headers={"Content-Disposition": "inline"},
    )


@pages.get("/article/<path:article_id>")
def article(article_id: str):
    """Show one article with its entities linked to filters, its metadata and related articles."""
    view = search_index().article(
        article_id, max_chars=current_app.config["ARTICLE_MAX_CHARS"], max_marks=current_app.config["ARTICLE_MAX_MARKS"]
    )
    if view is None:
        raise NotFound()
    related = search_index().more_like_this(view.id, n=current_app.config["MORE_LIKE_THIS"])
    story = search_index().story(view.story["id"]) if view.story and view.story["size"] > 1 else None
    clamp_per_page()  # the way back must not lead to a refused page
    query = state_query()
    back_href = endpoint_path("pages.results") + "?" + query if query else None
    # the search's words are marked in the text as in the snippets (entity links keep their own marks)
    segments = view.segments or [(view.body, None, None)]
    title, lead, *pieces = search_index().mark_query(
        request.args.get("q", ""), [view.title, view.lead or ""] + [text for text, _k, _v in segments]
    )
    body = [(kind, value, marked) for (_text, kind, value), marked in zip(segments, pieces)]
    return render_template(
        "article.html",
        article=view,
        related=related,
        story=story,
        back_href=back_href,
        body=body,
        lead=lead,
        title=title,
        marked=any(m for _k, _v, pieces in body for _t, m in pieces),
    )


def filter_values(kind: str) -> list[tuple[str, bool]]:
    """Return this request's (value, excluded) pairs for one filter kind, blanks dropped."""
    pairs = []
    for raw in request.args.getlist(kind):
        value = raw.strip()
        excluded = value.startswith("-")
        value = value.lstrip("-").strip()
        if value:
            pairs.append((value, excluded))
    return pairs


def facet_panels(facets: dict, totals: dict | None = None) -> list[dict]:
    """Prepare the sidebar: each facet's values (by count, leaders starred in place) with their selected state."""
    chosen = {kind: {v.casefold() for v, excluded in filter_values(kind) if not excluded} for kind in FILTER_KINDS}
    excluded = {kind: {v.casefold() for v, excluded in filter_values(kind) if excluded} for kind in FILTER_KINDS}
    limit = current_app.config["FACET_MAX"]
    panels = []
    for kind in FILTER_KINDS:
        values = list(facets.get(kind, []))[:limit]
        rows = [facet_row(kind, fv, chosen[kind], excluded[kind]) for fv in values]
        total = (totals or {}).get(kind, len(values))
        panels.append(
            {
                "kind": kind,
                "label": FILTER_LABELS[kind],
                "rows": rows,
                "total": total,
                "shown": current_app.config["FACET_SHOWN"],
                # the sidebar stops at FACET_MAX values: the values pages list the rest
                "more_href": facet_url(kind) if total > len(values) else None,
            }
        )
    return panels


def facet_row(kind: str, fv, chosen: set[str], excluded: set[str]) -> dict:
    """Return one facet value's row: its links (add, remove, exclude), selected state and role label."""
    param = fv.code if kind == "country" and fv.code else fv.value
    names = {fv.value.casefold(), param.casefold()}
    # the URL may name a selected value differently ("country=Belarus" for BY): remove that spelling
    selected = next(
        (
            raw
            for raw in request.args.getlist(kind)
            if raw.strip().casefold() in names and raw.strip().casefold() in chosen
        ),
        None,
    )
    return {
        "kind": kind,
        "fv": fv,
        "selected": selected is not None,
        "excluded": bool(names & excluded),
        # a selected value's link removes it; any other value's link adds it
        "href": state_url(remove=(kind, selected)) if selected is not None else state_url(add=(kind, param)),
        "exclude_href": state_url(add=(kind, "-" + param)),
        "role": describe_role(fv.role, fv.country),
    }


def selected_values(kind: str) -> tuple[set[str], set[str]]:
    """Return the casefolded included and excluded values of one filter kind in this request."""
    pairs = filter_values(kind)
    return ({v.casefold() for v, ex in pairs if not ex}, {v.casefold() for v, ex in pairs if ex})


def selected_chips(facets: dict, req) -> list[dict]:
    """Return the active filters as removable chips, labelled with display names where known."""
    names = {("country", fv.code.casefold()): fv.value for fv in facets.get("country", []) if fv.code}
    chips = []
    for kind in FILTER_KINDS:
        for raw in request.args.getlist(kind):
            value = raw.strip().lstrip("-").strip()
            if not value:
                continue
            chips.append(
                {
                    "kind": kind,
                    "raw": raw,  # the remove link drops exactly this parameter value
                    "label": (names.get((kind, value.casefold())) or country_name(value))
                    if kind == "country"
                    else value,
                    "excluded": raw.strip().startswith("-"),
                }
            )
    if req.leaders:  # the toggle filters the results too, so it shows among the filters
        chips.append(
            {
                "kind": "leaders",
                "raw": request.args.get("leaders", ""),
                "label": "Leaders only",
                "excluded": False,
                "replace": True,
            }
        )
    for key, label, value in (
        ("from", "From", req.date_from),
        ("to", "To", req.date_to),
        ("event_from", "Mentions from", req.event_from),
        ("event_to", "Mentions to", req.event_to),
    ):
        if request.args.get(key):
            chips.append(
                {
                    "kind": key,
                    "raw": request.args[key],
                    "label": f"{label} {format_date(value)}",
                    "excluded": False,
                    "replace": True,
                }
            )
    return chips


def describe_role(role: str, country_code: str = "") -> str:
    """Return an actor's role with its country, e.g. 'President, Russia' (role alone if it names it)."""
    if not role:
        return ""
    name = country_name(country_code) if country_code else ""
    return f"{role}, {name}" if name and name.casefold() not in role.casefold() else role


def country_name(code_or_name: str) -> str:
    """Return a country's display name for an ISO alpha-2 code ("Russia", the names the served index was
    built with), or the text itself when it is not one."""
    if len(code_or_name) != 2 or not code_or_name.isalpha():
        return code_or_name
    name = search_index().country_name(code_or_name.upper())
    return name if name and name != code_or_name.upper() else code_or_name


def last_page(total: int, per_page: int) -> int:
    """Return the number of the last results page (1 when there are no results)."""
    return max(1, -(-total // per_page))


def page_numbers(current: int, last: int, window: int = 2) -> list[int | None]:
    """Return the page numbers a pager shows, with None for a gap: 1 … 4 5 [6] 7 8 … 20."""
    wanted = {1, last, *range(current - window, current + window + 1)}
    numbers: list[int | None] = []
    for n in sorted(p for p in wanted if 1 <= p <= last):
        if numbers and n - (numbers[-1] or 0) > 1:
            numbers.append(None)
        numbers.append(n)
    return numbers


def histogram_chart(buckets: list, unit: str, req, mentioned: bool = False) -> dict | None:
    """Lay out matches per period as bars that link to their period, for ``_histogram.html`` to draw.

    Only numbers and plain strings: the template draws the SVG and escapes every label. The SVG stretches
    to any width (``preserveAspectRatio="none"``), so it holds no text; the axis is an HTML list with one
    equal cell per bar, which stays aligned and readable on a phone. ``mentioned`` draws the dates the
    texts mention (bars set ``event_from``/``event_to``) instead of publication dates.
    """
    if not buckets:
        return None
    width, height = 1000, 100
    step = width / len(buckets)
    bar_width = min(step * 0.8, width / 12 * 0.8)  # a few months must not become slabs
    peak = max(b.count for b in buckets) or 1
    total = sum(b.count for b in buckets)
    first, last = period_label(buckets[0], unit), period_label(buckets[-1], unit)
    what = "Articles mentioning a date, per" if mentioned else "Articles per"
    low, high = (req.event_from, req.event_to) if mentioned else (req.date_from, req.date_to)
    keys = ("event_from", "event_to") if mentioned else ("from", "to")
    bars = []
    for i, bucket in enumerate(buckets):
        bar = max(bucket.count / peak * (height - 4), 3.0) if bucket.count else 1.0  # one article still shows
        bars.append(
            {
                "x": f"{i * step:.2f}",
                "step": f"{step:.2f}",
                "bar_x": f"{i * step + (step - bar_width) / 2:.2f}",
                "bar_width": f"{bar_width:.2f}",
                "y": f"{height - bar:.2f}",
                "bar": f"{bar:.2f}",
                "count": bucket.count,
                "tip": f"{period_label(bucket, unit)}: {bucket.count} article{'' if bucket.count == 1 else 's'}",
                "current": low == bucket.start and high == bucket.end,
                "href": state_url(replace={keys[0]: bucket.start, keys[1]: bucket.end}) if bucket.count else "",
            }
        )
    every = max(1, -(-len(buckets) // 6))  # label about six bars; the others get empty cells
    return {
        "width": width,
        "height": height,
        "bars": bars,
        "label": (
            f"{what} {unit} from {first} to {last}: {total} in all, at most {peak} in one {unit}. "
            f"Each bar links to its {unit}."
        ),
        "axis": [axis_label(b, unit) if i % every == 0 else "" for i, b in enumerate(buckets)],
    }


def period_label(bucket, unit: str) -> str:
    """Return a reader's label for a histogram bucket: '2021', 'November 2021' or '24 Nov 2021'."""
    if unit == "year" and bucket.start is not None:
        return str(bucket.start.year)
    return format_date(bucket.start, "month" if unit == "month" else "day") or str(bucket.period)


def axis_label(bucket, unit: str) -> str:
    """Return a short axis label for a bucket: 'Nov 2021' or '24 Nov'."""
    if bucket.start is None:
        return str(bucket.period)
    if unit == "year":
        return str(bucket.start.year)
    return bucket.start.strftime("%b %Y") if unit == "month" else f"{bucket.start.day} {bucket.start.strftime('%b')}"


# ---------------------------------------------------------------------------------------------
# JSON API
# ---------------------------------------------------------------------------------------------

api = Blueprint("api", __name__)


@api.get("/api/search")
def api_search():
    """Return search results, facets and histogram as JSON (the shape issue 3 fixes)."""
    return jsonify(search_index().search(parse_request(request_args())).to_dict())


@api.get("/api/facet/<kind>")
def api_facet(kind: str):
    """Return a page of one facet's values over a search's matches: ``prefix`` matches any word of a value."""
    if kind not in FILTER_KINDS:
        return jsonify({"error": f"no facet {kind[:40]!r}; facets are {', '.join(FILTER_KINDS)}", "status": 404}), 404
    prefix, offset, limit = facet_page_args(current_app.config["FACET_MAX"])
    result = search_index().facet_values(parse_request(request_args()), kind, prefix=prefix, offset=offset, limit=limit)
    return jsonify(result.to_dict())


@api.get("/api/article/<path:article_id>")
def api_article(article_id: str):
    """Return one article with its entities as JSON (long ones cut, with ``full_text_url``)."""
    view = search_index().article(
        article_id, max_chars=current_app.config["ARTICLE_MAX_CHARS"], max_marks=current_app.config["ARTICLE_MAX_MARKS"]
    )
    if view is None:
        raise NotFound()
    data = view.to_dict()
    data["full_text_url"] = url_for("pages.article_text", article_id=view.id) if view.truncated else None
    return jsonify(data)


@api.get("/api/story/<path:story_id>")
def api_story(story_id: str):
    """Return a story's members (id, title, date, source, url, length, length_delta), lead first."""
    story = search_index().story(story_id)
    if story is None:
        raise NotFound()
    return jsonify(story.to_dict())


@api.get("/healthz")
def healthz():
    """Report the index generation being served and its article count."""
    return jsonify({"status": "ok", **search_index().health()})


# ---------------------------------------------------------------------------------------------
# Entity pages: one actor, country or organisation (issue 11)
# ---------------------------------------------------------------------------------------------

entities = Blueprint("entities", __name__)
ENTITY_ENDPOINTS = {"actor": "entities.actor_page", "country": "entities.country_page", "org": "entities.org_page"}
ENTITY_LABELS = {"actor": "Person", "country": "Country", "org": "Organisation"}


def entity_url(kind: str, value: str) -> str:
    """Return the URL of an entity's page ("" for a kind without pages or an empty value)."""
    value = (value or "").strip()
    if kind not in ENTITY_ENDPOINTS or not value:
        return ""
    paths = g.setdefault("entity_paths", {})
    key = (kind, value)
    if key not in paths:  # a results page links every badge and facet value: build each once
        paths[key] = url_for(ENTITY_ENDPOINTS[kind], value=value)
    return paths[key]


def entity_page(kind: str, value: str):
    """Render one entity's page; an unknown entity is a 404 page."""
    view = search_index().entity(kind, value)
    if view is None:
        raise NotFound()
    # The page's own "search" is everything about the entity: chart bars and links narrow that search.
    g.search_state = {kind: [view.value]}
    chart = histogram_chart(view.histogram, view.histogram_unit, parse_request({}))
    if chart:
        peaks = set(view.peaks)
        for bar, bucket in zip(chart["bars"], view.histogram):
            bar["peak"] = bucket.period in peaks
    peak_labels = [period_label(b, view.histogram_unit) for b in view.histogram if b.period in set(view.peaks)]
    own = entity_query(kind, view.value)
    # "compare with…": the entity itself is the first series; its strongest associates are ready-made seconds
    compare_with = [
        {"label": r.display or r.value, "href": compare_href([own, entity_query(k, r.value)])}
        for k, rows in view.related.items()
        for r in rows[:1]
    ]
    return render_template(
        "entity.html",
        view=view,
        label=ENTITY_LABELS[kind],
        histogram=chart,
        peak_labels=peak_labels,
        search_href=state_url(),
        kinds=ENTITY_LABELS,
        compare_query=own,
        compare_with=compare_with,
    )


def entity_query(kind: str, value: str) -> str:
    """Return the query text that finds an entity's articles (``actor:"Vladimir Putin"``, ``country:BY``)."""
    return f'{kind}:"{value.replace(chr(34), " ").strip()}"'


def compare_href(queries: list[str]) -> str:
    """Return the comparison page of ``queries`` (no shared filters)."""
    return url_for("pages.compare_page") + "?" + "&".join(encode_param("q", q) for q in queries)


@entities.get("/actor/<path:value>")
def actor_page(value: str):
    """Show one person: spellings, roles held, attention over time, related entities, sources, latest."""
    return entity_page("actor", value)


@entities.get("/country/<path:value>")
def country_page(value: str):
    """Show one country, by alpha-2 code or name."""
    return entity_page("country", value)


@entities.get("/org/<path:value>")
def org_page(value: str):
    """Show one organisation."""
    return entity_page("org", value)


@entities.get("/api/entity/<kind>/<path:value>")
def api_entity(kind: str, value: str):
    """Return one entity's page as JSON (issue 11's shape); unknown kinds and entities are a JSON 404."""
    if kind not in ENTITY_ENDPOINTS:
        return jsonify(
            {"error": f"no entity kind {kind[:40]!r}; kinds are {', '.join(ENTITY_ENDPOINTS)}", "status": 404}
        ), 404
    view = search_index().entity(kind, value)
    if view is None:
        return jsonify({"error": f"no {kind} {value[:80]!r} in the index", "status": 404}), 404
    return jsonify(view.to_dict())


# ---------------------------------------------------------------------------------------------
# CSV export
# ---------------------------------------------------------------------------------------------

export = Blueprint("export", __name__)


@export.get("/export.csv")
def export_csv():
    """Stream up to EXPORT_LIMIT matching rows as CSV, with the same parameters as the results page."""
    req = parse_request(request_args())
    rows = iter(search_index().export(req, limit=current_app.config["EXPORT_LIMIT"]))
    # Take the first row before the response starts, so a missing index is still a clean 503.
    first = next(rows, None)
    body = csv_lines([] if first is None else itertools.chain([first], rows))
    return Response(
        stream_with_context(body),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="crisis-desk-export.csv"'},
    )


def csv_lines(rows: Iterable, chunk: int = EXPORT_CHUNK_ROWS) -> Iterator[str]:
    """Yield the CSV header, then the rows ``chunk`` lines at a time (one write each, not one per row)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(EXPORT_COLUMNS)
    yield flush()
    try:
        for n, row in enumerate(rows, 1):
            writer.writerow(row_cells(row))
            if n % chunk == 0:
                yield flush()
                time.sleep(0)  # let the worker's other threads run between chunks
    except Exception as exc:  # the response has begun: the last row must say it is not complete
        report = describe_error(exc)
        writer.writerow([f"# export incomplete: {report.message}"])
    yield flush()


def row_cells(row) -> list[str]:
    """Return one export row's CSV cells, each safe to open in a spreadsheet."""
    return [
        spreadsheet_safe(row.id),
        row.date.isoformat() if row.date else "",
        spreadsheet_safe(row.title),
        spreadsheet_safe(row.source),
        spreadsheet_safe(row.url),
        spreadsheet_safe(join_values(row.actors)),
        spreadsheet_safe(join_values(row.countries)),
        spreadsheet_safe(join_values(row.orgs)),
        "" if row.score is None else f"{row.score:.4f}",
    ]


def join_values(values) -> str:
    """Join a list of names (or {"name"/"code"} dicts) with '; ' for one CSV cell."""
    if isinstance(values, str):
        return values
    names = []
    for value in values or []:
        if isinstance(value, dict):
            value = value.get("name") or value.get("code") or ""
        names.append(str(value))
    return "; ".join(names)


def spreadsheet_safe(text: str) -> str:
    """Quote a leading =, +, -, @, tab or CR so spreadsheets do not run a cell as a formula (OWASP)."""
    text = text or ""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


# ---------------------------------------------------------------------------------------------
# Who appears with whom (co-mention graph) and attention compared (several queries on one axis)
# ---------------------------------------------------------------------------------------------

NETWORK_PAGE_NODES = 24  # the results page draws fewer nodes than the API allows, to keep labels readable
NETWORK_PAGE_EDGES = 36  # and only the strongest links, so the drawing does not turn into a hairball
COMPARE_MODES = ("count", "share")
SERIES_COLOURS = ("#0b5cad", "#c2410c", "#047857", "#a21caf", "#854d0e")  # distinct, AA on white


def network_kinds() -> tuple[str, ...]:
    """Return the kinds the results page's graph shows (``kinds=actor,country``); anything else: actors."""
    try:
        return parse_kinds(request.args.get("kinds", ""))
    except InvalidParameter:
        return ("actor",)


def results_network(req, total: int) -> dict | None:
    """Return the results page's co-mention graph, laid out (None when nothing matched)."""
    if not total:
        return None
    return network_chart(
        search_index().network(req, network_kinds(), max_nodes=NETWORK_PAGE_NODES, max_edges=NETWORK_PAGE_EDGES)
    )


def filters_url(endpoint: str, pairs: list[tuple[str, str]]) -> str:
    """Return the URL of the current search with several filter values added (page dropped)."""
    state = current_state()
    state.pop("page", None)
    for kind, value in pairs:
        folded = value.casefold()
        state[kind] = [v for v in state.get(kind, []) if v.lstrip("-").casefold() != folded] + [value]
    query = "&".join(encode_param(key, v) for key, values in state.items() for v in values)
    return endpoint_path(endpoint) + ("?" + query if query else "")


def network_chart(net) -> dict | None:
    """Lay out a co-mention graph for ``_network.html``: numbers, plain labels and filter links only."""
    if not net.nodes:
        return None
    chart = circle_layout(net)
    for row in chart["nodes"]:
        node = row["node"]
        noun = "article" if node.count == 1 else "articles"
        row["href"] = filters_url("pages.results", [(node.kind, node.value)])
        row["tip"] = f"{node.label}: {node.count} {noun}. Filter by {node.label}."
    for row in chart["edges"]:
        a, b, edge = row["a"], row["b"], row["edge"]
        row["href"] = filters_url("pages.results", [(a.kind, a.value), (b.kind, b.value)])
        row["tip"] = f"{a.label} and {b.label}: {edge.count} articles together, G² {edge.score:.1f}. Filter by both."
    chart["label"] = (
        f"Who appears with whom in these {net.documents} articles: {len(net.nodes)} names, "
        f"{len(net.edges)} links. Each name and each link filters the results."
    )
    return chart


@api.get("/api/network")
def api_network():
    """Return the co-mention graph of a search's top actors (``kinds=actor,country`` adds countries)."""
    kinds = parse_kinds(request.args.get("kinds", ""))
    return jsonify(search_index().network(parse_request(request_args()), kinds).to_dict())


def compare_request():
    """Return (queries, shared SearchRequest) of a comparison: every ``q`` is a series, the rest is shared."""
    queries = parse_series(request.args.getlist("q"))
    shared = {key: values for key, values in request_args().items() if key != "q"}
    return queries, parse_request(shared)


@api.get("/api/compare")
def api_compare():
    """Return up to five queries' articles per period on one axis, with their share of each period."""
    queries, req = compare_request()
    return jsonify(search_index().compare(req, queries).to_dict())


@pages.get("/compare")
def compare_page():
    """Show up to five queries on one attention chart (counts or shares), with a form to change them."""
    mode = request.args.get("mode", "count")
    mode = mode if mode in COMPARE_MODES else "count"
    raw = [q for q in request.args.getlist("q") if q.strip()]
    notice, comparison, status = "", None, 200
    try:
        if raw:
            queries, req = compare_request()
            comparison = search_index().compare(req, queries)
        else:
            parse_request({key: values for key, values in request_args().items() if key != "q"})
    except InvalidParameter as exc:
        notice, status = str(exc), 400
    slots = (raw + [""] * MAX_SERIES)[: max(MAX_SERIES, 0)]
    shared = [(key, v) for key, values in current_state().items() if key not in ("q", "page") for v in values]
    return render_template(
        "compare.html",
        comparison=comparison,
        chart=compare_chart(comparison, mode) if comparison else None,
        mode=mode,
        notice=notice,
        slots=slots,
        shared=shared,
        too_many=len(raw) > MAX_SERIES,
        mode_href={m: compare_url(mode=m) for m in COMPARE_MODES},
        csv_href=compare_url("export.compare_csv"),
    ), status


def compare_url(endpoint: str = "pages.compare_page", mode: str | None = None) -> str:
    """Return the URL of this comparison (every q and shared filter), optionally in another mode."""
    pairs = [(key, v) for key, values in current_state().items() if key != "page" for v in values]
    if mode:
        pairs.append(("mode", mode))
    query = "&".join(encode_param(key, v) for key, v in pairs)
    return url_for(endpoint) + ("?" + query if query else "")


def formula_safe(text: str) -> str:
    """Return a CSV cell spreadsheets will not run: a leading tab or return counts as a formula start too."""
    text = text or ""
    return "'" + text if text[:1] in ("\t", "\r") else spreadsheet_safe(text)


def series_url(query: str) -> str:
    """Return the results page of one series: its query with the comparison's shared filters."""
    pairs = [(key, v) for key, values in current_state().items() if key not in ("q", "page") for v in values]
    query_string = "&".join(encode_param(key, v) for key, v in [("q", query), *pairs])
    return endpoint_path("pages.results") + "?" + query_string


def compare_chart(comparison, mode: str) -> dict | None:
    """Lay out the series as lines on one axis (counts or shares), numbers and plain labels only."""
    buckets = comparison.buckets
    if not buckets:
        return None
    width, height, left, right, top, bottom = 800, 300, 56, 40, 12, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [s.counts if mode == "count" else s.shares for s in comparison.series]
    peak = max((max(v) for v in values if v), default=0) or 1
    step = plot_w / max(len(buckets) - 1, 1)

    def x(i: int) -> float:
        return left + (i * step if len(buckets) > 1 else plot_w / 2)

    def y(v: float) -> float:
        return top + plot_h - v / peak * plot_h

    def shown(v) -> str:
        return f"{v:.1%}" if mode == "share" else str(v)

    unit = comparison.unit
    lines = []
    for n, (series, vals) in enumerate(zip(comparison.series, values)):
        points = [
            {
                "x": f"{x(i):.1f}",
                "y": f"{y(v):.1f}",
                "tip": f"{series.label}, {period_label(b, unit)}: {shown(v)}"
                + (f" ({series.counts[i]} of {comparison.base[i]} articles)" if mode == "share" else ""),
            }
            for i, (b, v) in enumerate(zip(buckets, vals))
        ]
        lines.append(
            {
                "label": series.label,
                "total": series.total,
                "colour": SERIES_COLOURS[n % len(SERIES_COLOURS)],
                "points": points,
                "path": " ".join(f"{p['x']},{p['y']}" for p in points),
                "dash": "" if n % 2 == 0 else "6 3",  # a second cue beside colour
                "href": series_url(series.query),
            }
        )
    every = max(1, -(-len(buckets) // 8))
    ticks = [{"x": f"{x(i):.1f}", "text": axis_label(b, unit)} for i, b in enumerate(buckets) if i % every == 0]
    grid = [
        {"y": f"{y(peak * f):.1f}", "text": shown(round(peak * f, 4) if mode == "share" else round(peak * f))}
        for f in (0, 0.5, 1)
    ]
    what = "share of all articles" if mode == "share" else "articles"
    return {
        "width": width,
        "height": height,
        "left": left,
        "right": width - right,
        "bottom": top + plot_h,
        "lines": lines,
        "ticks": ticks,
        "grid": grid,
        "axis_y": height - 14,
        "label": (
            f"{what.capitalize()} per {unit} for {len(lines)} quer{'y' if len(lines) == 1 else 'ies'}, "
            f"{period_label(buckets[0], unit)} to {period_label(buckets[-1], unit)}."
        ),
    }


@export.get("/compare.csv")
def compare_csv():
    """Download a comparison's series as CSV: one row per series and period (labels formula-safe)."""
    queries, req = compare_request()
    comparison = search_index().compare(req, queries)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(("series", "query", "period", "count", "share", "all_articles"))
    for series in comparison.series:
        for bucket, count, share, base in zip(comparison.buckets, series.counts, series.shares, comparison.base):
            writer.writerow(
                (formula_safe(series.label), formula_safe(series.query), bucket.period, count, f"{share:.4f}", base)
            )
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="crisis-desk-compare.csv"'},
    )
