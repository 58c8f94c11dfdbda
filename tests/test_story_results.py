"""Stories on the read side: results collapsed to one member per story, the versions toggle, story
totals and facet counts, /api/story and the story of each hit, over a real index of crafted near-copies
of real Kremlin releases (tests/data/stories/)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import numpy as np
import pytest
from test_stories import crafted_copies, load_releases, write_jsonl

from app import create_app
from search import SearchIndex, parse_request
from search.stories import SegmentStories, merge_stories

MACRON = "kremlin-macron-2022-02-28"
DONETSK = "kremlin-treaty-donetsk"
CALL = f"{MACRON}-truncated"  # the call's story is named after its first published version


def story_corpus() -> list:
    """The four releases, five versions of the 28 February call and two of the Donetsk treaty.

    Each version is published an hour after the one before it, except the truncated copy of the call,
    published an hour before the release itself: it is that story's lead.
    """
    rel = load_releases()
    call = crafted_copies(rel[MACRON], rel[DONETSK])  # edited, retitled, truncated, appended, reordered
    treaty = crafted_copies(rel[DONETSK], rel[MACRON])[:2]  # edited, retitled
    versions = []
    for i, copy in enumerate(call + treaty, 1):
        hours = -1 if copy.id.endswith("-truncated") else i
        versions.append(replace(copy, date=copy.date + timedelta(hours=hours)))
    return [*rel.values(), *versions]


@pytest.fixture(scope="module")
def story_index_dir(build_index, tmp_path_factory):
    """A real index of the story corpus: 11 articles in 4 stories (6 + 3 + 1 + 1)."""
    tmp = tmp_path_factory.mktemp("story-results")
    index_dir = tmp / "index"
    build_index([write_jsonl(tmp / "stories.jsonl", story_corpus())], index_dir)
    return index_dir


@pytest.fixture(scope="module")
def index(story_index_dir):
    return SearchIndex(story_index_dir)


@pytest.fixture(scope="module")
def client(story_index_dir):
    app = create_app({"TESTING": True, "INDEX_DIR": str(story_index_dir)})
    return app.test_client()


def search(index, **params):
    return index.search(parse_request({k: [str(v)] for k, v in params.items()}))


# --- search ---------------------------------------------------------------------------------------------


def test_browsing_counts_stories_by_default_and_articles_on_request(index):
    collapsed = search(index)
    assert (collapsed.counting, collapsed.total, collapsed.total_articles, collapsed.total_stories) == (
        "stories",
        4,
        11,
        4,
    )
    assert len(collapsed.hits) == 4
    assert len({h.story["id"] for h in collapsed.hits}) == 4
    # newest first (by day, then the later indexed): that member stands for its story, the others fold in
    by_story = {h.story["id"]: h for h in collapsed.hits}
    assert by_story[CALL].id == f"{MACRON}-reordered" and by_story[CALL].other_versions == 5
    assert by_story[DONETSK].id == f"{DONETSK}-retitled" and by_story[DONETSK].other_versions == 2
    assert by_story["kremlin-treaty-lugansk"].other_versions == 0

    every = search(index, versions="all")
    assert (every.counting, every.total, every.total_articles, every.total_stories) == ("articles", 11, 11, 4)
    assert len(every.hits) == 10 and all(h.other_versions == 0 for h in every.hits)


def test_a_query_collapses_to_the_best_ranked_version(index):
    every = search(index, q="Macron", versions="all")
    collapsed = search(index, q="Macron")
    # the call (6 versions), the 3 March call and the Donetsk treaty's copy re-titled "Putin and Macron ..."
    assert (every.total, collapsed.total, collapsed.total_articles) == (8, 3, 8)
    # the collapsed hits are the first hit of each story in the full relevance order
    firsts = {}
    for hit in every.hits:
        firsts.setdefault(hit.story["id"], hit.id)
    assert [h.id for h in collapsed.hits] == list(firsts.values())
    assert [h.other_versions for h in collapsed.hits] == [
        sum(h.story["id"] == s for h in every.hits) - 1 for s in firsts
    ]


def test_facets_count_stories_when_collapsed(index):
    collapsed = {fv.value: fv.count for fv in search(index).facets["source"]}
    every = {fv.value: fv.count for fv in search(index, versions="all").facets["source"]}
    # nine articles from the Kremlin, in all four stories; the two re-titled copies from TASS, in two stories
    assert every == {"en.kremlin.ru": 9, "tass": 2}
    assert collapsed == {"en.kremlin.ru": 4, "tass": 2}
    # a filter on a value finds as many stories as the value's count said
    assert search(index, source="tass").total == 2
    assert search(index, source="tass", versions="all").total == 2
    actors = {fv.value: fv.count for fv in search(index).facets["actor"]}
    every_actor = {fv.value: fv.count for fv in search(index, versions="all").facets["actor"]}
    assert (actors["Emmanuel Macron"], every_actor["Emmanuel Macron"]) == (3, 8)
    assert search(index, actor="Emmanuel Macron").total == 3
    assert search(index, actor="Emmanuel Macron", versions="all").total == 8


def test_story_counts_of_facet_values_agree_with_counting_by_hand():
    """Both counting paths (few matches, many matches) against a set of (story, value) pairs."""
    rng = np.random.default_rng(7)
    n, values = 400, 30
    local = np.where(rng.random(n) < 0.2, -1, rng.integers(0, 60, n)).astype(np.int32)  # some without a story
    stories = merge_stories([(0, SegmentStories([f"s{i}" for i in range(60)], local))], n, np.ones(n, bool))
    post_doc = np.repeat(np.arange(n, dtype=np.int32), 3)
    # three distinct values per document, as a facet column has them
    post_val = ((rng.integers(0, values, n)[:, None] + np.array([0, 7, 19])) % values).ravel().astype(np.int32)
    for share in (0.05, 0.5, 1.0):
        mask = rng.random(n) < share
        per_story = stories.matching_per_story(mask)
        keep = mask[post_doc]
        sparse = stories.distinct_story_postings(post_doc[keep], post_val[keep], per_story, values)
        dense = stories.count_stories_dense("actor", post_doc, post_val, mask, values)
        by_hand = np.zeros(values, dtype=np.int64)
        for _key, value in {(int(stories.key[d]), int(v)) for d, v in zip(post_doc[keep], post_val[keep])}:
            by_hand[value] += 1
        assert sparse.tolist() == dense.tolist() == by_hand.tolist()
        assert int(np.count_nonzero(per_story)) == len({int(stories.key[d]) for d in np.flatnonzero(mask)})


def test_paging_is_over_stories(index):
    pages = [search(index, per_page=10, page=1), search(index, per_page=10, page=2)]
    assert pages[0].total == 4 and len(pages[0].hits) == 4 and pages[1].hits == []
    every = [search(index, versions="all", page=p) for p in (1, 2)]
    assert [len(r.hits) for r in every] == [10, 1]
    assert {h.id for r in every for h in r.hits} == {a.id for a in story_corpus()}


def test_story_lists_the_members_lead_first(index):
    story = index.story(CALL)
    assert story.size == 6
    lead = story.members[0]
    assert lead.id == f"{MACRON}-truncated"  # published an hour before the release itself
    rel = load_releases()
    original = rel[MACRON].text
    assert lead.length == len(" ".join(original.split()[: int(len(original.split()) * 0.7)]))
    by_id = {m.id: m for m in story.members}
    assert by_id[MACRON].length == len(original) == 1112
    assert by_id[MACRON].length_delta == 1112 - lead.length
    assert by_id[f"{MACRON}-edited"].length == 1110  # "emphasised" -> "stressed"
    assert by_id[f"{MACRON}-retitled"].length_delta == len("MOSCOW (TASS) - ") + 1112 - lead.length
    assert by_id[f"{MACRON}-retitled"].source == "tass"
    assert [m.date for m in story.members] == sorted(m.date for m in story.members)
    assert index.story("no-such-story") is None


def test_more_like_this_leaves_out_the_articles_own_story(index):
    related = index.more_like_this(f"{MACRON}-edited", n=5)
    assert related and all(h.story["id"] != CALL for h in related)
    assert {h.id for h in related} <= {
        "kremlin-macron-2022-03-03",
        DONETSK,
        f"{DONETSK}-edited",
        f"{DONETSK}-retitled",
        "kremlin-treaty-lugansk",
    }


def test_an_article_without_copies_is_a_story_of_one(index):
    story = index.story("kremlin-treaty-lugansk")
    assert story.size == 1 and story.members[0].length_delta == 0


# --- the API and the pages --------------------------------------------------------------------------------


def test_api_story_shape(client):
    response = client.get(f"/api/story/{DONETSK}")
    assert response.status_code == 200
    data = response.get_json()
    assert (data["id"], data["size"], data["lead"]) == (DONETSK, 3, DONETSK)
    assert [m["id"] for m in data["members"]] == [DONETSK, f"{DONETSK}-edited", f"{DONETSK}-retitled"]
    first = data["members"][0]
    assert set(first) == {"id", "title", "date", "source", "url", "length", "length_delta"}
    assert (first["length"], first["length_delta"], first["date"]) == (974, 0, "2022-02-22")
    retitled = data["members"][2]
    assert (retitled["title"], retitled["source"]) == ("Putin and Macron speak again", "tass")
    assert retitled["length_delta"] == len("MOSCOW (TASS) - ")
    assert data["members"][1]["length_delta"] == 0  # the treaty has none of the words the edit swaps


def test_api_story_unknown_is_404(client):
    response = client.get("/api/story/nothing-like-it")
    assert response.status_code == 404
    assert response.get_json()["status"] == 404


def test_api_search_says_what_it_counts_and_hits_carry_their_story(client):
    data = client.get("/api/search?q=Macron").get_json()
    assert (data["counting"], data["total"], data["total_articles"]) == ("stories", 3, 8)
    assert {h["story"]["id"]: h["story"]["size"] for h in data["hits"]} == {
        CALL: 6,
        DONETSK: 3,
        "kremlin-macron-2022-03-03": 1,
    }
    every = client.get("/api/search?q=Macron&versions=all").get_json()
    assert (every["counting"], every["total"], every["total_articles"]) == ("articles", 8, 8)
    assert client.get("/api/search?versions=some").status_code == 400


def test_api_facet_counts_stories_unless_all_versions(client):
    stories = client.get("/api/facet/source?q=Macron").get_json()
    articles = client.get("/api/facet/source?q=Macron&versions=all").get_json()
    # the call: 5 Kremlin versions and a TASS copy; the 3 March call; the treaty's TASS copy
    assert {v["value"]: v["count"] for v in stories["values"]} == {"en.kremlin.ru": 2, "tass": 2}
    assert {v["value"]: v["count"] for v in articles["values"]} == {"en.kremlin.ru": 6, "tass": 2}


def test_api_article_carries_its_story(client):
    data = client.get(f"/api/article/{MACRON}-appended").get_json()
    assert data["story"] == {"id": CALL, "size": 6}


def test_results_page_says_what_it_counts_and_keeps_the_toggle(client):
    html = client.get("/?q=Macron").get_data(as_text=True)
    assert 'class="total">3</strong> stories' in html
    assert "(8 articles)" in html
    assert "+5 versions" in html and "+2 versions" not in html  # the treaty's one copy naming Macron matches
    html = client.get("/?q=Macron&versions=all").get_data(as_text=True)
    assert 'class="total">8</strong> articles' in html
    assert "(3 stories)" in html
    # every link of the page keeps the choice: facets, sort, paging
    assert "versions=all" in html
    assert html.count("versions=all") >= 5
    clear = client.get("/?q=Macron&versions=all&source=tass").get_data(as_text=True)
    assert 'class="clear-filters" href="/?q=Macron&amp;versions=all"' in clear


def test_article_page_lists_the_versions(client):
    html = client.get(f"/article/{DONETSK}-edited").get_data(as_text=True)
    assert "3 versions of this story" in html
    assert f'href="/article/{DONETSK}-retitled"' in html
    single = client.get("/article/kremlin-treaty-lugansk").get_data(as_text=True)
    assert "versions of this story" not in single
