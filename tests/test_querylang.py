"""The engine-neutral query language (search/querylang.py) and its Whoosh compiler (search/whoosh/compile.py).

The differential tests parse several hundred query strings both ways: with the neutral parser compiled
for Whoosh, and with Whoosh's own MultifieldParser as the app used it before (``querylang_oracle.py``,
the only place it lives on). Every answer must be the same: the same query tree, notice, words and
flags. The few documented differences are explicit expectations below, each with the reason.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import random
import subprocess
import sys
import urllib.parse
from pathlib import Path

import numpy as np
import pytest
from querylang_oracle import _PARSER, old_parse_query
from whoosh import query as wq

from search import querylang as ql
from search.query import NOTICE_PARTLY, NOTICE_STOPWORDS, NOTICE_UNPARSED, tidy_text
from search.whoosh.parse import parse_query

ROOT = Path(__file__).resolve().parent.parent


# -- the query strings -----------------------------------------------------------------------------------
def _test_strings() -> list[str]:
    """Every query the other tests send (``q=``, ``{"q": ...}``, ``parse_query(...)``, URLs, parametrize)."""
    out: list[str] = []
    for path in sorted((ROOT / "tests").glob("test_*.py")):
        if path.name == Path(__file__).name:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                for kw in node.keywords:
                    if kw.arg == "q" and isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, str):
                        out.append(kw.value.value)
                name = getattr(node.func, "id", getattr(node.func, "attr", ""))
                first = node.args[0] if node.args else None
                if name in ("parse_query", "highlight_terms", "mark_query") and isinstance(first, ast.Constant):
                    out.append(str(first.value))
                if name == "parametrize":
                    out += [c.value for c in ast.walk(node) if isinstance(c, ast.Constant) and isinstance(c.value, str)]
            elif isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values, strict=True):
                    if isinstance(key, ast.Constant) and key.value == "q" and isinstance(value, ast.Constant):
                        out.append(str(value.value))
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) and "q=" in node.value:
                out += [v for k, v in urllib.parse.parse_qsl(node.value.split("?", 1)[-1]) if k == "q"]
    return [s for s in dict.fromkeys(out) if len(s) < 2000]


def _bench_strings() -> list[str]:
    """The benchmark's fixed queries, and bench/reliability.py's hostile payloads and query bombs."""
    queries = json.loads((ROOT / "bench" / "queries.json").read_text(encoding="utf-8"))["queries"]
    out = []
    for entry in queries:
        q = entry["args"].get("q")
        out += q if isinstance(q, list) else [q] if q else []
    spec = importlib.util.spec_from_file_location("bench_reliability", ROOT / "bench" / "reliability.py")
    assert spec and spec.loader
    reliability = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(reliability)
    out += reliability.PAYLOADS
    out += list(reliability.bomb_queries(random.Random(9)).values())
    return list(dict.fromkeys(out))


EDGE_CASES = [
    # operators and their binding
    "crisis -Poland de-escalation",
    "(crisis -Poland)",
    "Putin OR -Biden",
    "war peace OR talks",
    "war OR peace talks",
    "war AND peace OR talks",
    "war OR peace AND talks",
    "war AND NOT peace",
    "NOT war peace",
    "war NOT peace",
    "+war peace",
    "+war +peace -talks border",
    "war ANDNOT peace",
    "war ANDMAYBE peace",
    "war REQUIRE peace",
    "(war OR peace) OR talks",
    "(war OR peace)^2 OR talks",
    "(war peace)^2 AND talks",
    "war^2 OR peace",
    "war^2.5 peace^",
    # lone or doubled operators, brackets and quotes
    "war AND",
    "war OR",
    "AND war",
    "war OR OR peace",
    "war AND AND peace",
    "NOT NOT war",
    "NOT",
    "OR",
    "-",
    "+",
    "(",
    ")",
    "()",
    "((war peace))",
    "war AND (peace OR",
    "war) peace (",
    "war (peace -talks)",
    '"',
    '"unterminated phrase',
    '"war peace" "talks',
    "''",
    "'war'",
    "war 'peace talks' border",
    "^2 war",
    "war ^2",
    "(war ^2)",
    "war (^2)",
    "(war)~2",
    "war ~",
    # fields, aliases, unknown fields
    "title:",
    "date:",
    "title: war",
    "title:(war OR peace)",
    "title:(war peace)",
    "title:NOT war",
    "title:body:war",
    "foo:bar baz",
    "foo:bar:baz",
    "x.y:z",
    "people:Biden",
    "who:putin",
    "person:Putin OR place:SE",
    "organisation:un organization:nato",
    "src:Reuters",
    "text:war",
    'country:"United States"',
    "country:(UA OR RU)",
    "actor:(Putin OR Biden) -country:US",
    'actor:"Vladimir Putin" AND country:UA',
    "title:war^2",
    'title:"vlad putin"~2',
    "title:'war peace'",
    # phrases
    '"war peace"~3',
    '"the law"',
    '"war peace"*',
    '"war peace"^2',
    'war"peace talks"',
    '"humanitarian law"~0',
    # wildcards and fuzzy terms
    "migra*",
    "mi?ra*",
    "migra* border",
    "*",
    "**",
    "*:*",
    "*:* Putin",
    "war*peace",
    "title:war* OR body:peace~",
    "Lukashenka~",
    "Lukashenko~1/3",
    "Zelenskyy~2",
    "war~3",
    "war~/2",
    "war~2^3",
    "war*^2",
    "actor:Putin*",
    "actor:putin~",
    # ranges and dates
    "[war TO peace]",
    "[war TO peace]^2",
    "title:[a TO c]",
    "title:[TO z]",
    "title:{a TO z}",
    "source:[a TO z]",
    "actor:[a TO c]",
    "date:[2021-11-01 TO 2021-11-30]",
    "date:[2021-11-01 TO 2021-11-30] Tokayev",
    "date:{2021-11 TO 2021-12}",
    "date:[2022 TO]",
    "date:[TO 2021]",
    "date:[TO]",
    "date:[ TO 2021]",
    "date:[garbage TO never]",
    "date:[0000 TO 2022]",
    "date:[20211130120000000000 TO 2022]",
    "date:2021-11-30",
    "date:20211130",
    "date:2021.11.30",
    "date:2021*",
    "date:2021~",
    "date:*",
    'date:"2021-11-30"',
    "date:2021-02-30",
    "date:2021-13",
    "date:0000",
    "date:20211130120000000000",
    "date:yesterday",
    "Tokayev date:yesterday",
    "Tokayev NOT date:yesterday",
    # stop words, hyphens, unicode
    "the AND of",
    '"the" OR "of"',
    "U.S. sanctions",
    "U.S.-led",
    "title:U.S.",
    "de-escalation",
    "war+peace",
    "naïve café",
    "\ufb01nance",
    "Erdoğan AND Putin",
    "Ердоган OR Путин",
    "北京 AND 上海",
    "تظاهرات OR احتجاج",
    "war\tAND\tpeace",
    "war  AND  peace",
    "what did Putin say about Belarus?",
    # long inputs (1,000 characters)
    "Putin " * 166,
    "(war" * 250,
    '"war' * 250,
    "war* " * 200,
    "é" * 1000,
    "-" * 1000,
    "date:[2021 TO 2022] " * 50,
    "war OR " * 142 + "peace",
    "NOT " * 250,
]


def _fuzz_strings(n: int = 400) -> list[str]:
    """Random mixes of the syntax's pieces (a fixed seed: the same strings every run)."""
    pieces = ["war", "Putin", "the", " ", " ", " ", "AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "REQUIRE", "(", ")"]
    pieces += ['"', "'", "-", "+", "*", "?", "~", "~2", "^", "^2", ":", "title:", "date:", "actor:", "foo:", "person:"]
    pieces += ["[", "]", "{", "}", "TO", "to", "2021", "2021-11", "/3", ".", "é", "de-escalation", "*:*", "\t"]
    rng = random.Random(10)
    return ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 12))) for _ in range(n)]


# -- comparing both ways ---------------------------------------------------------------------------------
def _answer(parse, text: str) -> tuple:
    """What a parse means to the rest of the app, comparable across parsers."""
    try:
        p = parse(text)
    except Exception as exc:  # noqa: BLE001 - the old parser could raise; the new one must not
        return ("raised", type(exc).__name__)
    return (repr(p.query), p.query, p.notice, p.plain, p.words, p.relaxed, p.empty, p.content_text, p.filler)


def _walk(q):
    yield q
    for child in q.children():
        yield from _walk(child)


def _documented_difference(text: str) -> str | None:
    """Name the documented difference ``text`` falls under (by the old parser's own tree), if any.

    - "binary": an unreadable value (``date:yesterday``) in a query with ``-word``, ``+word``, ANDNOT,
      ANDMAYBE or REQUIRE. The old code dropped it with a walk that treated the two sides of such a
      query as a list: it raised TypeError (a 503 page) or, when the unreadable value stood on the
      left, searched for the right side alone -- the words the user excluded. Now the value is dropped
      as anywhere else.
    - "every": ``*:*`` beside an unreadable value. Whoosh's normalising turns an AND holding ``*:*``
      into ``*:*`` and so lost the unreadable value before the old code could name it; the result is
      the same (every article), now with the notice that part of the query was left out.
    - "nofield": a ``^2`` that boosts nothing inside brackets. Whoosh turned it back into a word only
      after it had given words their fields, so it became a term in no field at all; now it is a word
      of the default fields, as the same ``^2`` is outside brackets.
    """
    tidy = tidy_text(text.strip())
    try:
        raw = _PARSER.parse(tidy, normalize=False)
    except Exception:  # noqa: BLE001 - the old parser raised: both sides fall back to words
        return None
    nodes = list(_walk(raw))
    unreadable = any(isinstance(n, type(wq.NullQuery)) and n is not wq.NullQuery for n in nodes)
    if unreadable and any(isinstance(n, wq.BinaryQuery) for n in nodes):
        return "binary"
    if unreadable and any(isinstance(n, wq.Every) and n.fieldname is None for n in nodes):
        return "every"
    if any(isinstance(n, wq.Term) and n.fieldname is None for n in nodes):
        return "nofield"
    return None


def _check_same(texts: list[str]) -> int:
    """Assert each text parses as before (or as its documented difference says); return how many."""
    mismatches = []
    for text in texts:
        new = _answer(parse_query, text)
        assert new[0] != "raised", f"{text!r} raised {new[1]}"
        old = _answer(old_parse_query, text)
        if new == old:
            continue
        kind = _documented_difference(text)
        if kind == "binary":
            # the unreadable value is left out and the user is told, or the words are searched instead
            assert new[2] in (NOTICE_PARTLY, NOTICE_UNPARSED, NOTICE_STOPWORDS), text
        elif kind == "every":
            assert new[0] == old[0] and new[2] == NOTICE_PARTLY and old[2] is None, text
        elif kind == "nofield":
            assert "Term(None," in old[0] and "Term(None," not in new[0], text
        else:
            mismatches.append((text, old[:1] + old[2:], new[:1] + new[2:]))
    assert not mismatches, "\n".join(f"{t!r}\n  old {o}\n  new {n}" for t, o, n in mismatches[:10])
    return len(texts)


def test_the_other_tests_queries_parse_as_before():
    assert _check_same(_test_strings()) > 300


def test_the_benchmarks_and_hostile_queries_parse_as_before():
    assert _check_same(_bench_strings()) > 50


def test_edge_cases_parse_as_before():
    assert _check_same(EDGE_CASES) == len(EDGE_CASES)


def test_random_mixes_of_syntax_parse_as_before():
    assert _check_same(_fuzz_strings()) == 400


@pytest.mark.parametrize(
    "text, kind",
    [
        ("Putin -Biden date:yesterday", "binary"),
        ("-Biden date:yesterday", "binary"),
        ("*:* date:yesterday", "every"),
        ("Putin (^2)", "nofield"),
    ],
)
def test_documented_differences(text, kind):
    assert _documented_difference(text) == kind
    new = parse_query(text)
    if text == "Putin -Biden date:yesterday":  # the old code raised TypeError here
        assert _answer(old_parse_query, text) == ("raised", "TypeError")
        assert new.notice == NOTICE_PARTLY
        assert isinstance(new.query, wq.AndNot) and {t.text for t in new.query.b.leaves()} == {"biden"}
    elif text == "-Biden date:yesterday":  # the old code searched for Biden, the excluded word
        assert {t.text for t in old_parse_query(text).query.leaves()} == {"biden"}
        assert new.notice == NOTICE_UNPARSED and new.plain  # no readable query is left: the words are searched
    elif kind == "every":
        assert isinstance(new.query, wq.Every) and new.notice == NOTICE_PARTLY
    else:
        assert "2" in {str(t.text) for t in new.query.leaves()}


def test_old_and_new_queries_match_the_same_articles(fixture_index_dir):
    """On the tests' real index, a sample of compiled queries finds exactly the articles the old ones did."""
    from search import SearchIndex

    index = SearchIndex(fixture_index_dir)
    snap = index._snapshot()
    checked = 0
    for text in EDGE_CASES[:120]:
        old, new = old_parse_query(text), parse_query(text)
        if old.query is None or new.query is None:
            assert old.query is new.query is None
            continue
        try:
            old_mask = snap.matcher.evaluate(old.query).mask
        except Exception:  # noqa: BLE001 - e.g. a field-less term: the engine falls back to words for it
            continue
        assert np.array_equal(old_mask, snap.matcher.evaluate(new.query).mask), text
        checked += 1
    assert checked > 80


# -- the parser's own trees --------------------------------------------------------------------------
T = ql.Term


@pytest.mark.parametrize(
    "text, tree",
    [
        ("Putin Biden", ql.And((T(None, "Putin"), T(None, "Biden")))),
        ("war OR peace talks", ql.And((ql.Or((T(None, "war"), T(None, "peace"))), T(None, "talks")))),
        ("war AND peace OR talks", ql.Or((ql.And((T(None, "war"), T(None, "peace"))), T(None, "talks")))),
        ("war AND NOT peace", ql.And((T(None, "war"), ql.Not(T(None, "peace"))))),
        (
            "crisis -Poland de-escalation",
            ql.AndNot(ql.And((T(None, "crisis"), T(None, "de-escalation"))), ql.Or((T(None, "Poland"),))),
        ),
        ("+Putin Biden", ql.AndMaybe(ql.And((T(None, "Putin"),)), ql.And((T(None, "Biden"),)))),
        ("person:Putin", T("actor", "Putin")),
        ("title:(war OR peace)", ql.Or((T("title", "war"), T("title", "peace")))),
        ('actor:"Vladimir Putin"', ql.Phrase("actor", "Vladimir Putin")),
        ('"humanitarian law"~3', ql.Phrase(None, "humanitarian law", slop=3)),
        ("migra*", ql.Prefix(None, "migra")),
        ("mi?ra*", ql.Wildcard(None, "mi?ra*")),
        ("Lukashenka~", ql.Fuzzy(None, "Lukashenka", maxdist=1, prefix=1)),
        ("Lukashenka~5/3", ql.Fuzzy(None, "Lukashenka", maxdist=2, prefix=3)),
        ("Putin^2", T(None, "Putin", boost=2.0)),
        ("(war peace)^2", ql.And((ql.And((T(None, "war"), T(None, "peace")), boost=2.0),))),
        ("title:[a TO c}", ql.Range("title", "a", "c", False, True)),
        ("date:[2021-11-01 TO 2021-11]", ql.Range("date", "2021-11-01T00:00:00", "2021-11-30T23:59:59.999999")),
        ("date:{2022 TO}", ql.Range("date", "2022-01-01T00:00:00", None)),
        ("date:2021-11-30", ql.Range("date", "2021-11-30T00:00:00", "2021-11-30T23:59:59.999999")),
        # odd but kept: "30T10:" reads as an (unknown) field name, so this is November 2021 and "30T10:00"
        (
            "date:2021-11-30T10:00",
            ql.And((ql.Range("date", "2021-11-01T00:00:00", "2021-11-30T23:59:59.999999"), T(None, "30T10:00"))),
        ),
        ("date:2021-11-30T10", ql.Unreadable("date", "2021-11-30T10")),
        ("date:yesterday", ql.Unreadable("date", "yesterday")),
        ("*:*", ql.Every()),
        ("foo:bar", T(None, "foo:bar")),
        ("a:b:c", T(None, "b:c")),
        ("title: war", ql.And((T(None, "title:"), T(None, "war")))),
    ],
)
def test_tree_shapes(text, tree):
    assert ql.parse(text) == tree


@pytest.mark.parametrize("text", ["war (peace -talks)", "NOT NOT war", "date:[garbage TO 2021]", "date:[0000 TO 2021]"])
def test_unreadable_text_raises_a_syntax_error(text):
    with pytest.raises(ql.QuerySyntaxError):
        ql.parse(text)


def test_dropping_unreadable_values():
    tree = ql.parse("Tokayev NOT date:yesterday")
    assert ql.drop_unreadable(tree) == T(None, "Tokayev")
    assert ql.drop_unreadable(ql.parse("-Biden date:yesterday")) is None  # ANDNOT without its left side
    assert ql.drop_unreadable(ql.parse("date:yesterday")) is None


def test_querylang_imports_nothing_but_the_standard_library():
    source = (ROOT / "search" / "querylang.py").read_text(encoding="utf-8")
    imported = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            imported.add((node.module or "").split(".")[0])
    assert imported <= {"__future__", "calendar", "re", "dataclasses", "datetime", "typing"}, imported
    # and loaded on its own, it pulls no Whoosh module in
    code = (
        "import importlib.util, sys\n"
        f"spec = importlib.util.spec_from_file_location('querylang', {str(ROOT / 'search' / 'querylang.py')!r})\n"
        "m = importlib.util.module_from_spec(spec); sys.modules['querylang'] = m; spec.loader.exec_module(m)\n"
        "m.parse('war OR date:[2021 TO 2022]')\n"
        "assert not [n for n in sys.modules if n.split('.')[0] == 'whoosh'], 'whoosh imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
