"""The architecture as a test: the import-linter contracts in pyproject.toml (the archive at the
bottom, answering above it, eval and the shells on top) and the size of each module."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("assistant", "ingest", "eval", "prompts")
MAX_MODULE_LINES = 500


def lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    script = Path(sys.executable).with_name("lint-imports")
    return subprocess.run([str(script), "--no-cache"], cwd=cwd, capture_output=True, text=True, timeout=300)


def test_import_contracts_are_kept():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


def test_a_wrong_way_import_breaks_a_contract(tmp_path):
    """The contracts can fail: in a copy of the tree, an archive module importing the answering
    layer is reported."""
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__", "*.json", "*.jsonl"))
    (tmp_path / "ingest" / "layer_probe.py").write_text("import assistant.app  # noqa: F401\n")
    result = lint_imports(tmp_path)
    assert result.returncode != 0
    assert "ingest.layer_probe -> assistant.app" in result.stdout


def test_no_module_is_over_the_size_limit():
    sizes = {
        str(path.relative_to(ROOT)): len(path.read_text(encoding="utf-8").splitlines())
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
    }
    assert sizes, "no modules found"
    too_long = {path: lines for path, lines in sizes.items() if lines > MAX_MODULE_LINES}
    assert not too_long, f"over {MAX_MODULE_LINES} lines: {too_long}"
