## runtime/launcher: the launcher, its attempts and the rank's side of it.
noinst_LIBRARIES += libmblaunch.a
libmblaunch_a_SOURCES = runtime/launcher/launch.h runtime/launcher/launch.c \
	runtime/launcher/launch_wire.h runtime/launcher/launch_wire.c \
	runtime/launcher/launch_loop.c runtime/launcher/attempt.h \
	runtime/launcher/attempt.c runtime/launcher/spare.c
check_PROGRAMS += tests/unit/test_launch
TESTS += tests/unit/test_launch
tests_unit_test_launch_SOURCES = tests/unit/test_launch.c
tests_unit_test_launch_CFLAGS = $(unit_cflags)
tests_unit_test_launch_LDADD = $(unit_libs)

## mpibatch-launcher: the launcher loop as a program of its own, linked
## without MPI, HDF5, hwloc or libconfig so its per-task fork is cheap.
pkglibexec_PROGRAMS = mpibatch-launcher
mpibatch_launcher_SOURCES = runtime/launcher/launcher_main.c
mpibatch_launcher_LDADD = libmbnode.a libmblaunch.a libmbio.a libmbcommon.a -lm
AM_CPPFLAGS += -DPKGLIBEXECDIR='"$(pkglibexecdir)"'
