## tests/alloc: automatic allocation (runtime/alloc): the decisions, the
## journal and resume, squeue/sbatch answers (unit, cmocka); the client
## commands; and one test against the suite's real one-node Slurm.
check_PROGRAMS += tests/alloc/test_alloc
TESTS += tests/alloc/test_alloc
tests_alloc_test_alloc_SOURCES = tests/alloc/test_alloc.c
tests_alloc_test_alloc_CPPFLAGS = $(AM_CPPFLAGS) -DSRCDIR='"$(abs_top_srcdir)"'
tests_alloc_test_alloc_CFLAGS = $(unit_cflags)
tests_alloc_test_alloc_LDADD = libmballoc.a $(unit_libs)

check_PROGRAMS += tests/alloc/alloc_pool
tests_alloc_alloc_pool_SOURCES = tests/alloc/alloc_pool.c
tests_alloc_alloc_pool_CFLAGS = $(unit_cflags)
tests_alloc_alloc_pool_LDADD = libmballoc.a $(unit_libs)

alloc_tests = tests/alloc/client.sh tests/alloc/run.sh
TESTS += $(alloc_tests)
EXTRA_DIST += $(alloc_tests)

## The real one-node Slurm of tests/slurm (skips where it cannot start).
TESTS += tests/alloc/slurm.sh
EXTRA_DIST += tests/alloc/slurm.sh examples/slurm/pool.sbatch
