## common/: error messages, buffers, hashes, the clock, the task graph,
## the JSON string writer and the name tables, shared by every module.
noinst_LIBRARIES += libmbcommon.a
libmbcommon_a_SOURCES = \
	common/err.c common/err.h \
	common/buf.c common/buf.h \
	common/clock.c common/clock.h
include common/graph.mk
include common/json.mk
include common/names.mk
check_PROGRAMS += tests/unit/test_helpers
TESTS += tests/unit/test_helpers
tests_unit_test_helpers_SOURCES = tests/unit/test_helpers.c
tests_unit_test_helpers_CFLAGS = $(unit_cflags)
tests_unit_test_helpers_LDADD = $(unit_libs)
check_PROGRAMS += tests/unit/test_common
TESTS += tests/unit/test_common
tests_unit_test_common_SOURCES = tests/unit/test_common.c
tests_unit_test_common_CFLAGS = $(unit_cflags)
tests_unit_test_common_LDADD = libmbcommon.a $(CMOCKA_LIBS)
