## runtime/status: mpibatch status and mpibatch logs.
mpibatch_SOURCES += runtime/cmd_status.c runtime/cmd_logs.c
