## io/stage: sources and unit tests.
libmbio_a_SOURCES += io/stage.c io/stage_out.c io/stage_util.c \
	io/stage_copy.c io/stage_int.h
check_PROGRAMS += tests/unit/test_stage tests/unit/test_stage_glob
TESTS += tests/unit/test_stage tests/unit/test_stage_glob
tests_unit_test_stage_SOURCES = tests/unit/test_stage.c
tests_unit_test_stage_CFLAGS = $(unit_cflags)
tests_unit_test_stage_LDADD = $(unit_libs)
tests_unit_test_stage_glob_SOURCES = tests/unit/test_stage_glob.c
tests_unit_test_stage_glob_CFLAGS = $(unit_cflags)
tests_unit_test_stage_glob_LDADD = $(unit_libs)
