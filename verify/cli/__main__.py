"""`python -m insgd.verify.cli ...`: the same as the `insgd` command."""

from insgd.verify.cli import main

raise SystemExit(main())
