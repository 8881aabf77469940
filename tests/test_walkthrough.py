"""docs/walkthrough.md is a test: every command on the page runs, in order, in an empty folder.

The page's fenced blocks are read in order:

- a ```` ```console ```` block: each ``$ command`` is run, and each line shown under it must appear
  in what it printed (stdout and stderr together);
- a block with ``title="PATH"``: the reader is asked to write that file; the test writes it;
- a block with ``title="PATH (excerpt)"``: the text must be in that file as the commands made it.

The commands run in one bash process, as in the reader's terminal, so ``cd`` and ``export`` carry
over; ``PATH`` starts with Jimu's venv, and the plugin the page builds is installed into a folder
of the temporary directory on ``PYTHONPATH`` — never into the venv.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "walkthrough.md"
FENCE = re.compile(r"^```(?P<lang>[\w-]*)(?P<attrs>[^\n]*)\n(?P<body>.*?)^```\s*$", re.M | re.S)
TITLE = re.compile(r'title="(?P<title>[^"]+)"')


@dataclass
class Command:
    line: str
    expected: list[str] = field(default_factory=list)


@dataclass
class Write:
    path: str
    text: str


@dataclass
class Excerpt:
    path: str
    text: str


def steps(page: str) -> list[Command | Write | Excerpt]:
    found: list[Command | Write | Excerpt] = []
    for fence in FENCE.finditer(page):
        body, title = fence["body"], TITLE.search(fence["attrs"])
        if fence["lang"] == "console":
            for line in body.splitlines():
                if line.startswith("$ "):
                    found.append(Command(line[2:]))
                elif line.strip():
                    assert found and isinstance(found[-1], Command), f"output before any command: {line}"
                    found[-1].expected.append(line.strip())
        elif title is not None:
            path, excerpt = re.subn(r"\s*\(excerpt\)$", "", title["title"])
            found.append(Excerpt(path, body) if excerpt else Write(path, body))
    return found


def script(items: list[Command | Write | Excerpt], logs: Path) -> str:
    """One bash script: each command's output and exit status to logs/<n>.*, stopping at the first failure."""
    lines = ["set -u"]
    for n, item in enumerate(items):
        if isinstance(item, Command):
            lines.append(f"{{ {item.line}\n}} > {logs}/{n}.out 2>&1 < /dev/null; status=$?; echo $status > {logs}/{n}.rc")
            lines.append('[ "$status" -eq 0 ] || exit 0')
        elif isinstance(item, Write):
            lines.append(f"mkdir -p \"$(dirname {shlex.quote(item.path)})\" && "
                         f"cat > {shlex.quote(item.path)} <<'JIMU_WALKTHROUGH_EOF'\n{item.text}JIMU_WALKTHROUGH_EOF")
        else:
            lines.append(f"cp {shlex.quote(item.path)} {logs}/{n}.excerpt")
    return "\n".join(lines) + "\n"


def test_the_page_is_read_as_intended():
    items = steps(PAGE.read_text(encoding="utf-8"))
    commands = [i.line.split()[:3] for i in items if isinstance(i, Command)]
    assert ["jimu", "new", "plugin"] in commands and ["jimu", "new", "capability"] in commands
    assert ["python", "-m", "pytest"] in commands and ["python", "-m", "pip"] in commands
    assert ["jimu", "new", "product"] in commands and ["jimu", "lock"] in commands
    assert ["jimu", "validate"] in commands and ["jimu", "run", "assemblies/hunan/changsha_planting_loan.yaml"] in commands
    assert [i.path for i in items if isinstance(i, Write)] == ["assemblies/hunan/changsha_planting_loan.yaml"]
    assert sum(isinstance(i, Excerpt) for i in items) == 3


@pytest.mark.slow
def test_every_command_on_the_page_succeeds_in_order(tmp_path):
    items = steps(PAGE.read_text(encoding="utf-8"))
    work, logs = tmp_path / "work", tmp_path / "logs"
    work.mkdir(), logs.mkdir()
    # a reader's shell: no extra plugins on the path, no plugin allow- or block-list
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "VIRTUAL_ENV") and not k.startswith("JIMU_PLUGINS_")}
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env["COLUMNS"] = "200"
    # the wheel's isolated build takes setuptools from the index: pinned, as every install here is
    env["PIP_CONSTRAINT"] = str(ROOT / "constraints.txt")
    done = subprocess.run(["bash", "-c", script(items, logs)], cwd=work, env=env, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    for n, item in enumerate(items):
        if isinstance(item, Command):
            assert (logs / f"{n}.rc").exists(), f"not run (an earlier step stopped the page): $ {item.line}"
            printed = (logs / f"{n}.out").read_text(encoding="utf-8")
            status = int((logs / f"{n}.rc").read_text())
            assert status == 0, f"$ {item.line}\nexit {status}\n{printed[-4000:]}"
            for line in item.expected:
                assert line in printed, f"$ {item.line}\nshould print: {line}\nprinted:\n{printed[-4000:]}"
        elif isinstance(item, Excerpt):
            made = (logs / f"{n}.excerpt").read_text(encoding="utf-8")
            assert item.text in made, f"{item.path} no longer contains the page's excerpt:\n{item.text}"
    # nothing was installed into Jimu's own environment
    assert not list(Path(sys.prefix).glob("lib/python*/site-packages/jimu_agri*"))
