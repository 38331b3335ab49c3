"""axe-core in the browser tests: `await assert_accessible(page)` runs the engine on the
page as it is and fails on any serious or critical violation (WCAG 2.1 A and AA rules,
contrast included), listing each with the elements it found.

axe-core comes bundled in `axe-playwright-python` (no CDN, no download): the script is
evaluated in the page through the DevTools protocol, so the page's CSP does not block it.
"""

from __future__ import annotations

from typing import Any

from axe_playwright_python.async_playwright import Axe

BLOCKING = ("serious", "critical")
RULES = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
_axe = Axe()


async def violations(page: Any, impacts: tuple[str, ...] = BLOCKING) -> list[str]:
    """One line per violation of `impacts`: the rule, its impact and where."""
    results = await _axe.run(page, options={**RULES, "resultTypes": ["violations"]})
    found = []
    for violation in results.response["violations"]:
        if violation.get("impact") not in impacts:
            continue
        targets = [" ".join(map(str, node["target"])) for node in violation["nodes"][:5]]
        found.append(f"{violation['id']} ({violation['impact']}): {violation['help']} at {targets}")
    return found


async def assert_accessible(page: Any) -> None:
    found = await violations(page)
    assert found == [], f"{page.url}:\n" + "\n".join(found)
