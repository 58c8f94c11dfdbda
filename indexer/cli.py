"""``python -m indexer``: build, status, check and remove, with one-line errors and meaningful exit codes.

Exit codes: 0 done; 1 nothing could be indexed, or the index is missing or unreadable;
2 bad command line; 75 another build holds the index (try again later); 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from collections import defaultdict

from indexer.errors import IndexerError, UsageError

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_LOCKED, EXIT_INTERRUPTED = 0, 1, 2, 75, 130
DEFAULT_INDEX = "index"
# Per file, this many warnings are printed; the rest are counted in one line.
WARNINGS_PER_FILE = 5


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line: ``build``, ``status`` and ``remove``."""
    # The same CLI answers as `python -m indexer` and as the `crisis-desk` command (pyproject.toml).
    prog = "crisis-desk" if os.path.basename(sys.argv[0]) == "crisis-desk" else "python -m indexer"
    parser = argparse.ArgumentParser(prog=prog, description="Build and inspect the Crisis Desk search index.")
    parser.add_argument(
        "--index",
        default=os.environ.get("CRISIS_DESK_INDEX", DEFAULT_INDEX),
        help="index directory (default: $CRISIS_DESK_INDEX or ./index)",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    build = commands.add_parser("build", help="add new and changed articles (default path: seeds/)")
    build.add_argument(
        "paths",
        nargs="*",
        default=["seeds"],
        metavar="PATH",
        help="article files or folders (.txt, .jsonl, .json, .csv)",
    )
    build.add_argument("--index", default=argparse.SUPPRESS, help="index directory")
    build.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="FIELD=COLUMN",
        help="read FIELD (id, title, date, text, source, url) from COLUMN; repeatable",
    )
    build.add_argument("--prune", action="store_true", help="remove articles whose source is gone")
    build.add_argument(
        "--rebuild", action="store_true", help="build a new generation beside the served one and switch over atomically"
    )
    build.add_argument("--workers", type=int, default=2, metavar="N", help="NER processes (default 2)")
    build.add_argument(
        "--max-file-mb", type=float, default=200, metavar="MB", help="skip files larger than this (default 200)"
    )
    build.add_argument("--quiet", action="store_true", help="print only the summary and errors")

    status = commands.add_parser("status", help="articles, date range, last build, top facet values")
    status.add_argument("--index", default=argparse.SUPPRESS, help="index directory")
    status.add_argument("--json", action="store_true", help="print JSON")

    verify = commands.add_parser("check", help="verify the served index (files, checksums, every document)")
    verify.add_argument("--index", default=argparse.SUPPRESS, help="index directory")

    remove = commands.add_parser("remove", help="remove articles by id")
    remove.add_argument("--index", default=argparse.SUPPRESS, help="index directory")
    remove.add_argument("ids", nargs="+", metavar="ID")
    return parser.parse_args(argv)


def parse_mapping(items: list[str]) -> dict[str, str]:
    """``["date=Date Formatted"]`` -> ``{"date": "Date Formatted"}``; raises UsageError when malformed."""
    from indexer.sources import FIELDS

    mapping = {}
    for item in items:
        name, sep, column = item.partition("=")
        name = name.strip().lower()
        if not sep or not column.strip():
            raise UsageError(f'--map {item!r}: expected FIELD=COLUMN, e.g. --map date="Date Formatted"')
        if name not in FIELDS:
            raise UsageError(f"--map {item!r}: unknown field {name!r} (one of {', '.join(FIELDS)})")
        mapping[name] = column
    return mapping


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code."""
    args = parse_args(argv)
    # A kill (SIGTERM) unwinds like Ctrl-C, so the writer cancels and the index stays as it was.
    signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        if args.command == "build":
            return run_build(args)
        if args.command == "status":
            return run_status(args)
        if args.command == "check":
            return run_check(args)
        return run_remove(args)
    except KeyboardInterrupt:
        _error("interrupted; the index is as it was before this build")
        return EXIT_INTERRUPTED
    except Exception as exc:  # noqa: BLE001 - every error becomes one line, never a traceback
        return report_error(exc, args.command, args.index)


def report_error(exc: Exception, command: str, index_dir: str) -> int:
    """Print ``exc`` as one ``error:`` line and return its exit code.

    A bad command line (UsageError) is 2, another build holding the index 75, any other error the
    indexer raises on purpose (IndexerError) or the system reports (OSError) 1. Anything else is a bug:
    1 too, named by its type, and never 2, since the command line was fine."""
    from indexer.build import BuildLocked
    from indexer.check import describe_exception

    if isinstance(exc, UsageError):
        _error(_one_line(str(exc)))
        return EXIT_USAGE
    if isinstance(exc, BuildLocked):
        _error(_one_line(str(exc)))
        return EXIT_LOCKED
    if isinstance(exc, IndexerError):
        _error(_one_line(str(exc)))
        return EXIT_FAILED
    if isinstance(exc, OSError):
        _error(f"{exc.filename or index_dir}: {exc.strerror or exc}")
        return EXIT_FAILED
    _error(f"{command} failed: {describe_exception(exc)}")
    return EXIT_FAILED


def _one_line(message: str) -> str:
    """A message on one line (a user reads one line per error)."""
    return " ".join(message.split())


def run_check(args: argparse.Namespace) -> int:
    """``check``: verify the served generation; say what to do when it is damaged."""
    from indexer.build import BuildError
    from indexer.check import check_index, served_generation

    if served_generation(args.index) is None:
        raise BuildError(
            f"no index in {args.index} (build one with: python -m indexer build PATH --index {args.index})"
        )
    result = check_index(args.index)
    how = (
        f"{result['files']} files match their sizes and checksums"
        if result["manifest"]
        else "no manifest (built before manifests existed), so checksums were not compared; a --rebuild adds one"
    )
    print(f"ok: {result['generation']}: {result['articles']} articles readable; {how}")
    return EXIT_OK


def run_build(args: argparse.Namespace) -> int:
    """``build``: read, enrich, write; warnings one line each, then a summary."""
    from indexer.build import build_index

    mapping = parse_mapping(args.map)
    if args.workers < 1:
        raise UsageError("--workers must be at least 1")
    if not args.max_file_mb > 0 or args.max_file_mb == float("inf"):  # NaN and inf are no size either
        raise UsageError("--max-file-mb must be positive")
    per_file: dict[str, int] = defaultdict(int)

    def warn(location: str, reason: str) -> None:
        file = location.split(":", 1)[0]
        per_file[file] += 1
        if per_file[file] <= WARNINGS_PER_FILE:
            print(f"warning: {location}: {reason}", file=sys.stderr)

    summary = build_index(
        args.paths,
        args.index,
        rebuild=args.rebuild,
        prune=args.prune,
        mapping=mapping,
        n_process=args.workers,
        progress=not args.quiet,
        on_problem=warn,
        max_file_bytes=int(args.max_file_mb * 2**20),
    )
    for file, count in per_file.items():
        if count > WARNINGS_PER_FILE:
            print(f"warning: {file}: {count - WARNINGS_PER_FILE} more problems not shown", file=sys.stderr)
    reasons = sorted({reason.split(" (")[0] for _, reason in summary.skipped})
    print(
        f"{summary.generation}: added {summary.added}, updated {summary.updated}, "
        f"unchanged {summary.unchanged}, removed {summary.removed}, "
        f"skipped {len(summary.skipped)}{' (' + '; '.join(reasons[:5]) + ')' if reasons else ''} "
        f"in {summary.seconds:.1f} s ({summary.ner_runs} texts through NER); {summary.normalised} normalised "
        f"by rules {summary.normaliser}"
    )
    if summary.indexed == 0 and summary.removed == 0:
        _error("nothing could be indexed from " + " ".join(map(str, args.paths)))
        return EXIT_FAILED
    if summary.added:  # only added articles are new to a saved search (an update keeps its first-indexed time)
        report_saved(args.index, summary.started)
    return EXIT_OK


def report_saved(index_dir: str, since: float) -> None:
    """Print one line per saved search with matches new since ``since``: ``saved "Belarus border": 12 new``."""
    try:
        from search.alerts import new_matches

        alerts = new_matches(index_dir, since)
    except Exception as exc:  # the build is committed: a failed count is a warning, not a failed build
        print(
            f"warning: saved searches not checked: {str(exc).splitlines()[0] if str(exc) else exc!r}", file=sys.stderr
        )
        return
    for alert in alerts:
        name = json.dumps(alert.name, ensure_ascii=False)
        if alert.error:
            print(f"warning: saved {name} cannot be run: {alert.error}", file=sys.stderr)
        elif alert.new:
            print(f"saved {name}: {alert.new} new")


def run_status(args: argparse.Namespace) -> int:
    """``status``: what the served index holds."""
    from indexer.build import index_status

    status = index_status(args.index)
    if args.json:
        print(json.dumps(status, indent=1, ensure_ascii=False))
        return EXIT_OK
    last = status["last_build"]
    print(f"index       {status['index']} ({status['generation']})")
    print(f"articles    {status['articles']}" + (f" ({status['undated']} undated)" if status["undated"] else ""))
    print(f"dates       {status['first_date'] or '-'} to {status['last_date'] or '-'}")
    if last:
        print(
            f"last build  {last.get('finished', '?')}: added {last.get('added', 0)}, updated "
            f"{last.get('updated', 0)}, unchanged {last.get('unchanged', 0)}, removed {last.get('removed', 0)}, "
            f"skipped {last.get('skipped', 0)} in {last.get('seconds', 0):.1f} s"
        )
        phases = last.get("phases") or {}
        if phases:
            print("  its steps " + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in phases.items()))
    built, installed = status["normaliser"]["index"], status["normaliser"]["installed"]
    shown = ", ".join(f"{v} ({n} articles)" for v, n in built.items()) or "-"
    if set(built) == {installed}:
        print(f"normaliser  {shown}; the installed rules are the same")
    else:
        print(
            f"normaliser  {shown}; installed rules are {installed}: the next build re-normalises "
            "every article it reads (from the NER cache, no NER run)"
        )
    for kind, values in status["top"].items():
        shown = ", ".join(f"{value} ({count})" for value, count in values) or "-"
        print(f"{kind:<11} {shown}")
    return EXIT_OK


def run_remove(args: argparse.Namespace) -> int:
    """``remove``: delete articles by id."""
    from indexer.build import remove_articles

    removed, unknown = remove_articles(args.index, args.ids)
    for article_id in unknown:
        print(f"warning: no article with id {article_id!r}", file=sys.stderr)
    print(f"removed {len(removed)} article{'s' if len(removed) != 1 else ''}")
    return EXIT_OK if removed else EXIT_FAILED


def _raise_interrupt(signum, frame):
    # NER worker processes are forked with this handler; they should simply die, as by default.
    if os.getpid() != _MAIN_PID:
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)
    raise KeyboardInterrupt


_MAIN_PID = os.getpid()


def _error(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)
