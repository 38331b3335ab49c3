"""`python -m app` is the same as the `portevoix` command."""

from app.cli import main

raise SystemExit(main())
