"""Which modules of app/ have no test module at the matching path.

The tests mirror the code: the test of `app/x/y.py` is `tests/x/test_y.py` (of a package
with code in its `__init__.py`, `app/x/__init__.py`, it is `tests/test_x.py`). Tests
that cross modules (tests/journeys/, tests/security/, tests/faults/, tests/browser/)
live beside them. Migrations are tested by tests/test_db.py as a whole.

    python -m tests.mirror            the app modules without a matching test module
    python -m tests.mirror --tests    also the test modules that match no app module
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APP, TESTS = ROOT / "app", ROOT / "tests"


def has_code(path: Path) -> bool:
    """A package's `__init__.py` counts as a module when it defines something."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    kinds = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    return any(isinstance(node, kinds) for node in tree.body)


def app_modules() -> list[Path]:
    """Every module of app/ (relative to it), migrations and empty packages aside."""
    found = []
    for path in sorted(APP.rglob("*.py")):
        relative = path.relative_to(APP)
        if relative.parts[0] == "migrations":
            continue
        if path.name == "__init__.py" and not has_code(path):
            continue
        found.append(relative)
    return found


def matching_test(module: Path) -> Path:
    """tests/x/test_y.py for app/x/y.py; tests/test_x.py for app/x/__init__.py."""
    if module.name == "__init__.py":
        return module.parent.parent / f"test_{module.parent.name}.py"
    if module.name == "__main__.py":
        return module.parent / "test_main.py"
    return module.parent / f"test_{module.name}"


def untested() -> list[Path]:
    return [m for m in app_modules() if not (TESTS / matching_test(m)).exists()]


def unmatched_tests() -> list[Path]:
    expected = {matching_test(m) for m in app_modules()}
    tests = sorted(p.relative_to(TESTS) for p in TESTS.rglob("test_*.py"))
    return [t for t in tests if t not in expected]


def main(argv: list[str]) -> int:
    modules, missing = app_modules(), untested()
    print(f"{len(modules) - len(missing)} of {len(modules)} app modules have a test module")
    print(f"at the matching path; without one ({len(missing)}):")
    for module in missing:
        print(f"  app/{module}  (tests/{matching_test(module)})")
    if "--tests" in argv:
        print("test modules matching no app module:")
        for test in unmatched_tests():
            print(f"  tests/{test}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
