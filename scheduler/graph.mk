## scheduler/graph: the task graph and its tests.
libmbsched_a_SOURCES += scheduler/graph.c
check_PROGRAMS += tests/unit/test_graph
TESTS += tests/unit/test_graph
tests_unit_test_graph_SOURCES = tests/unit/test_graph.c
tests_unit_test_graph_CFLAGS = $(unit_cflags)
tests_unit_test_graph_LDADD = $(unit_libs)
