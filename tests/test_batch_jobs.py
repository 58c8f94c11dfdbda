"""Batch jobs: a batch that does not finish within its request runs on in the background (202, a status
URL, the page polls it), with a bounded queue, results kept as files any worker can read, and a job whose
process died reported as failed, never left running. Real app, real fixture index, real threads."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import time

import pytest
from conftest import wait_done

from app import create_app
from web.batch_jobs import BatchJobs

QUERIES = ["Biden", "Tokayev", '"humanitarian law"', "Lukashenko", "date:[2021 TO", "=HYPERLINK(1)", ""]
# A thousand queries keep a job running for a second or more (each two words, relaxed when both miss).
SLOW = [f"Putin talks{i}" for i in range(1000)]


def make_app(index_dir, jobs_dir, **config):
    return create_app(
        {
            "INDEX_DIR": str(index_dir),
            "TESTING": True,
            "SECRET_KEY": "jobs-tests",
            "BATCH_JOBS_DIR": str(jobs_dir),
            **config,
        }
    )


def post(client, body):
    return client.post("/api/batch", data=json.dumps(body), content_type="application/json")


@pytest.fixture()
def background(fixture_index_dir, tmp_path):
    """An app whose batches always go to the background (no time inside the request)."""
    return make_app(fixture_index_dir, tmp_path / "jobs", BATCH_INLINE_SECONDS=0).test_client()


def test_a_batch_past_its_budget_is_a_202_job_whose_results_equal_an_answer_at_once(
    background, fixture_index_dir, tmp_path
):
    response = post(background, {"queries": QUERIES, "source": "Kremlin"})
    assert response.status_code == 202, response.get_data(as_text=True)
    job = response.get_json()
    assert job["status"] in ("queued", "running", "done") and job["total"] == len(QUERIES)
    assert response.headers["Location"] == job["status_url"] == f"/api/batch/{job['id']}"
    assert re.fullmatch(r"[A-Za-z0-9_-]{16}", job["id"])
    done = wait_done(background, job["status_url"])
    assert done["status"] == "done" and done["done"] == len(QUERIES)

    at_once = make_app(fixture_index_dir, tmp_path / "other", BATCH_INLINE_SECONDS=600).test_client()
    expected = post(at_once, {"queries": QUERIES, "source": "Kremlin"})
    assert expected.status_code == 200
    assert done["results"] == expected.get_json()["results"]
    assert "cannot be parsed" in done["results"][4]["error"] and done["results"][6]["error"] == "empty query"


def test_a_finished_jobs_csv_is_formula_safe_and_a_running_ones_is_409(background):
    job = post(background, {"queries": QUERIES}).get_json()
    wait_done(background, job["status_url"])
    response = background.get(job["csv_url"])
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert [r[0] for r in rows[1:]] == [
        "Biden",
        "Tokayev",
        '"humanitarian law"',
        "Lukashenko",
        "date:[2021 TO",
        "'=HYPERLINK(1)",
        "",
    ]
    assert rows[2][1] == "4"  # Tokayev

    slow = post(background, {"queries": SLOW}).get_json()
    early = background.get(slow["csv_url"])
    assert early.status_code == 409 and "queries done" in early.get_json()["error"]
    assert wait_done(background, slow["status_url"])["status"] == "done"


def test_the_queue_is_bounded_and_a_full_one_is_a_clear_503(fixture_index_dir, tmp_path):
    client = make_app(fixture_index_dir, tmp_path / "jobs", BATCH_INLINE_SECONDS=0, BATCH_QUEUE=1).test_client()
    first = post(client, {"queries": SLOW})
    deadline = time.monotonic() + 30
    while client.get(first.get_json()["status_url"]).get_json()["status"] == "queued":  # the runner takes it
        assert time.monotonic() < deadline
        time.sleep(0.05)
    second = post(client, {"queries": SLOW})
    third = post(client, {"queries": ["Biden"]})
    assert (first.status_code, second.status_code, third.status_code) == (202, 202, 503)
    assert third.headers["Retry-After"] == "30"
    assert third.get_json()["error"] == "the batch queue is full (1 running, 1 waiting); try again in a minute"
    assert client.get(second.get_json()["status_url"]).get_json()["status"] == "queued"
    for job in (first, second):  # nothing accepted is lost: both finish
        assert wait_done(client, job.get_json()["status_url"])["status"] == "done"


def test_a_job_whose_process_died_is_reported_failed_not_left_running(background, tmp_path):
    dead = subprocess.Popen(["true"])
    dead.wait()
    jobs_dir = tmp_path / "jobs"
    jobs_dir.mkdir(exist_ok=True)
    state = {
        "id": "AAAAAAAAAAAAAAAA",
        "status": "running",
        "pid": dead.pid,
        "created": time.time(),
        "updated": time.time(),
        "total": 3,
        "done": 1,
        "queries": ["a", "b", "c"],
        "shared": {},
        "results": [],
    }
    (jobs_dir / "AAAAAAAAAAAAAAAA.json").write_text(json.dumps(state))
    response = background.get("/api/batch/AAAAAAAAAAAAAAAA")
    assert response.status_code == 200
    assert response.get_json()["status"] == "failed"
    assert response.get_json()["error"] == "the server restarted before this batch finished; run it again"


@pytest.mark.parametrize("job_id", ["nosuchjob0000000", "..%2F..%2Fsecret-key", "x" * 300])
def test_an_unknown_job_is_a_404(background, job_id):
    response = background.get(f"/api/batch/{job_id}")
    assert response.status_code == 404 and "error" in response.get_json()
    assert background.get(f"/batch/{job_id}").status_code == 404


def test_finished_jobs_are_removed_after_their_time(fixture_index_dir, tmp_path):
    client = make_app(fixture_index_dir, tmp_path / "jobs", BATCH_INLINE_SECONDS=0, BATCH_KEEP_SECONDS=0).test_client()
    old = post(client, {"queries": ["Biden"]}).get_json()
    assert wait_done(client, old["status_url"])["status"] == "done"
    time.sleep(0.05)
    new = post(client, {"queries": ["Tokayev"]}).get_json()  # each new job clears the expired ones
    assert client.get(old["status_url"]).status_code == 404
    assert wait_done(client, new["status_url"])["status"] == "done"


def test_the_form_redirects_to_the_jobs_page_which_shows_progress_then_the_table(background):
    page = background.get("/batch").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = background.post("/batch", data={"queries": "\n".join(SLOW[:300] + ["Tokayev"]), "csrf_token": token})
    assert response.status_code == 303
    page_url = response.headers["Location"]
    job_id = re.fullmatch(r"/batch/([A-Za-z0-9_-]{16})", page_url).group(1)
    running = background.get(page_url).get_data(as_text=True)
    if 'class="batch-row"' not in running:  # still running: progress, and the URL the page polls
        assert f'data-status-url="/api/batch/{job_id}"' in running and "<progress" in running
        assert '<meta http-equiv="refresh"' in running  # inside <noscript>: the page polls without script too
    wait_done(background, f"/api/batch/{job_id}")
    finished = background.get(page_url).get_data(as_text=True)
    assert finished.count('class="batch-row"') == 301 and "data-status-url" not in finished
    assert f'action="/batch/{job_id}.csv"' in finished


def test_the_runner_answers_every_query_against_one_snapshot(fixture_index_dir, tmp_path):
    """A batch pins one commit: every query's total is what /api/search said before it started."""
    client = make_app(fixture_index_dir, tmp_path / "jobs", BATCH_INLINE_SECONDS=0).test_client()
    expected = [
        client.get("/api/search", query_string={"q": q, "versions": "all"}).get_json()["total"]
        for q in ("Biden", "Tokayev")
    ]
    job = post(client, {"queries": ["Biden", "Tokayev"]}).get_json()
    results = wait_done(client, job["status_url"])["results"]
    assert [r["total"] for r in results] == expected


def test_jobs_state_files_are_whole_json(fixture_index_dir, tmp_path):
    from search import SearchIndex

    jobs = BatchJobs(tmp_path / "jobs", SearchIndex(fixture_index_dir), queue_size=2)
    job = jobs.submit(["Biden"] * 50, {})
    deadline = time.monotonic() + 120
    while jobs.state(job["id"])["status"] in ("queued", "running") and time.monotonic() < deadline:
        for path in (tmp_path / "jobs").glob("*.json"):
            json.loads(path.read_text())  # never half a file, even while the runner rewrites it
        time.sleep(0.01)
    assert jobs.state(job["id"])["status"] == "done"  # polling as fast as this never makes it "failed"
    assert not list((tmp_path / "jobs").glob(".*.tmp"))


def test_a_state_read_just_before_the_runner_writes_done_never_turns_it_failed(fixture_index_dir, tmp_path):
    """The interleaving the 0.01 s poll above met once: a reader reads "running", the runner writes "done"
    and forgets the job, then the reader finds the job not live. The job must stay done."""
    from search import SearchIndex

    jobs = BatchJobs(tmp_path / "jobs", SearchIndex(fixture_index_dir), queue_size=2)
    job = jobs.submit(["Biden"], {})
    deadline = time.monotonic() + 120
    while jobs.state(job["id"])["status"] != "done" and time.monotonic() < deadline:
        time.sleep(0.05)
    done = jobs._read(job["id"])
    stale = dict(done, status="running")  # what a read a moment before the final write returned
    real_read, reads = jobs._read, []

    def read_once_stale(job_id):
        reads.append(job_id)
        return stale if len(reads) == 1 else real_read(job_id)

    jobs._read = read_once_stale
    assert jobs.state(job["id"])["status"] == "done"
    assert real_read(job["id"])["status"] == "done"
