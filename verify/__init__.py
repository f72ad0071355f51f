"""insgd.verify: hold runs of the engine against the theorems; the auditor, reproductions and the CLI (``verify/``)."""
