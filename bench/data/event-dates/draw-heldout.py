"""How the sample was drawn (kept as a record; run from the repository root):

    PYTHONPATH=. .venv/bin/python bench/data/event-dates/draw-heldout.py NER_CACHE OUT.jsonl FIRST_SAMPLE.jsonl

NER_CACHE is the ner-cache.sqlite of a crisis index built at the commit that drew it, when the NER text was
title + body (the lead paragraph was added to the NER text later, so Kremlin hashes differ today).
"""
import csv, json, random, sqlite3, sys
csv.field_size_limit(10**9)
from indexer.sources import read_articles
from indexer.enrich import ner_text, text_hash, body_offset
db = sqlite3.connect(sys.argv[1])
cache = {h: json.loads(e) for h, e in db.execute("select hash, ents from ner")}
SRC = [("kremlin", "../shared/corpora/kremlin-zelenskyy-press-2021-22/putin.csv", 50),
       ("zelenskyy", "../shared/corpora/kremlin-zelenskyy-press-2021-22/zelenskyy.csv", 50),
       ("guardian", "../shared/corpora/guardian-ukraine-nato-2022/guard-articles-nato.csv", 30)]
EXCL = {json.loads(l)['url'] for l in open(sys.argv[3])}
rng = random.Random(7331)
out = []
for name, path, quota in SRC:
    arts = list(read_articles([path]))
    miss = 0; cands = []
    excl = 0
    for a in arts:
        if a.url in EXCL: excl += 1; continue
        t = ner_text(a); h = text_hash(t)
        if h not in cache: miss += 1; continue
        off = body_offset(a)
        spans = [(s, e) for s, e, l in cache[h] if l == "DATE" and s >= off]
        if spans and a.date: cands.append((a, t, spans))
    print(name, len(arts), "excluded", excl, "missing", miss, "with DATE", len(cands), file=sys.stderr)
    rng.shuffle(cands)
    got = 0
    for a, t, spans in cands:
        if got >= quota: break
        k = min(2, len(spans), quota - got)
        for s, e in sorted(rng.sample(spans, k)):
            cs, ce = max(0, s - 110), min(len(t), e + 110)
            ctx = t[cs:s] + "[[" + t[s:e] + "]]" + t[e:ce]
            out.append({"id": a.id, "url": a.url, "published": a.date.strftime("%Y-%m-%d"),
                        "weekday": a.date.strftime("%A"), "source": name, "title": a.title,
                        "text": t[s:e], "start": s, "end": e, "context": " ".join(ctx.split())})
            got += 1
with open(sys.argv[2], 'w') as f:
    for r in out: f.write(json.dumps(r, ensure_ascii=False) + "\n")
print(len(out), file=sys.stderr)
