## runtime/launch: the launcher, its attempts and the task environment.
libmbrt_a_SOURCES += runtime/launch.c runtime/launch_wire.c \
	runtime/launch_wire.h runtime/launch_loop.c runtime/attempt.h \
	runtime/attempt.c runtime/spare.c \
	runtime/env.h runtime/env.c
check_PROGRAMS += tests/unit/test_env tests/unit/test_launch
TESTS += tests/unit/test_env tests/unit/test_launch
tests_unit_test_env_SOURCES = tests/unit/test_env.c
tests_unit_test_env_CFLAGS = $(unit_cflags)
tests_unit_test_env_LDADD = $(unit_libs)
tests_unit_test_launch_SOURCES = tests/unit/test_launch.c
tests_unit_test_launch_CFLAGS = $(unit_cflags)
tests_unit_test_launch_LDADD = $(unit_libs)

## mpibatch-launcher: the launcher loop as a program of its own, linked
## without MPI, HDF5, hwloc or libconfig so its per-task fork is cheap.
pkglibexec_PROGRAMS = mpibatch-launcher
mpibatch_launcher_SOURCES = runtime/launcher_main.c
mpibatch_launcher_LDADD = libmbrt.a libmbio.a libmbcommon.a -lm
AM_CPPFLAGS += -DPKGLIBEXECDIR='"$(pkglibexecdir)"'
