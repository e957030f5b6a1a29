## common/graph: the task graph (scheduler and job file loader) and its tests.
libmbcommon_a_SOURCES += common/graph.c common/graph.h
check_PROGRAMS += tests/unit/test_graph
TESTS += tests/unit/test_graph
tests_unit_test_graph_SOURCES = tests/unit/test_graph.c
tests_unit_test_graph_CFLAGS = $(unit_cflags)
tests_unit_test_graph_LDADD = $(unit_libs)
