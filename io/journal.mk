## io/journal: sources and unit tests.
