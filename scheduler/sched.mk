## scheduler/sched: task states, ready queue, placement, slot picking, and their tests.
