"""Saved searches: save the current search, list them with what is new, open them, and their Atom feeds.

The searches live in ``search.saved.SavedSearches`` (SQLite beside the index). "New" means matches
whose article entered the index at or after the search was last opened (the indexer's first-indexed
time). A saved search whose parameters no longer parse is listed with the reason, and its feed says so
in one entry, instead of failing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, urlencode

from flask import Blueprint, Response, abort, current_app, jsonify, redirect, render_template, request, url_for
from markupsafe import Markup

from search import InvalidParameter, parse_request
from search.saved import SavedSearch, SavedSearches, SavedSearchInvalid, clean_name, clean_params

from .protection import require_same_origin_json

FEED_ENTRIES = 50
TAG_AUTHORITY = "crisis-desk.local,2026"  # tag: URIs (RFC 4151) need an authority and a date; never change
# Characters XML 1.0 forbids even when escaped; article text from scraped sources may hold them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")

pages = Blueprint("saved", __name__)
api = Blueprint("saved_api", __name__)
api.before_request(require_same_origin_json)


def saved_store() -> SavedSearches:
    """Return the saved searches of the served index directory."""
    return SavedSearches(current_app.config["INDEX_DIR"])


def search_index():
    """Return the app's search index (imported late: app.py imports this module)."""
    from app import search_index as index

    return index()


@dataclass
class SavedStatus:
    """A saved search with what it finds now: new and total matches, or why it cannot run."""

    saved: SavedSearch
    new: int = 0
    total: int = 0
    error: str | None = None

    def to_dict(self) -> dict:
        """Return the JSON shape of one saved search in /api/saved."""
        row = {
            **self.saved.to_dict(),
            "new": self.new,
            "total": self.total,
            "feed": feed_url(self.saved.id),
            "url": results_url(self.saved.params),
        }
        if self.error:
            row["error"] = self.error
        return row


def check_status(saved: SavedSearch) -> SavedStatus:
    """Count a saved search's matches (all, and new since it was last opened); parameters that no
    longer parse give the reason instead."""
    try:
        req = parse_request(saved.params)
    except InvalidParameter as exc:
        return SavedStatus(saved, error=f"this saved search no longer works: {exc}")
    new, total = search_index().count_since(req, saved.last_opened.timestamp())
    return SavedStatus(saved, new, total)


def results_url(params: dict[str, list[str]], external: bool = False) -> str:
    """Return the results page URL of saved parameters."""
    query = urlencode([(k, v) for k, values in params.items() for v in values])
    return url_for("pages.results", _external=external) + ("?" + query if query else "")


def feed_url(saved_id: str, external: bool = True) -> str:
    """Return the URL of a saved search's Atom feed."""
    return url_for("saved.feed", saved_id=saved_id, _external=external)


def form_params() -> dict[str, list[str]]:
    """Return the search parameters posted with the save form (everything but the name and token)."""
    return {key: request.form.getlist(key) for key in request.form if key not in ("name", "csrf_token")}


def create_saved(name: object, params: object) -> SavedSearch:
    """Save a search after checking that its parameters parse (a clear 400 otherwise)."""
    try:
        name, params = clean_name(name), clean_params(params)
        parse_request(params)  # a search that cannot run now is not saved
        return saved_store().create(name, params)
    except SavedSearchInvalid as exc:
        raise InvalidParameter(str(exc)) from None


# --- pages -------------------------------------------------------------------------------------------


@pages.get("/saved")
def saved_list():
    """List the saved searches with their new and total matches, open and feed links and delete buttons."""
    statuses = [check_status(s) for s in saved_store().all()]
    return render_template("saved.html", statuses=statuses, feed_url=feed_url, results_url=results_url)


@pages.post("/saved")
def saved_create():
    """Save the search posted from the results page (a form with a CSRF token), then list the searches."""
    create_saved(request.form.get("name", ""), form_params())
    return redirect(url_for("saved.saved_list"), code=303)


@pages.get("/saved/<saved_id>/open")
def saved_open(saved_id: str):
    """Open a saved search: its matches so far stop being new, and the results page shows them."""
    store = saved_store()
    saved = store.get(saved_id)
    if saved is None:
        abort(404)
    store.mark_opened(saved.id)
    return redirect(results_url(saved.params), code=303)


@pages.post("/saved/<saved_id>/delete")
def saved_delete(saved_id: str):
    """Delete a saved search (a form with a CSRF token), then list the rest."""
    if not saved_store().delete(saved_id):
        abort(404)
    return redirect(url_for("saved.saved_list"), code=303)


@pages.get("/saved/<saved_id>.atom")
def feed(saved_id: str):
    """Return a saved search's Atom feed: its newest matches by indexed time, with stable entry ids."""
    saved = saved_store().get(saved_id)
    if saved is None:
        abort(404)
    error, entries = None, []
    try:
        req = parse_request(saved.params)
    except InvalidParameter as exc:
        error = f"This saved search no longer works: {exc}. Open it, fix the search and save it again."
    else:
        entries = search_index().newest_indexed(req, FEED_ENTRIES)
    times = [e.indexed for e in entries if e.indexed is not None]
    updated = max(times) if times else saved.created
    body = render_template(
        "feed.atom.xml",
        saved=saved,
        entries=entries,
        error=error,
        updated=updated,
        feed_id=tag_uri("saved", saved.id),
        entry_id=article_tag,
        feed_url=feed_url(saved.id),
        results_url=results_url(saved.params, external=True),
        atom_date=atom_date,
        xml_text=xml_text,
        snippet_text=snippet_text,
    )
    return Response(body, mimetype="application/atom+xml")


def tag_uri(kind: str, value: str) -> str:
    """Return a stable ``tag:`` URI naming one thing of Crisis Desk (independent of the host name)."""
    return f"tag:{TAG_AUTHORITY}:{kind}/{quote(value, safe='')}"


def article_tag(article_id: str) -> str:
    """Return a feed entry's id for an article: the same article is always the same entry."""
    return tag_uri("article", article_id)


def atom_date(value: datetime | None) -> str:
    """Return an RFC 3339 timestamp (UTC) for Atom."""
    value = value or datetime.fromtimestamp(0, UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def xml_text(text: object) -> str:
    """Return text without the characters XML cannot hold (escaping is the template's job)."""
    return _NOT_XML.sub("", str(text or ""))


def snippet_text(snippet_html: str) -> str:
    """Return a hit's snippet as plain text (our <mark> dropped, entities decoded) for a feed summary."""
    return xml_text(Markup(snippet_html).striptags())


# --- JSON API ----------------------------------------------------------------------------------------


@api.post("/api/saved")
def api_saved_create():
    """Save a search from JSON ``{"name", "params"}``; answer 201 ``{"id", "feed"}``."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidParameter('send a JSON object {"name": ..., "params": {...}}')
    saved = create_saved(body.get("name"), body.get("params"))
    return jsonify({"id": saved.id, "feed": feed_url(saved.id), "name": saved.name, "params": saved.params}), 201


@api.get("/api/saved")
def api_saved_list():
    """List the saved searches with ``new`` (matches indexed since last opened) and ``total``."""
    return jsonify({"saved": [check_status(s).to_dict() for s in saved_store().all()]})


@api.delete("/api/saved/<saved_id>")
def api_saved_delete(saved_id: str):
    """Delete a saved search."""
    if not saved_store().delete(saved_id):
        abort(404)
    return jsonify({"deleted": saved_id})
