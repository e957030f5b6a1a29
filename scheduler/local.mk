## scheduler/: pure decisions (graph, ready queue, placement); no MPI, no I/O.
noinst_LIBRARIES += libmbsched.a
libmbsched_a_SOURCES = scheduler/sched.h
include scheduler/sched.mk
