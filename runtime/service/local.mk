## runtime/service: rank 0, the batch service.
mpibatch_SOURCES += runtime/service/service.h runtime/service/service.c \
	runtime/service/service_records.c runtime/service/service_report.c \
	runtime/service/service_out.c runtime/service/service_mi.c \
	runtime/service/service_exit.c
