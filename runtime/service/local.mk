## runtime/service: rank 0, the batch service (service.h public, the rest
## private to the folder; service_int.h lists the parts).
mpibatch_SOURCES += runtime/service/service.h runtime/service/service_int.h \
	runtime/service/service.c runtime/service/service_workers.c runtime/service/service_join.c \
	runtime/service/service_records.c runtime/service/service_report.c \
	runtime/service/service_out.c runtime/service/service_mi.c \
	runtime/service/service_exit.c runtime/service/service_tasks.c \
	runtime/service/service_pool.c runtime/service/service_job.c \
	runtime/service/service_poolsvc.c runtime/service/service_prep.c
