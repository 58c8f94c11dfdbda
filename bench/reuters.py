"""A lenient reader of Reuters-21578 SGML (`reut2-*.sgm`): one dict per story, gold tags included.

The files are not XML: no root element, control characters written as ``&#N;``, one stray 0xFC byte
(reut2-017), and about 355 dates with odd spacing ("  3-MAR-1987 00:43:42.82") or trailing junk. So
stories are cut out with regular expressions, read as latin-1, and every field is optional.

    from bench.reuters import read_reuters
    for story in read_reuters("../shared/corpora/reuters21578"):
        story["id"], story["title"], story["date"], story["text"], story["places"], story["people"]
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

STORY = re.compile(r"<REUTERS\b([^>]*)>(.*?)</REUTERS>", re.S)
NEWID = re.compile(r'NEWID="(\d+)"')
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
TAG = re.compile(r"<[^>]+>")
D_ITEM = re.compile(r"<D>(.*?)</D>", re.S)
MONTHS = {
    m: i
    for i, m in enumerate(["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"], start=1)
}
DATE = re.compile(r"(\d{1,2})\s*-\s*([A-Z]{3})\s*-\s*(\d{4})(?:\s+(\d{1,2}):(\d{2}):(\d{2}))?")
# The wire's sign-off ("Reuter", sometimes followed by control characters) is not part of the story.
SIGN_OFF = re.compile(r"\s*\bReuter\b[\s\x03]*$")


class ReutersError(Exception):
    """The folder holds no Reuters-21578 SGML files."""


def _element(name: str, story: str) -> str | None:
    """The raw content of the first ``<name ...>...</name>`` in ``story``, or None."""
    m = re.search(rf"<{name}\b[^>]*>(.*?)</{name}>", story, re.S)
    return m.group(1) if m else None


def clean_text(raw: str) -> str:
    """Decode ``&#N;``/``&lt;`` entities and drop control characters (keeps newlines)."""
    return CONTROL.sub("", html.unescape(raw))


def parse_date(raw: str) -> datetime | None:
    """Parse ``26-FEB-1987 15:01:01.79`` leniently (extra spaces, trailing junk, a garbled time)."""
    m = DATE.search(raw.upper())
    if not m or m.group(2) not in MONTHS:
        return None
    day, mon, year, hh, mm, ss = m.groups()
    try:
        day_start = datetime(int(year), MONTHS[mon], int(day))
    except ValueError:
        return None
    try:
        return day_start.replace(hour=int(hh), minute=int(mm), second=int(ss))
    except (TypeError, ValueError):
        return day_start


def read_reuters(reuters_dir: str | Path) -> Iterator[dict]:
    """Yield one dict per story in NEWID order: id, title, date, text, body, dateline, places, people.

    ``text`` is the story as a reader sees it: the dateline ("TOKYO, March 3 - ") then the body, without
    the sign-off; ``body`` is None for stories with no BODY element (UNPROC and BRIEF ones).
    """
    files = sorted(Path(reuters_dir).glob("reut2-*.sgm"))
    if not files:
        raise ReutersError(f"no reut2-*.sgm files in {reuters_dir}")
    for path in files:
        data = path.read_text(encoding="latin-1")
        for m in STORY.finditer(data):
            attrs, story = m.groups()
            newid = NEWID.search(attrs)
            text_el = _element("TEXT", story) or ""
            title = " ".join(clean_text(_element("TITLE", text_el) or "").split())
            dateline = " ".join(clean_text(_element("DATELINE", text_el) or "").split())
            body = _element("BODY", text_el)
            if body is not None:
                body = SIGN_OFF.sub("", clean_text(body).strip()).strip()
                text = f"{dateline} {body}".strip() if dateline else body
            else:
                text = SIGN_OFF.sub("", clean_text(TAG.sub(" ", text_el)).strip()).strip()
            yield {
                "id": f"reuters-{newid.group(1) if newid else '?'}",
                "title": title,
                "date": parse_date(_element("DATE", story) or ""),
                "text": text,
                "body": body,
                "dateline": dateline,
                "places": [p.strip() for p in D_ITEM.findall(_element("PLACES", story) or "")],
                "people": [p.strip() for p in D_ITEM.findall(_element("PEOPLE", story) or "")],
            }
