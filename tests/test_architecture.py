"""The layering is checked by a tool: import-linter's contracts in pyproject.toml
(entry points -> services -> storage, documents, series -> rules -> forms; no Flask below
the entry points; no import cycles), and a queue worker imports no Flask at all."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_import_contracts_hold():
    lint = shutil.which("lint-imports")
    assert lint, "import-linter is in the test extras (pip install -e '.[test]')"
    result = subprocess.run([lint], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


def test_a_worker_imports_no_flask():
    code = ("import sys, formservice.tasks, formservice.services.records, "
            "formservice.services.uploads, formservice.bootstrap; "
            "assert not [m for m in sys.modules if m.split('.')[0] in "
            "('flask', 'flask_smorest', 'flask_wtf', 'werkzeug')], 'Flask imported'")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
