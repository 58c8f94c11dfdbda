"""How the second, third and fourth tuning samples were drawn (kept as a record; run from the repository root):

    PYTHONPATH=. .venv/bin/python bench/data/event-dates/draw-tuning.py --seed SEED --quota FILE=N [--quota ...]
        CORPORA_DIR OUT.jsonl SAMPLE.jsonl ...

CORPORA_DIR is ../shared/corpora; each FILE is a CSV under it and N how many mentions it gives. Every article
whose URL is in one of the samples named after OUT.jsonl is left out. Articles are shuffled (the seed) and
walked in order; each gives one DATE span of the body, chosen at random, as the real spaCy model finds it in
the NER text of today's reader (title, lead, body). The three samples:

    sample2: --seed 20261130 --quota kremlin-zelenskyy-press-2021-22/putin.csv=40
             --quota kremlin-zelenskyy-press-2021-22/zelenskyy.csv=40
    sample3: --seed 20261201 --quota guardian-ukraine-nato-2022/guard-articles-nato.csv=30
             --quota kremlin-zelenskyy-press-2021-22/zelenskyy.csv=30
    sample4: --seed 20261202 --quota kremlin-zelenskyy-press-2021-22/putin.csv=40
"""

import argparse
import json
import random
import sys
from pathlib import Path

from indexer.enrich import body_offset, load_nlp, ner_text
from indexer.sources import read_articles


def source_name(path: str) -> str:
    """The sample's source label of a corpus file."""
    if "guard" in path:
        return "guardian"
    return "kremlin" if path.endswith("putin.csv") else "zelenskyy"


def main() -> None:
    """Draw the sample and write it as JSONL."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--quota", action="append", required=True, metavar="FILE=N")
    parser.add_argument("corpora", type=Path)
    parser.add_argument("out")
    parser.add_argument("samples", nargs="*", help="earlier samples whose articles are left out")
    args = parser.parse_args()
    excluded = {json.loads(line)["url"] for f in args.samples for line in open(f) if line.strip()}
    nlp = load_nlp()
    rng = random.Random(args.seed)
    out = []
    for item in args.quota:
        name, quota = item.rsplit("=", 1)
        arts = [a for a in read_articles([args.corpora / name]) if a.url not in excluded and a.date]
        rng.shuffle(arts)
        got = 0
        for a in arts:
            if got >= int(quota):
                break
            t, off = ner_text(a), body_offset(a)
            spans = [(e.start_char, e.end_char) for e in nlp(t).ents if e.label_ == "DATE" and e.start_char >= off]
            if not spans:
                continue
            s, e = rng.choice(spans)
            cs, ce = max(0, s - 110), min(len(t), e + 110)
            ctx = t[cs:s] + "[[" + t[s:e] + "]]" + t[e:ce]
            shift = len(a.title) + 2 - off
            out.append({"id": a.id, "url": a.url, "published": a.date.strftime("%Y-%m-%d"),
                        "weekday": a.date.strftime("%A"), "source": source_name(name), "title": a.title,
                        "text": t[s:e], "start": s + shift, "end": e + shift, "context": " ".join(ctx.split())})
            got += 1
    with open(args.out, "w") as f:
        for r in out:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(len(out), file=sys.stderr)


if __name__ == "__main__":
    main()
