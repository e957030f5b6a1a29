## io/jobfile: sources and unit tests.
