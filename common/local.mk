## common/: error messages, buffers, hashes shared by every module.
noinst_LIBRARIES += libmbcommon.a
libmbcommon_a_SOURCES = \
	common/err.c common/err.h \
	common/buf.c common/buf.h
check_PROGRAMS += tests/unit/test_common
TESTS += tests/unit/test_common
tests_unit_test_common_SOURCES = tests/unit/test_common.c
tests_unit_test_common_CFLAGS = $(unit_cflags)
tests_unit_test_common_LDADD = libmbcommon.a $(CMOCKA_LIBS)
