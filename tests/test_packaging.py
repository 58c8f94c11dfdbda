"""pyproject.toml against what `make` installs: the same pinned runtime dependencies as requirements.txt, and a
`crisis-desk` command that is the CLI of `python -m indexer`."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib

from conftest import ROOT

from indexer import cli


def pins(lines) -> dict[str, str]:
    """``name==version`` requirement lines -> {normalised name: version}; comments and blanks skipped."""
    found = {}
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if line:
            name, version = line.split("==")
            found[re.sub(r"[-_.]+", "-", name.strip().lower())] = version.strip()
    return found


def test_pyproject_pins_the_runtime_requirements_make_installs():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = pins((ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines())
    assert requirements and all(v for v in requirements.values())
    assert pins(project["dependencies"]) == requirements


def test_crisis_desk_command_is_the_indexer_cli():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    module, _, function = project["scripts"]["crisis-desk"].partition(":")
    assert (module, function) == ("indexer.cli", "main") and callable(cli.main)
    # Run as the command would be: argv[0] names it, and its usage says so; `python -m indexer` keeps its name.
    script = (
        "import sys; sys.argv[0] = '/usr/local/bin/crisis-desk'; from indexer.cli import main; "
        "sys.exit(main(['--help']))"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.startswith("usage: crisis-desk "), done.stdout + done.stderr
    module_help = subprocess.run(
        [sys.executable, "-m", "indexer", "--help"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert module_help.returncode == 0 and module_help.stdout.startswith("usage: python -m indexer ")
