"""`portevoix scim-token`: the bearer tokens the identity provider (Entra ID, Okta) uses
to provision employees at `/scim/v2` (README, "Connecting Entra ID (SCIM)").

`create` prints the token once (only its hash is kept), `list` shows the tokens without
their secrets, `revoke ID` stops one at once.
"""

from __future__ import annotations

import argparse

from app.cli.command import CommandError, with_runtime
from app.runtime import Runtime
from app.settings import Settings


def scim_token_cmd(settings: Settings, args: argparse.Namespace) -> int:
    name = (args.name or "").strip()
    if args.action == "create" and not 0 < len(name) <= 100:
        raise CommandError("--name must be 1 to 100 characters (e.g. --name entra)")
    if args.action == "revoke" and args.token_id is None:
        raise CommandError("which token? `portevoix scim-token revoke ID` (see `scim-token list`)")
    if args.action != "revoke" and args.token_id is not None:
        raise CommandError(f"{args.action} takes no ID")

    async def go(runtime: Runtime) -> int:
        tokens = runtime.scim_tokens
        if args.action == "create":
            token = await tokens.issue(name)
            print(token)
            base = settings.public_base_url.rstrip("/")
            print(f"Tenant URL: {base}/scim/v2  (this token is shown once)", flush=True)
        elif args.action == "list":
            rows = await tokens.all()
            for row in rows:
                state = f"revoked {row.revoked_at:%Y-%m-%d}" if row.revoked_at else "active"
                used = f"{row.last_used_at:%Y-%m-%d %H:%M}" if row.last_used_at else "never"
                print(f"{row.id:>4}  {row.name:30} {state:20} last used {used}")
            print(f"{len(rows)} SCIM token(s).")
        else:
            row = await tokens.revoke(args.token_id)
            print(f"Revoked SCIM token {row.id} ({row.name}).")
        return 0

    return with_runtime(settings, go)
