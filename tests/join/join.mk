TESTS += tests/join/join.sh
EXTRA_DIST += tests/join/join.sh
