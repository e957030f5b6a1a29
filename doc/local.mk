## doc/: the man pages, installed by make install, and the test that each
## command's --help and mpibatch(1) name the same long options.
dist_man_MANS += doc/mpibatch.1 doc/mpibatch-jobfile.5 doc/mpibatch-pool.1
TESTS += tests/doc/help.sh
EXTRA_DIST += tests/doc/help.sh doc/scaling.md doc/pool-service.md
## Bash completion: commands, options, and a pool's job ids.
bashcompdir = $(datadir)/bash-completion/completions
dist_bashcomp_DATA = contrib/bash-completion/mpibatch
