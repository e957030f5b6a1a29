## common/json: the JSON string writer and its tests.
libmbcommon_a_SOURCES += common/json.c common/json.h
check_PROGRAMS += tests/unit/test_json
TESTS += tests/unit/test_json
tests_unit_test_json_SOURCES = tests/unit/test_json.c
tests_unit_test_json_CFLAGS = $(unit_cflags)
tests_unit_test_json_LDADD = $(unit_libs)
