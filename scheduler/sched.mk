## scheduler/sched: task states, ready queue, placement, slot picking, and their tests.
libmbsched_a_SOURCES += scheduler/sched.c scheduler/sched_add.c scheduler/sched_job.c \
	scheduler/sched_place.c scheduler/sched_backlog.c \
	scheduler/sched_priv.h scheduler/pick.c scheduler/exitpolicy.c
check_PROGRAMS += tests/unit/test_sched tests/unit/test_pick
TESTS += tests/unit/test_sched tests/unit/test_pick
tests_unit_test_sched_SOURCES = tests/unit/test_sched.c
tests_unit_test_sched_CFLAGS = $(unit_cflags)
tests_unit_test_sched_LDADD = $(unit_libs)
tests_unit_test_pick_SOURCES = tests/unit/test_pick.c
tests_unit_test_pick_CFLAGS = $(unit_cflags)
tests_unit_test_pick_LDADD = $(unit_libs)
check_PROGRAMS += tests/unit/test_sched_jobs
TESTS += tests/unit/test_sched_jobs
tests_unit_test_sched_jobs_SOURCES = tests/unit/test_sched_jobs.c
tests_unit_test_sched_jobs_CFLAGS = $(unit_cflags)
tests_unit_test_sched_jobs_LDADD = $(unit_libs)
# The scheduler's hot-path micro-benchmark: built by make check (so it
# cannot rot), run by hand: bench/sched_bench [TASKS [REPEATS]].
check_PROGRAMS += bench/sched_bench
bench_sched_bench_SOURCES = bench/sched_bench.c
bench_sched_bench_LDADD = libmbsched.a libmbcommon.a
check_PROGRAMS += tests/unit/test_exitpolicy
TESTS += tests/unit/test_exitpolicy
tests_unit_test_exitpolicy_SOURCES = tests/unit/test_exitpolicy.c
tests_unit_test_exitpolicy_CFLAGS = $(unit_cflags)
tests_unit_test_exitpolicy_LDADD = $(unit_libs)
check_PROGRAMS += tests/unit/test_sched_time
TESTS += tests/unit/test_sched_time
tests_unit_test_sched_time_SOURCES = tests/unit/test_sched_time.c
tests_unit_test_sched_time_CFLAGS = $(unit_cflags)
tests_unit_test_sched_time_LDADD = $(unit_libs)
check_PROGRAMS += tests/unit/test_sched_backlog
TESTS += tests/unit/test_sched_backlog
tests_unit_test_sched_backlog_SOURCES = tests/unit/test_sched_backlog.c
tests_unit_test_sched_backlog_CFLAGS = $(unit_cflags)
tests_unit_test_sched_backlog_LDADD = $(unit_libs)
