## runtime/cli: the command line: main, one file per command, and the
## helpers the commands share.
mpibatch_SOURCES += runtime/cli/main.c runtime/cli/cli.h \
	runtime/cli/cli_common.h runtime/cli/cli_common.c \
	runtime/cli/cli_opts.h runtime/cli/cli_opts.c \
	runtime/cli/cmd_run.c runtime/cli/cmd_pool_serve.c runtime/cli/cmd_validate.c runtime/cli/cmd_status.c \
	runtime/cli/cmd_logs.c runtime/cli/cmd_report.c runtime/cli/cmd_topology.c \
	runtime/cli/cmd_pool.c runtime/cli/cmd_alloc.c runtime/cli/cmd_worker.c runtime/cli/status_pool.h runtime/cli/status_pool.c
TESTS += tests/cli/status.sh tests/cli/options.sh tests/cli/pool_client.sh tests/cli/pool_status.sh
EXTRA_DIST += tests/cli/status.sh tests/cli/options.sh tests/cli/pool_client.sh \
	tests/cli/pool_status.sh
