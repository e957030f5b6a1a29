## tests/cli: validate corpus and example checks.
