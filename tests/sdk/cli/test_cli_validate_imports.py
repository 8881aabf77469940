"""`jimu validate` stays light: a branch developer runs it on every save, so it must start fast.

The heavy stacks (pandas, Dask, numpy, a CEL package, Playwright) belong to the batch engines,
the map's browser test and the expression tests, never to validation; importing any of them
costs hundreds of milliseconds before the first file is read.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
HEAVY = ("pandas", "dask", "distributed", "numpy", "pyarrow", "celpy", "cel", "playwright")

# Runs the command's own entry point in a fresh interpreter, then reports what got imported.
PROBE = """
import json, sys
from jimu.cli import main
sys.argv = ["jimu", "validate", "assemblies/"]
try:
    main()
except SystemExit as exc:
    code = exc.code
else:
    code = 0
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def test_validate_imports_no_dataframe_cel_or_browser_stack():
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["code"] in (0, None), done.stdout  # the shipped products validate clean
    loaded = {name.split(".")[0] for name in report["modules"]}
    assert not loaded & set(HEAVY), f"jimu validate imported {sorted(loaded & set(HEAVY))}"
