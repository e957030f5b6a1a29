## runtime/launch: the launcher, supervisor and task environment.
libmbrt_a_SOURCES += runtime/launch.c runtime/launch_wire.c \
	runtime/launch_wire.h runtime/supervise.c \
	runtime/env.h runtime/env.c
check_PROGRAMS += tests/unit/test_env tests/unit/test_launch
TESTS += tests/unit/test_env tests/unit/test_launch
tests_unit_test_env_SOURCES = tests/unit/test_env.c
tests_unit_test_env_CFLAGS = $(unit_cflags)
tests_unit_test_env_LDADD = $(unit_libs)
tests_unit_test_launch_SOURCES = tests/unit/test_launch.c
tests_unit_test_launch_CFLAGS = $(unit_cflags)
tests_unit_test_launch_LDADD = $(unit_libs)
