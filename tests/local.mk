## tests/: command-line and integration tests (unit tests sit in each
## module's local.mk).  unit_libs links a unit test with everything.
unit_libs = libmbnode.a libmblaunch.a libmbio.a libmbsched.a libmbcommon.a \
	$(CMOCKA_LIBS) $(HWLOC_LIBS) $(LIBCONFIG_LIBS) $(HDF5_LIBS) -lm
unit_cflags = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
include tests/cli/cli.mk
include tests/run/run.mk
include tests/html/html.mk
include tests/torture/torture.mk
include tests/slurm/slurm.mk
include tests/res/res.mk
include tests/cluster/cluster.mk
include tests/fuzz/fuzz.mk
include tests/hostile/hostile.mk
include tests/alloc/alloc.mk
include tests/pool/pool.mk
include tests/join/join.mk
