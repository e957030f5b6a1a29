join_tests = tests/join/join.sh tests/join/leave-race.sh tests/join/leave-grace.sh \
	tests/join/multi.sh tests/join/prep-lost.sh tests/join/together.sh
TESTS += $(join_tests)
EXTRA_DIST += $(join_tests)
