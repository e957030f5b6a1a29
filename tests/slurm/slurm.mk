## tests/slurm: the Slurm example scripts in a real one-node cluster that
## each test brings up under its own scratch directory (cluster.sh).  They
## skip (77) where slurm-wlm and munge are not installed or cannot start.
slurm_tests = \
	tests/slurm/run.sh \
	tests/slurm/drain.sh \
	tests/slurm/deadline.sh \
	tests/slurm/open.sh \
	tests/slurm/autoalloc.sh \
	tests/slurm/pool_autoalloc.sh \
	tests/slurm/pool-alloc.sh \
	tests/slurm/pool.sh
TESTS += $(slurm_tests)
EXTRA_DIST += $(slurm_tests) \
	tests/slurm/cluster.sh \
	tests/slurm/slurm-lib.sh \
	examples/slurm/README.md \
	examples/slurm/run.sbatch \
	examples/slurm/chain.sbatch \
	examples/slurm/srun.sbatch \
	examples/slurm/recovery.sbatch \
	examples/slurm/pool-alloc.sbatch
