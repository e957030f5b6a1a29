## io/stage: sources and unit tests.
