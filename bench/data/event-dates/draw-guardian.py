"""How the Guardian held-out sample was drawn (kept as a record; run from the repository root):

    PYTHONPATH=. .venv/bin/python bench/data/event-dates/draw-guardian.py NER_CACHE GUARDIAN_CSV OUT.jsonl SAMPLE.jsonl HELDOUT.jsonl

GUARDIAN_CSV is ../shared/corpora/guardian-ukraine-nato-2022/guard-articles-nato.csv.

A third sample from one corpus slice, the Guardian 2022 articles that neither earlier sample drew from:
one DATE span per article (spread over as many articles as possible), quota 110, seed 20261129. The DATE
spans are those of the crisis index's NER cache (the text as read before live-blog breaks were restored).
"""
import csv, json, random, sqlite3, sys
csv.field_size_limit(10**9)
from indexer.sources import read_articles
from indexer.enrich import ner_text, text_hash, body_offset
db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
cache = {h: json.loads(e) for h, e in db.execute("select hash, ents from ner")}
PATH = sys.argv[2]
EXCL = {json.loads(l)["url"] for f in sys.argv[4:] for l in open(f) if l.strip()}
rng = random.Random(20261129)
arts = list(read_articles([PATH]))
cands, miss, excl = [], 0, 0
for a in arts:
    if a.url in EXCL:
        excl += 1; continue
    t = ner_text(a); h = text_hash(t)
    if h not in cache:
        miss += 1; continue
    off = body_offset(a)
    spans = [(s, e) for s, e, l in cache[h] if l == "DATE" and s >= off]
    if spans and a.date:
        cands.append((a, t, spans))
print("guardian", len(arts), "excluded", excl, "missing", miss, "with DATE", len(cands), file=sys.stderr)
rng.shuffle(cands)
out = []
for a, t, spans in cands[:110]:
    s, e = rng.choice(spans)
    cs, ce = max(0, s - 110), min(len(t), e + 110)
    ctx = t[cs:s] + "[[" + t[s:e] + "]]" + t[e:ce]
    out.append({"id": a.id, "url": a.url, "published": a.date.strftime("%Y-%m-%d"),
                "weekday": a.date.strftime("%A"), "source": "guardian", "title": a.title,
                "text": t[s:e], "start": s, "end": e, "context": " ".join(ctx.split())})
with open(sys.argv[3], "w") as f:
    for r in out:
        f.write(json.dumps(r, ensure_ascii=False) + "\n")
print(len(out), file=sys.stderr)
