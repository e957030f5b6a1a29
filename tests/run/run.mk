## tests/run: integration tests of `mpibatch run` under real mpirun.  Each
## script writes its job files into a fresh temporary directory.
run_tests = \
	tests/run/hello.sh \
	tests/run/env.sh \
	tests/run/binding.sh \
	tests/run/topology.sh \
	tests/run/lifecycle.sh \
	tests/run/prep.sh \
	tests/run/mpitask.sh \
	tests/run/many.sh \
	tests/run/exitcodes.sh \
	tests/run/longpath.sh \
	tests/run/progress.sh \
	tests/run/exitcond.sh
TESTS += $(run_tests)
EXTRA_DIST += $(run_tests) tests/run/mpihello.c
