## scheduler/graph: the task graph and its tests.
