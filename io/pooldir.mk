## io/pooldir: the pool directory (requests, answers, the record of
## accepted requests), both sides; its unit test and the test server.
libmbio_a_SOURCES += io/pooldir.h io/pooldir_int.h io/pooldir.c io/pooldir_req.c \
	io/pooldir_client.c

check_PROGRAMS += tests/unit/test_pooldir tests/unit/pool_serve
TESTS += tests/unit/test_pooldir
tests_unit_test_pooldir_SOURCES = tests/unit/test_pooldir.c
tests_unit_test_pooldir_CFLAGS = $(unit_cflags)
tests_unit_test_pooldir_LDADD = $(unit_libs)
tests_unit_pool_serve_SOURCES = tests/unit/pool_serve.c
tests_unit_pool_serve_CFLAGS = $(unit_cflags)
tests_unit_pool_serve_LDADD = $(unit_libs)
