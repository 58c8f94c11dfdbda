"""Reliability figures for issue 9: hostile requests, query bombs, damaged indexes, a full disk, kills
during builds and a memory soak, each against a real server process over a real index.

    PY=.venv/bin/python
    $PY bench/reliability.py INDEX_DIR hostile bombs corruption     # a few minutes
    $PY bench/reliability.py INDEX_DIR diskfull --corpus FILE          # root: mounts a small tmpfs
    $PY bench/reliability.py INDEX_DIR kills --corpus PATH --kills 5   # kill -9 during --rebuild
    $PY bench/reliability.py INDEX_DIR soak --minutes 30               # RSS of the server, sampled
    $PY bench/reliability.py INDEX_DIR soak --minutes 26 --tracemalloc DIR  # what grows (snapshots diffed)

INDEX_DIR is only read (damage and builds happen on copies). Each part prints its figures; all of them
go to bench/out/reliability-<part>.json.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import itertools
import json
import os
import random
import shutil
import signal
import socket
import string
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PY = sys.executable
MARKER = "zq9x"  # in every hostile payload, so an echo can be found


# --- a real server --------------------------------------------------------------------------------


class Server:
    """``flask run`` (what ``make run`` starts) on a free port, serving ``index_dir``."""

    def __init__(self, index_dir: Path, extra_env: dict | None = None, tracemalloc_dir: Path | None = None):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        env = {**os.environ, "CRISIS_DESK_INDEX": str(index_dir), **(extra_env or {})}
        self.log = tempfile.TemporaryFile()
        command = [PY, "-m", "flask", "--app", "app", "run", "--port", str(self.port)]
        if tracemalloc_dir is not None:  # the same threaded Werkzeug server, with snapshots every 5 minutes
            command = [
                PY,
                str(ROOT / "bench" / "traced_server.py"),
                str(index_dir),
                "--port",
                str(self.port),
                "--out",
                str(tracemalloc_dir),
                "--every",
                "300",
            ]
        self.proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        self.base = f"http://127.0.0.1:{self.port}"
        for _ in range(600):  # a minute: a busy 2-core machine starts it slowly
            try:
                urllib.request.urlopen(self.base + "/healthz", timeout=5).read()
                return
            except urllib.error.HTTPError:
                return  # it answers (a damaged index is a 503)
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("server did not start")

    def get(self, path: str, headers: dict | None = None, timeout: float = 60) -> tuple[int, str, float, dict]:
        """GET ``path``; return (status, body, seconds, headers)."""
        req = urllib.request.Request(self.base + path, headers=headers or {})
        start = time.perf_counter()
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                body = resp.read().decode("utf-8", "replace")
                status, hdrs = resp.status, dict(resp.headers)
        except urllib.error.HTTPError as exc:
            body = exc.read().decode("utf-8", "replace")
            status, hdrs = exc.code, dict(exc.headers)
        return status, body, time.perf_counter() - start, hdrs

    def raw(self, request: bytes) -> bytes:
        """Send raw bytes (for Host header games) and return the raw response head."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=30) as s:
            s.sendall(request)
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
        return data

    def rss_mb(self) -> float:
        import psutil

        return psutil.Process(self.proc.pid).memory_info().rss / 2**20

    def server_log(self) -> str:
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def q(path: str, **params) -> str:
    return path + "?" + urllib.parse.urlencode(params, doseq=True)


# --- 1. hostile requests ------------------------------------------------------------------------------

PAYLOADS = [
    f"<script>alert('{MARKER}')</script>",
    f'"><img src=x onerror=alert("{MARKER}")>',
    f"javascript:{MARKER}()",
    f"'{MARKER}\"<svg/onload=alert(1)>",
    f"{MARKER}</textarea><script>1</script>",
    f"{MARKER}\u202e<b>",
    f"{MARKER}\x00\x01\x7f",
    f"{MARKER}" + "\ud7ff" + "\U0001f600",
    f'=HYPERLINK("{MARKER}")',
    f"{MARKER}%00%3Cb%3E",
    f"{MARKER}{{{{7*7}}}}",
    f"{MARKER}${{7*7}}",
    f"{MARKER}' OR 1=1 --",
    f"../../etc/passwd{MARKER}",
    f"{MARKER}" + "A" * 999,
    f"title:<{MARKER}>",
    f'actor:"<{MARKER}>"',
    f"date:[<{MARKER}> TO 2022]",
    f"{MARKER}~99",
    f"({MARKER}" * 50,
    f'"{MARKER}' * 30,
    f"{MARKER}^99999",
    f"{MARKER}*" * 20,
]


def hostile_paths(rng: random.Random) -> list[str]:
    """A few thousand requests an attacker would try: every parameter, path and payload mixed."""
    paths = []
    for p in PAYLOADS:
        for key in ("q", "actor", "country", "org", "source", "from", "to", "sort", "page", "per_page", "leaders"):
            for base in ("/", "/api/search", "/export.csv"):
                paths.append(q(base, **{key: p}))
        for base in ("/article/", "/api/article/", "/text/"):
            paths.append(base + urllib.parse.quote(p, safe=""))
        paths.append(q("/", q=p, country=["-" + p, p], actor=p, page="2"))
    for _ in range(600):
        params = {
            k: rng.choice(PAYLOADS + ["Belarus", "2021-11", "-1", "99999999999", "", "%", "\u0000"])
            for k in rng.sample(["q", "actor", "country", "org", "source", "from", "to", "sort", "page", "per_page"], 3)
        }
        paths.append(q(rng.choice(["/", "/api/search", "/export.csv"]), **params))
    paths += [
        "/article//x",
        "//article/x",
        "/static/../app.py",
        "/static/%2e%2e/app.py",
        "/%00",
        "/healthz/..",
        "/api/search?" + "&".join(f"actor=a{i}" for i in range(500)),
        "/api/search?q=" + "x" * 5000,
    ]
    return paths


def unescaped_echo(body: str, content_type: str) -> bool:
    """True when an HTML page holds a payload's markup live (JSON and CSV are not rendered as HTML)."""
    if "html" not in content_type:
        return False
    return any(p in body for p in PAYLOADS if "<" in p) or f"<{MARKER}" in body


def run_hostile(index_dir: Path, args) -> dict:
    rng = random.Random(9)
    server = Server(index_dir)
    paths = hostile_paths(rng)
    statuses: Counter = Counter()
    echoes, tracebacks, slowest, slowest_export = [], [], (0.0, ""), (0.0, "")
    try:

        def one(path):
            return path, server.get(path)

        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            for path, (status, body, secs, hdrs) in pool.map(one, paths):
                statuses[status] += 1
                if unescaped_echo(body, hdrs.get("Content-Type", "")):
                    echoes.append(path)
                if "Traceback" in body or 'File "' in body:
                    tracebacks.append(path)
                if path.startswith("/export.csv"):
                    slowest_export = max(slowest_export, (secs, path))
                else:
                    slowest = max(slowest, (secs, path))
        # Host header games: a redirect must never point at another host
        redirects = []
        for path in ("/article//x", "//", "/api//search"):
            head = server.raw(f"GET {path} HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n".encode())
            statuses[int(head.split(b" ", 2)[1])] += 1
            if b"evil.example" in head:
                redirects.append(path)
        _, _, _, headers = server.get("/healthz")
        log = server.server_log()
    finally:
        server.stop()
    result = {
        "requests": sum(statuses.values()),
        "status": dict(sorted(statuses.items())),
        "5xx": sum(n for s, n in statuses.items() if s >= 500),
        "unescaped_echoes": len(echoes),
        "tracebacks_in_responses": len(tracebacks),
        "tracebacks_in_server_log": log.count("Traceback"),
        "host_redirects": len(redirects),
        "server_header": headers.get("Server", ""),
        "slowest_s": round(slowest[0], 3),
        "slowest_request": slowest[1][:120],
        "slowest_export_s": round(slowest_export[0], 3),
        "slowest_export": slowest_export[1][:120],
        "examples": {"echo": echoes[:3], "traceback": tracebacks[:3]},
    }
    return result


# --- 2. query bombs ---------------------------------------------------------------------------------


def bomb_queries(rng: random.Random) -> dict[str, str]:
    pairs = itertools.product("etaoinsrh", repeat=2)
    letters = string.ascii_lowercase
    two = ["".join(rng.choice(letters) for _ in range(2)) for _ in range(150)]
    return {
        "81 infix wildcards (issue)": " OR ".join("*" + a + b + "*" for a, b in pairs),
        "150 random *xy* (issue)": " OR ".join(f"*{t}*" for t in two)[:1000],
        "140 xxxxxx~2 (issue)": " OR ".join("".join(rng.choice(letters) for _ in range(6)) + "~2" for _ in range(140))[
            :1000
        ],
        "150 random xy* prefixes": " OR ".join(f"{t}*" for t in two)[:1000],
        "26 one-letter prefixes": " OR ".join(f"{c}*" for c in letters),
        "26 one-letter prefixes, title and body": " OR ".join(f"title:{c}* OR {c}*" for c in letters)[:1000],
        "80 x?y*z wildcards": " OR ".join(
            f"{rng.choice(letters)}?{rng.choice(letters)}*{rng.choice(letters)}" for _ in range(80)
        )[:1000],
        "fuzzy common words": " OR ".join(
            w + "~2"
            for w in (
                "president",
                "minister",
                "government",
                "ukraine",
                "russia",
                "security",
                "military",
                "sanctions",
                "international",
                "cooperation",
            )
            * 9
        )[:1000],
        "100 plain words": " ".join(
            rng.choice(
                [
                    "war",
                    "peace",
                    "talks",
                    "border",
                    "gas",
                    "army",
                    "kyiv",
                    "nato",
                    "minsk",
                    "troops",
                    "sanctions",
                    "border",
                ]
            )
            for _ in range(100)
        ),
        "date range over everything": "date:[1800-01-01 TO 2100-12-31] OR a* OR b*",
    }


def run_bombs(index_dir: Path, args) -> dict:
    rng = random.Random(5)
    server = Server(index_dir)
    results = {}
    try:
        server.get("/?q=warmup")
        for name, text in bomb_queries(rng).items():
            times, export_times, statuses, notice = [], [], Counter(), None
            for round_ in range(args.bomb_runs):
                # a fresh variant each round, so the result cache cannot answer
                variant = text + (f" OR zz{round_}{rng.randint(0, 10**6)}" if round_ else "")
                for path in ("/", "/api/search", "/export.csv"):
                    status, body, secs, _ = server.get(q(path, q=variant[:1000]))
                    (export_times if path == "/export.csv" else times).append(secs)
                    statuses[status] += 1
                    if path == "/api/search" and status == 200:
                        notice = json.loads(body).get("notice")
                    elif path == "/api/search":
                        notice = json.loads(body).get("error")
            results[name] = {
                "max_s": round(max(times), 3),
                "median_s": round(sorted(times)[len(times) // 2], 3),
                "export_max_s": round(max(export_times), 3),
                "status": dict(statuses),
                "said": (notice or "")[:140],
            }
        start = time.perf_counter()
        status, body, _, _ = server.get("/export.csv")
        whole_export = {"rows": body.count("\n") - 1, "s": round(time.perf_counter() - start, 3)}
    finally:
        server.stop()
    return {
        "worst_page_or_api_s": max(r["max_s"] for r in results.values()),
        "worst_export_s": max(r["export_max_s"] for r in results.values()),
        "export_everything": whole_export,
        "queries": results,
    }


# --- 3. damaged indexes --------------------------------------------------------------------------------


def _gen(index_dir: Path) -> Path:
    return index_dir / (index_dir / "CURRENT").read_text().strip()


def _seg(index_dir: Path) -> Path:
    return max(_gen(index_dir).glob("*.seg"), key=lambda p: p.stat().st_size)


def _toc(index_dir: Path) -> Path:
    return next(_gen(index_dir).glob("_MAIN_*.toc"))


def _rewrite(path: Path, change) -> None:
    data = bytearray(path.read_bytes())
    path.write_bytes(bytes(change(data)))


def _flip(data: bytearray, count: int) -> bytearray:
    for i in random.Random(count).sample(range(len(data)), min(count, len(data))):
        data[i] ^= 0xFF
    return data


def _zero(data: bytearray, size: int) -> bytearray:
    start = max(0, (len(data) - size) // 2)
    data[start : start + size] = bytes(min(size, len(data)))
    return data


def _foreign(index_dir: Path) -> None:
    from whoosh import fields
    from whoosh import index as whoosh_index

    target = _gen(index_dir)
    shutil.rmtree(target)
    target.mkdir()
    ix = whoosh_index.create_in(str(target), fields.Schema(name=fields.TEXT(stored=True)))
    with ix.writer() as writer:
        writer.add_document(name="not an article")


DAMAGE = {
    "segment truncated to half": lambda d: _rewrite(_seg(d), lambda b: b[: len(b) // 2]),
    "segment truncated to 1 byte": lambda d: _rewrite(_seg(d), lambda b: b[:1]),
    "segment emptied": lambda d: _rewrite(_seg(d), lambda b: b""),
    "segment deleted": lambda d: _seg(d).unlink(),
    "200 flipped bytes in the segment": lambda d: _rewrite(_seg(d), lambda b: _flip(b, 200)),
    "5000 flipped bytes in the segment": lambda d: _rewrite(_seg(d), lambda b: _flip(b, 5000)),
    "64 KB of the segment zeroed": lambda d: _rewrite(_seg(d), lambda b: _zero(b, 65536)),
    "1 byte of the segment changed": lambda d: _rewrite(_seg(d), lambda b: _flip(b, 1)),
    "TOC truncated": lambda d: _rewrite(_toc(d), lambda b: b[: len(b) // 2]),
    "TOC garbled": lambda d: _rewrite(_toc(d), lambda b: os.urandom(len(b))),
    "TOC header changed": lambda d: _rewrite(_toc(d), lambda b: b[:4] + b"\x7f" * 8 + b[12:]),
    "TOC deleted": lambda d: _toc(d).unlink(),
    "CURRENT holds \\xff\\xfe\\x00": lambda d: (d / "CURRENT").write_bytes(b"\xff\xfe\x00"),
    "CURRENT is a directory": lambda d: ((d / "CURRENT").unlink(), (d / "CURRENT").mkdir()),
    "CURRENT empty": lambda d: (d / "CURRENT").write_bytes(b""),
    "CURRENT names a missing generation": lambda d: (d / "CURRENT").write_text("gen-000099\n"),
    "manifest garbled": lambda d: (_gen(d) / "MANIFEST.json").write_text("{oops"),
    "a foreign Whoosh index": _foreign,
}


def run_corruption(index_dir: Path, args) -> dict:
    cases = {}
    urls = ["/", "/?q=Ukraine", "/api/search?q=Ukraine", "/export.csv?q=Ukraine", "/healthz"]
    work = Path(tempfile.mkdtemp(prefix="crisis-damage-"))
    try:
        for name, damage in DAMAGE.items():
            copy = work / "index"
            shutil.rmtree(copy, ignore_errors=True)
            shutil.copytree(index_dir, copy, ignore=shutil.ignore_patterns("ner-cache.sqlite*"))
            generation = (copy / "CURRENT").read_text().strip()
            some_id = json.loads(Server_get_once(copy, "/api/search?q=Ukraine"))["hits"][0]["id"]
            damage(copy)
            server = Server(copy)
            try:
                answers = [server.get(u) for u in urls + [f"/article/{some_id}", f"/api/article/{some_id}"]]
            finally:
                server.stop()
            cli = [
                subprocess.run(
                    [PY, "-m", "indexer", "--index", str(copy), cmd], capture_output=True, text=True, cwd=ROOT
                )
                for cmd in ("status", "check")
            ]
            web_clean = all(s == 503 and "damaged" in b and "Traceback" not in b for s, b, _, _ in answers)
            names = all(generation in b or "CURRENT" in b for _, b, _, _ in answers)
            cli_clean = all(
                c.returncode == 1 and len(c.stderr.strip().splitlines()) == 1 and "Traceback" not in c.stderr
                for c in cli
            )
            cases[name] = {
                "web": sorted({s for s, _, _, _ in answers}),
                "web_clean": web_clean,
                "names_generation_or_CURRENT": names,
                "cli_exit": [c.returncode for c in cli],
                "cli_clean": cli_clean,
                "message": (cli[0].stderr.strip() or cli[0].stdout.strip())[:200],
            }
    finally:
        shutil.rmtree(work, ignore_errors=True)
    clean = sum(1 for c in cases.values() if c["web_clean"] and c["cli_clean"] and c["names_generation_or_CURRENT"])
    return {"cases": len(cases), "clean": clean, "detail": cases}


def Server_get_once(index_dir: Path, path: str) -> str:  # noqa: N802 - a tiny helper
    from app import create_app

    return create_app({"INDEX_DIR": str(index_dir)}).test_client().get(path).get_data(as_text=True)


# --- 4. a full disk -------------------------------------------------------------------------------------


def run_diskfull(index_dir: Path, args) -> dict:
    if os.geteuid() != 0:
        return {"skipped": "needs root to mount a tmpfs"}
    size = sum(p.stat().st_size for p in index_dir.rglob("*") if p.is_file())
    disk = Path(tempfile.mkdtemp(prefix="crisis-disk-"))
    mb = int(size / 2**20 * 1.5) + 16
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={mb}m", "tmpfs", str(disk)], capture_output=True, text=True
    )
    if done.returncode:
        return {"skipped": f"mount failed: {done.stderr.strip()}"}
    result = {"tmpfs_mb": mb}
    try:
        copy = disk / "index"
        shutil.copytree(index_dir, copy)
        before = {p.name: p.stat().st_size for p in _gen(copy).iterdir()}
        filler = disk / "filler"
        with open(filler, "wb") as fh:
            while shutil.disk_usage(disk).free > 512 * 1024:
                fh.write(b"\0" * min(1 << 20, shutil.disk_usage(disk).free - 512 * 1024 or 1))
        runs = []
        for rebuild in (False, True):
            cmd = [PY, "-m", "indexer", "--index", str(copy), "build", str(args.corpus), "--quiet"]
            if rebuild:
                cmd.append("--rebuild")
            full = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
            after = {p.name: p.stat().st_size for p in _gen(copy).iterdir()}
            gens = sorted(p.name for p in copy.iterdir() if p.name.startswith("gen-"))
            runs.append(
                {
                    "rebuild": rebuild,
                    "exit": full.returncode,
                    "message": full.stderr.strip()[-300:],
                    "served_unchanged": after == before,
                    "generations": gens,
                }
            )
        filler.unlink()
        again = subprocess.run(
            [PY, "-m", "indexer", "--index", str(copy), "build", str(args.corpus), "--quiet"],
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        check = subprocess.run(
            [PY, "-m", "indexer", "--index", str(copy), "check"], capture_output=True, text=True, cwd=ROOT
        )
        result.update(
            full_disk=runs,
            after_space_back={"exit": again.returncode, "summary": again.stdout.strip()},
            check=check.stdout.strip() or check.stderr.strip(),
        )
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)
        shutil.rmtree(disk, ignore_errors=True)
    return result


# --- 5. kill -9 during builds -------------------------------------------------------------------------


def run_kills(index_dir: Path, args) -> dict:
    work = Path(tempfile.mkdtemp(prefix="crisis-kills-"))
    copy = work / "index"
    shutil.copytree(index_dir, copy)
    from app import create_app

    def articles() -> int:
        return create_app({"INDEX_DIR": str(copy)}).test_client().get("/healthz").get_json()["articles"]

    start = articles()
    rng = random.Random(13)
    kills = []
    try:
        for _ in range(args.kills):
            proc = subprocess.Popen(
                [PY, "-m", "indexer", "--index", str(copy), "build", str(args.corpus), "--rebuild", "--quiet"],
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            delay = rng.uniform(3, args.kill_within)
            time.sleep(delay)
            alive = proc.poll() is None
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            check = subprocess.run(
                [PY, "-m", "indexer", "--index", str(copy), "check"], capture_output=True, text=True, cwd=ROOT
            )
            kills.append(
                {
                    "after_s": round(delay, 1),
                    "killed_while_running": alive,
                    "articles": articles(),
                    "check_exit": check.returncode,
                    "generations": sorted(p.name for p in copy.iterdir() if p.name.startswith("gen-")),
                }
            )
        final = subprocess.run(
            [PY, "-m", "indexer", "--index", str(copy), "build", str(args.corpus), "--rebuild", "--quiet"],
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        gens = sorted(p.name for p in copy.iterdir() if p.name.startswith("gen-"))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {
        "articles_before": start,
        "kills": len(kills),
        "articles_lost": sum(1 for k in kills if k["articles"] != start),
        "check_failures": sum(1 for k in kills if k["check_exit"] != 0),
        "detail": kills,
        "final_rebuild": final.stdout.strip(),
        "generations_after": gens,
    }


# --- 6. memory soak -------------------------------------------------------------------------------------


def soak_paths(client, seed: int = 30):
    """Return a function giving the soak's next request path: searches, wildcards, fuzzy terms, never-seen
    words with dates (what fills caches), article pages and exports, drawn from ``client``'s index."""
    first = client.get("/api/search?q=Ukraine&per_page=50").get_json()
    ids = [h["id"] for h in first["hits"]]
    actors = [v["value"] for v in first["facets"]["actor"]][:30]
    words = [
        "Ukraine",
        "Russia",
        "Putin",
        "sanctions",
        "gas",
        "NATO",
        "Kyiv",
        "talks",
        "border",
        "troops",
        "Zelenskyy",
        "Biden",
        "Donbas",
        "Crimea",
        "Minsk",
        "energy",
        "grain",
        "refugees",
        "army",
        "peace",
    ]
    rng = random.Random(seed)
    letters = string.ascii_lowercase

    def next_path() -> str:
        kind = rng.random()
        if kind < 0.35:
            return q("/", q=" ".join(rng.sample(words, rng.randint(1, 3))), page=rng.randint(1, 5))
        if kind < 0.5:
            return q(
                "/api/search",
                q=rng.choice(words)[: rng.randint(3, 5)] + "*",
                actor=rng.choice(actors) if actors else "",
                per_page=50,
            )
        if kind < 0.6:
            return q("/api/search", q="".join(rng.choice(letters) for _ in range(7)) + "~2")
        if kind < 0.7:  # never the same twice: what fills caches
            return q(
                "/",
                q=f"{rng.choice(words)} {''.join(rng.choice(letters) for _ in range(5))}",
                **{"from": f"20{rng.randint(15, 22)}-{rng.randint(1, 12):02d}"},
            )
        if kind < 0.85:
            return f"/article/{rng.choice(ids)}"
        if kind < 0.9:
            return q("/export.csv", q=rng.choice(words))
        return q("/", country=rng.choice(["UA", "RU", "BY", "PL", "US", "DE", "FR"]), sort="newest")

    return next_path


def run_soak(index_dir: Path, args) -> dict:
    from app import create_app

    next_path = soak_paths(create_app({"INDEX_DIR": str(index_dir)}).test_client())
    server = Server(index_dir, dict(item.split("=", 1) for item in args.server_env), args.tracemalloc)
    samples, statuses = [], Counter()
    start = time.time()
    deadline = start + args.minutes * 60
    next_sample = start
    try:

        def worker():
            while time.time() < deadline:
                try:
                    status, _, _, _ = server.get(next_path())
                except OSError as exc:  # a timeout counts (and is seen), it must not end this client
                    status = f"error: {type(exc).__name__}"
                statuses[status] += 1

        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            futures = [pool.submit(worker) for _ in range(2)]
            while time.time() < deadline:
                if time.time() >= next_sample:
                    samples.append((round(time.time() - start), round(server.rss_mb(), 1), sum(statuses.values())))
                    print(
                        f"  {samples[-1][0]:5d} s  RSS {samples[-1][1]:7.1f} MB  {samples[-1][2]} requests", flush=True
                    )
                    next_sample += args.sample_seconds
                time.sleep(0.5)
            for f in futures:
                f.result()
        samples.append((round(time.time() - start), round(server.rss_mb(), 1), sum(statuses.values())))
    finally:
        server.stop()
    rss = [s[1] for s in samples]
    half = rss[len(rss) // 2 :]
    result = {
        "minutes": args.minutes,
        "server_env": args.server_env,
        "requests": sum(statuses.values()),
        "status": dict(statuses),
        "rss_start_mb": rss[0],
        "rss_peak_mb": max(rss),
        "rss_end_mb": rss[-1],
        "rss_second_half_min_max_mb": [min(half), max(half)],
        "samples": samples,
    }
    if args.tracemalloc:
        result["tracemalloc_growth"] = tracemalloc_growth(args.tracemalloc)
    return result


def tracemalloc_growth(snap_dir: Path, top: int = 15) -> list[str]:
    """Diff the second snapshot of a traced soak against the last: the lines whose memory grew most.

    The first snapshot (at 5 minutes) is skipped: by then the bounded caches are still filling."""
    import tracemalloc

    snaps = sorted(snap_dir.glob("snap-*.pickle"))
    if len(snaps) < 2:
        return [f"fewer than two snapshots in {snap_dir}"]
    first = tracemalloc.Snapshot.load(str(snaps[1] if len(snaps) > 2 else snaps[0]))
    last = tracemalloc.Snapshot.load(str(snaps[-1]))
    lines = []
    for key in ("filename", "traceback"):
        for stat in last.compare_to(first, key)[:top]:
            where = stat.traceback.format(limit=6) if key == "traceback" else [str(stat.traceback)]
            lines.append(
                f"{stat.size_diff / 2**10:+.0f} KiB ({stat.count_diff:+d} blocks) "
                + " <- ".join(w.strip() for w in where[::-1] if w.strip())
            )
    return lines


PARTS = {
    "hostile": run_hostile,
    "bombs": run_bombs,
    "corruption": run_corruption,
    "diskfull": run_diskfull,
    "kills": run_kills,
    "soak": run_soak,
}


def main() -> None:
    """Run the chosen parts and print their figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("index", type=Path)
    parser.add_argument("parts", nargs="+", choices=list(PARTS))
    parser.add_argument("--corpus", type=Path, help="articles for diskfull and kills builds")
    parser.add_argument("--minutes", type=float, default=30, help="soak length (default 30)")
    parser.add_argument("--sample-seconds", type=float, default=30, help="RSS sampling interval")
    parser.add_argument(
        "--server-env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="environment for the soak's server, e.g. MALLOC_ARENA_MAX=2",
    )
    parser.add_argument(
        "--tracemalloc",
        type=Path,
        metavar="DIR",
        help="soak a server with tracemalloc on, snapshots in DIR, and report what grew",
    )
    parser.add_argument("--tag", default="", help="suffix for the output file name")
    parser.add_argument("--bomb-runs", type=int, default=3, help="variants of each bomb query")
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--kill-within", type=float, default=40, help="kill at a random time up to this (s)")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(ROOT))
    for part in args.parts:
        if part in ("diskfull", "kills") and not args.corpus:
            parser.error(f"{part} needs --corpus")
        print(f"== {part}", flush=True)
        started = time.time()
        result = PARTS[part](args.index.resolve(), args)
        result["seconds"] = round(time.time() - started, 1)
        (OUT / f"reliability-{part}{args.tag}.json").write_text(json.dumps(result, indent=1, ensure_ascii=False))
        shown = {k: v for k, v in result.items() if k not in ("detail", "samples", "examples")}
        print(json.dumps(shown, indent=1, ensure_ascii=False)[:4000], flush=True)


if __name__ == "__main__":
    main()
