## tests/cluster: mpibatch across several hosts made of network namespaces
## on this machine (cluster.sh brings them up and down; the tests skip, 77,
## where namespaces cannot be made), and the multi-instance test on one host,
## which runs everywhere.
cluster_tests = \
	tests/cluster/nodes.sh \
	tests/cluster/multi.sh \
	tests/cluster/lost.sh \
	tests/cluster/multi-local.sh \
	tests/cluster/join.sh \
	tests/cluster/pool_join.sh
TESTS += $(cluster_tests)
EXTRA_DIST += $(cluster_tests) \
	tests/cluster/cluster.sh \
	tests/cluster/cluster-lib.sh \
	tests/cluster/allreduce.c
