## io/journal: sources and unit tests.
libmbio_a_SOURCES += io/journal.c

check_PROGRAMS += tests/unit/test_journal
TESTS += tests/unit/test_journal
tests_unit_test_journal_SOURCES = tests/unit/test_journal.c
tests_unit_test_journal_CFLAGS = $(unit_cflags)
tests_unit_test_journal_LDADD = $(unit_libs)

## A helper that writes a known journal for tests/cli/status.sh.
check_PROGRAMS += tests/unit/mkjournal
tests_unit_mkjournal_SOURCES = tests/unit/mkjournal.c
tests_unit_mkjournal_CFLAGS = $(unit_cflags)
tests_unit_mkjournal_LDADD = $(unit_libs)
