"""The shape of the code: the apps depend one way, and no module grows past a screenful of
screenfuls. See ARCHITECTURE.md."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ["core", "audit", "indicators", "pages", "api", "jsna"]
#: Modules that are long because of what they hold, not what they do.
LONG_ON_PURPOSE = {Path("pages/demo/content.py")}  # the demo's narrative prose
MAX_LINES = 600


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports"), "--no-cache"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )


def test_apps_depend_one_way():
    """core <- audit <- indicators <- pages <- api (import-linter's layers contract in
    pyproject.toml): indicators never imports pages, lazily or not."""
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


def test_the_rule_catches_an_import_the_wrong_way(tmp_path):
    """The same contract, on a copy of the apps with one lazy import from pages added to
    indicators, is broken: the check above can fail."""
    for app in APPS:
        for source in (ROOT / app).rglob("*.py"):
            target = tmp_path / source.relative_to(ROOT)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(source.read_bytes())
    (tmp_path / "pyproject.toml").write_bytes((ROOT / "pyproject.toml").read_bytes())
    stray = tmp_path / "indicators" / "stray.py"
    stray.write_text("def f():\n    from pages.models import Topic\n\n    return Topic\n")
    result = lint_imports(tmp_path)
    assert result.returncode != 0
    assert "indicators.stray -> pages.models" in result.stdout


def test_no_module_is_over_600_lines():
    long = {}
    for app in APPS:
        for source in (ROOT / app).rglob("*.py"):
            relative = source.relative_to(ROOT)
            if "migrations" in relative.parts or relative in LONG_ON_PURPOSE:
                continue
            lines = len(source.read_text().splitlines())
            if lines > MAX_LINES:
                long[str(relative)] = lines
    assert long == {}, f"Split these modules by responsibility: {long}"
