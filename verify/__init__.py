"""verify: hold runs of the numerics engine against the theorems of `theory`; the CLI lives here."""
