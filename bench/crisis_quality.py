"""Facet quality on the hand-annotated crisis sample: the product's entity pipeline vs two readers' gold.

    .venv/bin/python bench/crisis_quality.py ../shared/corpora --cache /tmp/ner-cache.sqlite [--dump FILE]
    .venv/bin/python bench/crisis_quality.py --readings

The first form builds a throw-away index of the three crisis CSVs (Kremlin, President of Ukraine,
Guardian) with ``indexer.build.build_index``, exactly as ``python -m indexer build`` does: the articles
are read by ``indexer.sources.read_articles``, recognised through ``indexer.enrich`` (from a copy of the
``--cache`` NER cache, so no spaCy run when it holds these texts), normalised one by one and resolved
over the WHOLE corpus by ``write_batch``. It then reads the stored entities of the sample's articles
(selected by URL) and scores them against ``bench/data/crisis-sample/reconciled.json``:

- people: per article, the actor facet vs the gold people; an actor matches a gold person when equal to
  the name or one of its aliases after accent and case folding (one actor per person: a split person
  costs a false actor);
- leaders: actors flagged leader, each with its country, vs gold people with leader=true and their
  country; right only when the country is right too (for heads of international bodies, the gold's
  body code matches an actor whose role names that body);
- countries about: the country facet codes vs ``countries_about``;
- for information: countries mentioned (the same facet codes vs ``countries_mentioned``) and
  organisations (same matching rule as people).

All figures are micro-averaged over (article, item) pairs. ``--readings`` prints the agreement of the
two independent readings before reconciliation instead (pairwise F1 per measure, Cohen's kappa of the
leader flag over the people both readers list). The given cache file is only read: the build writes to
its own copy in a temporary folder that is removed afterwards.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SAMPLE_DIR = Path(__file__).resolve().parent / "data" / "crisis-sample"
CORPUS_FILES = (
    "kremlin-zelenskyy-press-2021-22/putin.csv",
    "kremlin-zelenskyy-press-2021-22/zelenskyy.csv",
    "guardian-ukraine-nato-2022/guard-articles-nato.csv",
)

# Codes the guide gives international bodies (for their heads' "country"), with the names a role may use.
BODY_NAMES = {
    "UN": ("united nations", "un", "un general assembly", "un security council"),
    "EU": ("european union", "eu", "european commission", "european council", "european parliament"),
    "NATO": (
        "nato",
        "north atlantic treaty organization",
        "north atlantic treaty organisation",
        "north atlantic alliance",
    ),
    "OSCE": (
        "osce",
        "organization for security and co-operation in europe",
        "organisation for security and co-operation in europe",
        "organization for security and cooperation in europe",
    ),
    "IAEA": ("iaea", "international atomic energy agency"),
    "IMF": ("imf", "international monetary fund"),
    "WB": ("world bank",),
    "WHO": ("who", "world health organization", "world health organisation"),
    "WTO": ("wto", "world trade organization", "world trade organisation"),
    "CSTO": ("csto", "collective security treaty organisation", "collective security treaty organization"),
    "EAEU": ("eaeu", "eurasian economic union", "eurasian economic commission"),
    "CIS": ("cis", "commonwealth of independent states"),
    "SCO": ("sco", "shanghai cooperation organisation", "shanghai cooperation organization"),
    "COE": ("council of europe",),
    "ICRC": ("icrc", "international committee of the red cross"),
    "UNESCO": ("unesco",),
    "UNICEF": ("unicef",),
    "UNHCR": ("unhcr",),
    "OIC": ("oic", "organisation of islamic cooperation", "organization of islamic cooperation"),
    "AU": ("african union",),
    "G7": ("g7",),
    "G20": ("g20",),
}
BODY_ALIASES = {"COUNCIL OF EUROPE": "COE", "WORLD BANK": "WB"}


# --- matching rules ------------------------------------------------------------------------------


def fold(name: str) -> str:
    """Compare key of a name: accents, case, apostrophe and hyphen variants and dots removed."""
    from anyascii import anyascii

    text = anyascii(unicodedata.normalize("NFC", name or "")).casefold()
    text = text.replace("`", "'").replace("-", " ").replace(".", " ")
    return " ".join(text.split())


def name_keys(entry: dict | str) -> set[str]:
    """Folded name and aliases of a gold entry ({"name", "aliases"}) or of a plain name."""
    if isinstance(entry, str):
        return {fold(entry)} - {""}
    return {fold(n) for n in [entry.get("name", ""), *(entry.get("aliases") or [])]} - {""}


def match_names(pred: list[str], gold: list[dict]) -> list[tuple[int, int]]:
    """One-to-one (pred index, gold index) pairs: an exact name match first, then a match on an alias."""
    pairs: list[tuple[int, int]] = []
    used_p: set[int] = set()
    used_g: set[int] = set()
    pred_keys = [fold(p) for p in pred]
    for stage in ("name", "alias"):
        for gi, g in enumerate(gold):
            if gi in used_g:
                continue
            keys = {fold(g.get("name", ""))} if stage == "name" else name_keys(g)
            for pi, key in enumerate(pred_keys):
                if pi not in used_p and key in keys:
                    pairs.append((pi, gi))
                    used_p.add(pi)
                    used_g.add(gi)
                    break
    return sorted(pairs)


def match_entries(a: list[dict], b: list[dict]) -> list[tuple[int, int]]:
    """One-to-one pairs between two readers' lists: same name first, then any shared name or alias."""
    pairs: list[tuple[int, int]] = []
    used_a: set[int] = set()
    used_b: set[int] = set()
    for stage in ("name", "alias"):
        for ai, x in enumerate(a):
            if ai in used_a:
                continue
            kx = {fold(x.get("name", ""))} if stage == "name" else name_keys(x)
            for bi, y in enumerate(b):
                ky = {fold(y.get("name", ""))} if stage == "name" else name_keys(y)
                if bi not in used_b and kx & ky:
                    pairs.append((ai, bi))
                    used_a.add(ai)
                    used_b.add(bi)
                    break
    return sorted(pairs)


def body_code(code: str) -> str:
    """The guide's code of an international body ("UN"), or "" for a state's ISO code."""
    code = (code or "").strip().upper()
    code = BODY_ALIASES.get(code, code)
    return code if code in BODY_NAMES else ""


def country_right(pred_country: str, pred_role: str, gold_country: str) -> bool:
    """True when a predicted leader's country is the gold one.

    A state is right by its ISO code. The head of an international body is right when the code is the
    body's or, the pipeline giving such roles no country, when the role names the body."""
    gold = (gold_country or "").strip().upper()
    pred = (pred_country or "").strip().upper()
    if not gold:
        return False
    if pred == gold:
        return True
    body = body_code(gold)
    if not body:
        return False
    if pred:
        return body_code(pred) == body
    role = f" {fold(pred_role)} "
    return any(f" {name} " in role for name in BODY_NAMES[body])


# --- arithmetic ----------------------------------------------------------------------------------


@dataclass
class Counts:
    """True positives, false positives and false negatives of one measure."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, tp: int, fp: int, fn: int) -> None:
        """Add one article's counts."""
        self.tp += tp
        self.fp += fp
        self.fn += fn

    @property
    def precision(self) -> float:
        """tp / (tp + fp); 1.0 when nothing was predicted (no false item was shown)."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        """tp / (tp + fn); 1.0 when there was nothing to find."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        """2 tp / (2 tp + fp + fn): for two readers, the share of items both list."""
        denom = 2 * self.tp + self.fp + self.fn
        return 2 * self.tp / denom if denom else 1.0


def cohen_kappa(pairs: list[tuple[bool, bool]]) -> float | None:
    """Cohen's kappa of two raters' yes/no labels; None when undefined (no pairs, or chance agreement 1)."""
    n = len(pairs)
    if not n:
        return None
    observed = sum(a == b for a, b in pairs) / n
    pa = sum(a for a, _ in pairs) / n
    pb = sum(b for _, b in pairs) / n
    expected = pa * pb + (1 - pa) * (1 - pb)
    if expected == 1:
        return None
    return (observed - expected) / (1 - expected)


# --- scoring the pipeline against gold -----------------------------------------------------------

MEASURES = ("people", "leaders", "countries_about", "countries_mentioned", "orgs")


def score_article(pred: dict, gold: dict) -> tuple[dict[str, tuple[int, int, int]], dict]:
    """Counts per measure and the errors of one article.

    ``pred``: {"actors": [{"name", "leader", "country", "role"}], "countries": [codes], "orgs": [names]};
    ``gold``: an article of the annotation format (see GUIDE.md)."""
    counts: dict[str, tuple[int, int, int]] = {}
    errors: dict[str, list] = {}
    actors = pred.get("actors", [])
    people = gold.get("people", [])

    pairs = match_names([a["name"] for a in actors], people)
    counts["people"] = (len(pairs), len(actors) - len(pairs), len(people) - len(pairs))
    got_p = {p for p, _ in pairs}
    got_g = {g for _, g in pairs}
    errors["people_false"] = [a["name"] for i, a in enumerate(actors) if i not in got_p]
    errors["people_missed"] = [g["name"] for i, g in enumerate(people) if i not in got_g]

    leaders = [a for a in actors if a.get("leader")]
    gold_leaders = [g for g in people if g.get("leader")]
    pairs = match_names([a["name"] for a in leaders], gold_leaders)
    right = [
        (p, g)
        for p, g in pairs
        if country_right(leaders[p].get("country", ""), leaders[p].get("role", ""), gold_leaders[g].get("country", ""))
    ]
    counts["leaders"] = (len(right), len(leaders) - len(right), len(gold_leaders) - len(right))
    ok_p = {p for p, _ in right}
    ok_g = {g for _, g in right}
    errors["leaders_false"] = [
        f"{a['name']} ({a.get('country') or '-'}: {a.get('role') or '-'})"
        for i, a in enumerate(leaders)
        if i not in ok_p
    ]
    errors["leaders_missed"] = [
        f"{g['name']} ({g.get('country') or '-'})" for i, g in enumerate(gold_leaders) if i not in ok_g
    ]

    codes = {c.upper() for c in pred.get("countries", [])}
    for measure in ("countries_about", "countries_mentioned"):
        want = {c.upper() for c in gold.get(measure, [])}
        counts[measure] = (len(codes & want), len(codes - want), len(want - codes))
        errors[f"{measure}_false"] = sorted(codes - want)
        errors[f"{measure}_missed"] = sorted(want - codes)

    orgs = pred.get("orgs", [])
    gold_orgs = gold.get("orgs", [])
    pairs = match_names(orgs, gold_orgs)
    counts["orgs"] = (len(pairs), len(orgs) - len(pairs), len(gold_orgs) - len(pairs))
    errors["orgs_false"] = [o for i, o in enumerate(orgs) if i not in {p for p, _ in pairs}]
    errors["orgs_missed"] = [g["name"] for i, g in enumerate(gold_orgs) if i not in {g for _, g in pairs}]
    return counts, errors


def agreement_article(a: dict, b: dict) -> tuple[dict[str, tuple[int, int, int]], list[tuple[bool, bool]]]:
    """Counts per measure (B scored against A) and the leader flags of the people both readers list."""
    counts: dict[str, tuple[int, int, int]] = {}
    pa, pb = a.get("people", []), b.get("people", [])
    pairs = match_entries(pa, pb)
    counts["people"] = (len(pairs), len(pb) - len(pairs), len(pa) - len(pairs))
    flags = [(bool(pa[i].get("leader")), bool(pb[j].get("leader"))) for i, j in pairs]

    la = [p for p in pa if p.get("leader")]
    lb = [p for p in pb if p.get("leader")]
    same = [
        (i, j)
        for i, j in match_entries(la, lb)
        if (la[i].get("country") or "").upper() == (lb[j].get("country") or "").upper()
    ]
    counts["leaders"] = (len(same), len(lb) - len(same), len(la) - len(same))

    for measure in ("countries_about", "countries_mentioned"):
        ca = {c.upper() for c in a.get(measure, [])}
        cb = {c.upper() for c in b.get(measure, [])}
        counts[measure] = (len(ca & cb), len(cb - ca), len(ca - cb))

    oa, ob = a.get("orgs", []), b.get("orgs", [])
    pairs = match_entries(oa, ob)
    counts["orgs"] = (len(pairs), len(ob) - len(pairs), len(oa) - len(pairs))
    return counts, flags


# --- files ---------------------------------------------------------------------------------------


class SampleError(Exception):
    """A sample or annotation file that cannot be used (the message says why)."""


def load_sample(path: Path) -> list[dict]:
    """The sample's articles (id, url, ...) in order."""
    try:
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    except (OSError, ValueError) as exc:
        raise SampleError(f"cannot read the sample {path}: {exc}") from None


def load_reading(path: Path, sample: list[dict]) -> dict[str, dict]:
    """id -> annotated article of one reading, checked to cover every article of the sample."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        articles = {a["id"]: a for a in data["articles"]}
    except FileNotFoundError:
        raise SampleError(f"no annotation file {path}") from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SampleError(f"cannot read the annotations {path}: {exc}") from None
    missing = [s["id"] for s in sample if s["id"] not in articles]
    if missing:
        raise SampleError(f"{path} lacks {len(missing)} of the sample's articles (first: {missing[0]})")
    return articles


# --- the pipeline --------------------------------------------------------------------------------


def run_pipeline(corpora: Path, cache: Path | None, workers: int) -> tuple[dict[str, dict], str]:
    """url -> predicted entities of every article of the crisis CSVs, from a throw-away build."""
    from whoosh import index as whoosh_index

    from indexer import layout
    from indexer.build import build_index

    paths = [corpora / rel for rel in CORPUS_FILES]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise SampleError(f"no corpus file {missing[0]}")
    with tempfile.TemporaryDirectory(prefix="crisis-quality-") as tmp:
        index_dir = Path(tmp) / "index"
        index_dir.mkdir()
        if cache:
            if not cache.is_file():
                raise SampleError(f"no NER cache {cache}")
            # A copy, WAL included: the build writes to its cache, the given file must stay as it is.
            for suffix in ("", "-wal"):
                if Path(f"{cache}{suffix}").exists():
                    shutil.copyfile(f"{cache}{suffix}", index_dir / f"{layout.CACHE_FILE}{suffix}")
        problems: list[str] = []
        summary = build_index(
            paths, index_dir, n_process=workers, on_problem=lambda where, why: problems.append(f"{where}: {why}")
        )
        ix = whoosh_index.open_dir(str(layout.current_generation_dir(index_dir)))
        predicted: dict[str, dict] = {}
        with ix.reader() as reader:
            for fields in reader.all_stored_fields():
                ents = json.loads(fields["entities"])  # what the facets show, with roles
                predicted[fields.get("url", "")] = {
                    "actors": [
                        {
                            "name": a["name"],
                            "leader": bool(a.get("leader")),
                            "country": a.get("country", ""),
                            "role": a.get("role", ""),
                        }
                        for a in ents.get("actors", [])
                    ],
                    "countries": [c["code"] for c in ents.get("countries", [])],
                    "orgs": [o["name"] for o in ents.get("orgs", [])],
                }
        ix.close()
    note = (
        f"{summary.read} articles read, {summary.indexed} indexed, NER run on {summary.ner_runs} texts "
        f"({'the rest from the cache' if cache else 'no cache'}), {len(problems)} problems reported, "
        f"{summary.seconds:.0f} s"
    )
    return predicted, note


# --- output --------------------------------------------------------------------------------------

LABELS = {
    "people": "people",
    "leaders": "leaders (with country)",
    "countries_about": "countries about",
    "countries_mentioned": "countries mentioned (info)",
    "orgs": "organisations (info)",
}


def table(rows: list[tuple[str, Counts]], header: tuple[str, ...] = ("P", "R", "F1")) -> str:
    """A Markdown table of P, R, F1 and the counts of each measure."""
    lines = ["| measure | " + " | ".join(header) + " | tp | fp | fn |", "|---|" + "---:|" * (len(header) + 3)]
    for label, c in rows:
        values = {"P": c.precision, "R": c.recall, "F1": c.f1}
        lines.append(
            f"| {label} | " + " | ".join(f"{values[h]:.3f}" for h in header) + f" | {c.tp} | {c.fp} | {c.fn} |"
        )
    return "\n".join(lines)


def readings_report(sample: list[dict], a_path: Path, b_path: Path) -> str:
    """Agreement of two readings, as a Markdown table with the leader-flag kappa below it."""
    a = load_reading(a_path, sample)
    b = load_reading(b_path, sample)
    totals = {m: Counts() for m in MEASURES}
    flags: list[tuple[bool, bool]] = []
    for s in sample:
        counts, f = agreement_article(a[s["id"]], b[s["id"]])
        for m, (tp, fp, fn) in counts.items():
            totals[m].add(tp, fp, fn)
        flags += f
    lines = [
        f"Agreement of {a_path.name} and {b_path.name} over {len(sample)} articles "
        "(pairwise F1 over (article, item) pairs; both = items both list, only A / only B):",
        "",
        "| measure | F1 | both | only B | only A |",
        "|---|---:|---:|---:|---:|",
    ]
    for m in MEASURES:
        c = totals[m]
        lines.append(f"| {LABELS[m].replace(' (info)', '')} | {c.f1:.3f} | {c.tp} | {c.fp} | {c.fn} |")
    kappa = cohen_kappa(flags)
    same = sum(x == y for x, y in flags)
    lines += [
        "",
        f"leader flag over the {len(flags)} people both list: agree on {same}, Cohen's kappa "
        + (f"{kappa:.3f}" if kappa is not None else "undefined"),
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpora", nargs="?", help="the shared corpora folder (../shared/corpora)")
    ap.add_argument("--cache", help="NER cache to start from (copied; the file itself is never written)")
    ap.add_argument("--gold", default=str(SAMPLE_DIR / "reconciled.json"), help="annotations to score against")
    ap.add_argument("--sample", default=str(SAMPLE_DIR / "articles.jsonl"), help="the sample's articles")
    ap.add_argument("--dump", help="write per-article errors to this JSONL file")
    ap.add_argument("--workers", type=int, default=2, help="spaCy processes for texts not in the cache")
    ap.add_argument(
        "--readings", action="store_true", help="print the agreement of reading-a.json and reading-b.json instead"
    )
    args = ap.parse_args(argv)

    try:
        sample = load_sample(Path(args.sample))
        if args.readings:
            folder = Path(args.sample).parent
            print(readings_report(sample, folder / "reading-a.json", folder / "reading-b.json"))
            return 0
        if not args.corpora:
            ap.error("give the corpora folder (or --readings)")
        gold = load_reading(Path(args.gold), sample)
        predicted, note = run_pipeline(Path(args.corpora), Path(args.cache) if args.cache else None, args.workers)
    except SampleError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # the indexer's own errors (EnrichError, BuildError, ...) say what went wrong
        print(f"error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2

    absent = [s["id"] for s in sample if s["url"] not in predicted]
    if absent:
        print(f"error: {len(absent)} sample articles not in the built index (first: {absent[0]})", file=sys.stderr)
        return 2
    totals = {m: Counts() for m in MEASURES}
    dump = open(args.dump, "w", encoding="utf-8") if args.dump else None
    for s in sample:
        counts, errors = score_article(predicted[s["url"]], gold[s["id"]])
        for m, (tp, fp, fn) in counts.items():
            totals[m].add(tp, fp, fn)
        if dump:
            dump.write(
                json.dumps(
                    {
                        "id": s["id"],
                        "url": s["url"],
                        "title": s["title"],
                        **{k: v for k, v in errors.items() if v},
                        "predicted": predicted[s["url"]],
                    },
                    ensure_ascii=False,
                )
                + "\n"
            )
    if dump:
        dump.close()
    print(note)
    print(f"{len(sample)} sample articles scored against {Path(args.gold).name} (micro over (article, item) pairs):")
    print(table([(LABELS[m], totals[m]) for m in MEASURES]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
