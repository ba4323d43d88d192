"""The import contracts of pyproject.toml (``[tool.importlinter]``): ``portal.core`` imports
no feature, and no two of portal's packages import each other in a cycle."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def test_the_import_contracts_are_kept():
    assert LINT_IMPORTS.exists(), "import-linter is missing: pip install -e '.[test]'"
    result = subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    report = result.stdout + result.stderr
    assert result.returncode == 0, report
    assert "portal.core imports no feature KEPT" in report
    assert "no import cycles between portal's packages KEPT" in report
    assert "0 broken" in report
