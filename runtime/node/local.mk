## runtime/node: a node's worker (no MPI): sizing by the hwloc topology,
## the task environment, the wire protocol between service and worker.
noinst_LIBRARIES += libmbnode.a
libmbnode_a_SOURCES = runtime/node/worker.h runtime/node/worker.c \
	runtime/node/topo.h runtime/node/topo.c \
	runtime/node/env.h runtime/node/env.c \
	runtime/node/proto.h runtime/node/proto.c
check_PROGRAMS += tests/unit/test_env
TESTS += tests/unit/test_env
tests_unit_test_env_SOURCES = tests/unit/test_env.c
tests_unit_test_env_CFLAGS = $(unit_cflags)
tests_unit_test_env_LDADD = $(unit_libs)

check_PROGRAMS += tests/unit/test_topo
TESTS += tests/unit/test_topo
tests_unit_test_topo_SOURCES = tests/unit/test_topo.c
tests_unit_test_topo_CPPFLAGS = $(AM_CPPFLAGS) -DTOPO_SRCDIR='"$(abs_top_srcdir)"'
tests_unit_test_topo_CFLAGS = $(unit_cflags)
tests_unit_test_topo_LDADD = $(unit_libs)
EXTRA_DIST += tests/data/topo/smt-2pkg.xml tests/data/topo/uneven.xml \
	tests/data/topo/restricted.xml tests/data/topo/gpu-swapped.xml \
	tests/data/topo/pci-gpus.xml

check_PROGRAMS += tests/unit/test_proto
TESTS += tests/unit/test_proto
tests_unit_test_proto_SOURCES = tests/unit/test_proto.c
tests_unit_test_proto_CFLAGS = $(unit_cflags)
tests_unit_test_proto_LDADD = $(unit_libs)

check_PROGRAMS += tests/unit/test_worker
TESTS += tests/unit/test_worker
tests_unit_test_worker_SOURCES = tests/unit/test_worker.c
tests_unit_test_worker_CFLAGS = $(unit_cflags)
tests_unit_test_worker_LDADD = $(unit_libs)
