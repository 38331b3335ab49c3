"""The architecture of docs/architecture.md, enforced: the import-linter contracts of
`.importlinter` hold (the layers, so no module below the composition roots reaches for
`Runtime`; channels independent of each other; domains that keep their models)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_import_contracts_hold() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run(
        [str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout


def test_the_documented_table_of_reactions_is_the_code_s() -> None:
    from app.reactions import as_markdown

    assert as_markdown() in (ROOT / "docs/architecture.md").read_text()
