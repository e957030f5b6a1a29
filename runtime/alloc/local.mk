## runtime/alloc: automatic allocation (no MPI): the pool's queues of
## Slurm jobs of joining workers, the decisions, the Slurm commands it runs,
## its journal (POOLDIR/alloc.jnl) and the ompi-server chore.
noinst_LIBRARIES += libmballoc.a
libmballoc_a_SOURCES = runtime/alloc/alloc.h runtime/alloc/alloc_int.h \
	runtime/alloc/alloc.c runtime/alloc/alloc_jnl.c runtime/alloc/alloc_run.c \
	runtime/alloc/alloc_slurm.c runtime/alloc/alloc_ompi.c
