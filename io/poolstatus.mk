## io/poolstatus: POOLDIR/status.json (the pool writes it, status reads it);
## its unit test and mkpoolstatus, the writer for shell tests.
libmbio_a_SOURCES += io/poolstatus.h io/poolstatus.c

check_PROGRAMS += tests/unit/test_poolstatus tests/unit/mkpoolstatus
TESTS += tests/unit/test_poolstatus
tests_unit_test_poolstatus_SOURCES = tests/unit/test_poolstatus.c
tests_unit_test_poolstatus_CFLAGS = $(unit_cflags)
tests_unit_test_poolstatus_LDADD = $(unit_libs)
tests_unit_mkpoolstatus_SOURCES = tests/unit/mkpoolstatus.c
tests_unit_mkpoolstatus_CFLAGS = $(unit_cflags)
tests_unit_mkpoolstatus_LDADD = $(unit_libs)
