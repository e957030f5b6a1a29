## runtime/launch: the launcher, supervisor and task environment.
