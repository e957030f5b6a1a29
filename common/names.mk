## common/names: the names of task states and attempt outcomes, and their tests.
libmbcommon_a_SOURCES += common/names.c common/names.h
check_PROGRAMS += tests/unit/test_names
TESTS += tests/unit/test_names
tests_unit_test_names_SOURCES = tests/unit/test_names.c
tests_unit_test_names_CFLAGS = $(unit_cflags)
tests_unit_test_names_LDADD = $(unit_libs)
