## io/report: sources and unit tests.
