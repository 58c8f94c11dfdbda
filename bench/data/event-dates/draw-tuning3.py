"""How the third tuning sample was drawn (kept as a record; run from the repository root):

    PYTHONPATH=. .venv/bin/python bench/data/event-dates/draw-tuning3.py CORPUS_DIR OUT.jsonl SAMPLE.jsonl ...

CORPUS_DIR is ../shared/corpora (the folder that holds both corpora); every article whose URL is in one of the
samples named after OUT.jsonl is left out. Articles are shuffled (seed 20261201) and walked in order; each
gives one DATE span of the body, chosen at random, as the real spaCy model finds it in the NER text of
today's reader (title, lead, body); quota 30 Guardian and 30 President of Ukraine.
"""
import json, random, sys
from pathlib import Path
from indexer.sources import read_articles
from indexer.enrich import ner_text, body_offset, load_nlp
corpus = Path(sys.argv[1])
EXCL = {json.loads(l)["url"] for f in sys.argv[3:] for l in open(f) if l.strip()}
nlp = load_nlp()
rng = random.Random(20261201)
out = []
for name, quota in (("guardian-ukraine-nato-2022/guard-articles-nato.csv", 30),
                    ("kremlin-zelenskyy-press-2021-22/zelenskyy.csv", 30)):
    arts = [a for a in read_articles([corpus / name]) if a.url not in EXCL and a.date]
    rng.shuffle(arts)
    got = 0
    for a in arts:
        if got >= quota:
            break
        t = ner_text(a); off = body_offset(a)
        spans = [(e.start_char, e.end_char) for e in nlp(t).ents if e.label_ == "DATE" and e.start_char >= off]
        if not spans:
            continue
        s, e = rng.choice(spans)
        cs, ce = max(0, s - 110), min(len(t), e + 110)
        ctx = t[cs:s] + "[[" + t[s:e] + "]]" + t[e:ce]
        out.append({"id": a.id, "url": a.url, "published": a.date.strftime("%Y-%m-%d"),
                    "weekday": a.date.strftime("%A"), "source": "guardian" if "guard" in name else "zelenskyy",
                    "title": a.title, "text": t[s:e], "start": s - off + len(a.title) + 2, "end": e - off + len(a.title) + 2,
                    "context": " ".join(ctx.split())})
        got += 1
with open(sys.argv[2], "w") as f:
    for r in out:
        f.write(json.dumps(r, ensure_ascii=False) + "\n")
print(len(out), file=sys.stderr)
