"""A reader of CoNLL-2003 English NER files (`eng.train`, `eng.testa`, `eng.testb`): one dict per article.

One token per line (``word POS chunk NER``), a blank line between sentences, ``-DOCSTART-`` between
articles; tags are IOB1 (``I-PER``; ``B-PER`` only where two people touch). The text of an article is
rebuilt from its tokens: tokens joined by spaces, sentences by a newline (the first sentence is usually the
headline, the second a dateline such as ``LONDON 1996-08-30``), so spaCy reads what a wire reader would,
tokenised. Gold PER spans come with their character offsets in that text.

    from bench.conll import read_conll
    for doc in read_conll("../shared/corpora/conll2003-en/eng.testb"):
        doc["id"], doc["text"], doc["people"]   # people: [(start, end, "Nadim Ladki"), ...]
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

SPLITS = ("train", "testa", "testb")


class ConllError(Exception):
    """The file is missing or is not in CoNLL-2003 format."""


def split_path(corpus_dir: str | Path, split: str) -> Path:
    """The file of one split (``eng.<split>``) in ``corpus_dir``; ConllError when it is not there."""
    if split not in SPLITS:
        raise ConllError(f"unknown split {split!r} (one of {', '.join(SPLITS)})")
    path = Path(corpus_dir) / f"eng.{split}"
    if not path.is_file():
        raise ConllError(f"no eng.{split} in {corpus_dir}")
    return path


def _sentences(lines: list[str], where: str) -> list[list[tuple[str, str]]]:
    """Group the token lines of one article into sentences of (word, NER tag)."""
    sentences: list[list[tuple[str, str]]] = []
    current: list[tuple[str, str]] = []
    for line in lines:
        parts = line.split()
        if not parts:
            if current:
                sentences.append(current)
                current = []
            continue
        if len(parts) < 2:
            raise ConllError(f"{where}: a token line without a tag: {line.strip()[:60]!r}")
        current.append((parts[0], parts[-1]))
    if current:
        sentences.append(current)
    return sentences


def _article(doc_id: str, sentences: list[list[tuple[str, str]]]) -> dict:
    """Text and gold PER spans of one article."""
    pieces: list[str] = []
    people: list[tuple[int, int, str]] = []
    at = 0
    for n, sentence in enumerate(sentences):
        if n:
            pieces.append("\n")
            at += 1
        span_start = span_end = None
        for i, (word, tag) in enumerate(sentence):
            if i:
                pieces.append(" ")
                at += 1
            start, end = at, at + len(word)
            pieces.append(word)
            at = end
            if tag.endswith("-PER") and (span_start is None or tag.startswith("B-")):
                if span_start is not None:
                    people.append((span_start, span_end, ""))
                span_start, span_end = start, end
            elif tag.endswith("-PER"):
                span_end = end
            elif span_start is not None:
                people.append((span_start, span_end, ""))
                span_start = None
        if span_start is not None:
            people.append((span_start, span_end, ""))
    text = "".join(pieces)
    return {"id": doc_id, "text": text, "people": [(s, e, text[s:e]) for s, e, _ in people]}


def read_conll(path: str | Path) -> Iterator[dict]:
    """Yield one dict per article of a CoNLL-2003 file: id (``testb-17``), text, people (gold PER spans)."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as exc:
        raise ConllError(f"cannot read {path}: {exc.strerror or exc}") from None
    split = path.name.split(".")[-1]
    starts = [i for i, line in enumerate(lines) if line.startswith("-DOCSTART-")]
    if not starts:
        raise ConllError(f"{path}: no -DOCSTART- line (not a CoNLL-2003 file)")
    starts.append(len(lines))
    for n, (a, b) in enumerate(zip(starts, starts[1:])):
        sentences = _sentences(lines[a + 1 : b], f"{path.name} article {n + 1}")
        if sentences:
            yield _article(f"{split}-{n + 1}", sentences)
