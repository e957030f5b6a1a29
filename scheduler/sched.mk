## scheduler/sched: task states, ready queue, placement, slot picking, and their tests.
libmbsched_a_SOURCES += scheduler/sched.c scheduler/sched_place.c \
	scheduler/sched_priv.h scheduler/pick.c scheduler/exitpolicy.c
check_PROGRAMS += tests/unit/test_sched tests/unit/test_pick
TESTS += tests/unit/test_sched tests/unit/test_pick
tests_unit_test_sched_SOURCES = tests/unit/test_sched.c
tests_unit_test_sched_CFLAGS = $(unit_cflags)
tests_unit_test_sched_LDADD = $(unit_libs)
tests_unit_test_pick_SOURCES = tests/unit/test_pick.c
tests_unit_test_pick_CFLAGS = $(unit_cflags)
tests_unit_test_pick_LDADD = $(unit_libs)
check_PROGRAMS += tests/unit/test_exitpolicy
TESTS += tests/unit/test_exitpolicy
tests_unit_test_exitpolicy_SOURCES = tests/unit/test_exitpolicy.c
tests_unit_test_exitpolicy_CFLAGS = $(unit_cflags)
tests_unit_test_exitpolicy_LDADD = $(unit_libs)
