## runtime/status: mpibatch status and mpibatch logs.
mpibatch_SOURCES += runtime/cmd_common.h runtime/cmd_common.c \
	runtime/cmd_status.c runtime/cmd_logs.c

TESTS += tests/cli/status.sh
EXTRA_DIST += tests/cli/status.sh
