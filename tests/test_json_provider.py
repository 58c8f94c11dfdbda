"""JSON responses are written by orjson (web/json_provider.py): the same documents Flask's own encoder
writes, keys in the same order, for everything the API returns and for the odd values it may meet."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from conftest import api
from flask.json.provider import DefaultJSONProvider

from app import create_app
from web.json_provider import OrjsonProvider


@dataclass
class Point:
    name: str
    when: date


VALUES = [
    {"b": 1, "a": [1.5, None, True], "é": "Zelenskyy — Зеленський </script>"},
    {"when": date(2022, 2, 24), "at": datetime(2022, 2, 24, 4, 0, tzinfo=UTC)},
    {"point": Point("Kyiv", date(2022, 3, 1))},
    {"big": 2**70, "small": -(2**63)},  # beyond 64 bits: orjson refuses, Flask's encoder answers
    {"price": Decimal("1.25")},
    {2: "two", 1: "one"},
    [],
]


@pytest.fixture(scope="module")
def flask_app(fixture_index_dir):
    return create_app({"INDEX_DIR": str(fixture_index_dir), "TESTING": True})


@pytest.mark.parametrize("value", VALUES, ids=range(len(VALUES)))
def test_the_same_document_as_flasks_encoder(flask_app, value):
    assert isinstance(flask_app.json, OrjsonProvider)
    with flask_app.app_context():
        ours = flask_app.json.response(value)
        theirs = DefaultJSONProvider(flask_app).response(value)
    assert ours.mimetype == theirs.mimetype == "application/json"
    assert ours.get_data().endswith(b"\n")
    assert json.loads(ours.get_data()) == json.loads(theirs.get_data())


def test_a_search_response_keeps_flasks_key_order(client):
    response = client.get("/api/search", query_string={"q": "Lukashenko"})
    assert response.status_code == 200
    data = json.loads(response.get_data())
    assert data["total"] > 0
    assert list(data) == sorted(data)
    assert list(data["hits"][0]) == sorted(data["hits"][0])
    assert api(client, q="Lukashenko")["total"] == data["total"]
