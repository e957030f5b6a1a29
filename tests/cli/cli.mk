## tests/cli: the validate corpus (bad/ must be refused at the right
## line, good/ accepted with the right tasks) and the examples.
TESTS += tests/cli/validate.sh tests/cli/examples.sh
EXTRA_DIST += tests/cli/validate.sh tests/cli/examples.sh
## The bash completion (contrib/bash-completion/mpibatch) against the
## commands' --help and a pool directory's job ids.
TESTS += tests/cli/completion.sh
EXTRA_DIST += tests/cli/completion.sh

## Every file is listed: automake has no wildcards.
EXTRA_DIST += \
	tests/cli/bad/01-unknown-key-job.cfg \
	tests/cli/bad/02-unknown-key-task.cfg \
	tests/cli/bad/03-unknown-key-sweep.cfg \
	tests/cli/bad/04-unknown-key-input.cfg \
	tests/cli/bad/05-unknown-key-output.cfg \
	tests/cli/bad/06-unknown-key-prep.cfg \
	tests/cli/bad/07-unknown-key-release.cfg \
	tests/cli/bad/08-unknown-key-range.cfg \
	tests/cli/bad/09-misspelt-comand.cfg \
	tests/cli/bad/10-misspelt-depend_on.cfg \
	tests/cli/bad/11-misspelt-max_retry.cfg \
	tests/cli/bad/12-missing-command.cfg \
	tests/cli/bad/13-missing-task-id.cfg \
	tests/cli/bad/14-missing-parameters.cfg \
	tests/cli/bad/15-missing-source.cfg \
	tests/cli/bad/16-missing-pattern.cfg \
	tests/cli/bad/17-missing-job-id.cfg \
	tests/cli/bad/18-missing-prep-command.cfg \
	tests/cli/bad/19-type-slots-string.cfg \
	tests/cli/bad/20-type-command-number.cfg \
	tests/cli/bad/21-type-tasks-number.cfg \
	tests/cli/bad/22-type-env-number.cfg \
	tests/cli/bad/23-type-depends-number.cfg \
	tests/cli/bad/24-type-priority-float.cfg \
	tests/cli/bad/25-range-slots-zero.cfg \
	tests/cli/bad/26-range-max-retries.cfg \
	tests/cli/bad/27-range-instances-zero.cfg \
	tests/cli/bad/28-range-gpus-negative.cfg \
	tests/cli/bad/29-enum-fill.cfg \
	tests/cli/bad/30-enum-binding.cfg \
	tests/cli/bad/31-enum-logs.cfg \
	tests/cli/bad/32-enum-retention.cfg \
	tests/cli/bad/33-enum-env-compat.cfg \
	tests/cli/bad/34-enum-on-task-failure.cfg \
	tests/cli/bad/35-enum-slots-per-worker.cfg \
	tests/cli/bad/36-enum-on-failure.cfg \
	tests/cli/bad/37-enum-method.cfg \
	tests/cli/bad/38-enum-when.cfg \
	tests/cli/bad/39-enum-mode.cfg \
	tests/cli/bad/40-id-slash.cfg \
	tests/cli/bad/41-id-space.cfg \
	tests/cli/bad/42-id-too-long.cfg \
	tests/cli/bad/43-id-leading-dot.cfg \
	tests/cli/bad/44-id-empty.cfg \
	tests/cli/bad/45-id-job.cfg \
	tests/cli/bad/46-id-sweep-value.cfg \
	tests/cli/bad/47-dup-case.cfg \
	tests/cli/bad/48-dup-sweep.cfg \
	tests/cli/bad/49-dup-task-sweep.cfg \
	tests/cli/bad/50-template-command.cfg \
	tests/cli/bad/51-template-id.cfg \
	tests/cli/bad/52-template-destination.cfg \
	tests/cli/bad/53-template-task-in-id.cfg \
	tests/cli/bad/54-duration-words.cfg \
	tests/cli/bad/55-duration-negative.cfg \
	tests/cli/bad/56-duration-unit.cfg \
	tests/cli/bad/57-size-lots.cfg \
	tests/cli/bad/58-depends-unknown.cfg \
	tests/cli/bad/59-depends-pattern.cfg \
	tests/cli/bad/60-cycle-two.cfg \
	tests/cli/bad/61-cycle-three.cfg \
	tests/cli/bad/62-cycle-self.cfg \
	tests/cli/bad/63-slots-per-worker.cfg \
	tests/cli/bad/64-path-absolute-input.cfg \
	tests/cli/bad/65-path-absolute-output.cfg \
	tests/cli/bad/66-path-dotdot-input.cfg \
	tests/cli/bad/67-path-dotdot-output.cfg \
	tests/cli/bad/68-path-dotdot-sweep.cfg \
	tests/cli/bad/69-path-missing-source.cfg \
	tests/cli/bad/70-zip-unequal.cfg \
	tests/cli/bad/71-range-step-zero.cfg \
	tests/cli/bad/72-range-step-away.cfg \
	tests/cli/bad/73-param-empty.cfg \
	tests/cli/bad/74-table-missing.cfg \
	tests/cli/bad/75-command-file-missing.cfg \
	tests/cli/bad/76-syntax-comma.cfg \
	tests/cli/bad/77-syntax-brace.cfg \
	tests/cli/bad/78-syntax-duplicate.cfg \
	tests/cli/bad/79-include-missing.cfg \
	tests/cli/bad/80-include-error.cfg \
	tests/cli/bad/81-several.cfg \
	tests/cli/bad/82-gpus-per-worker.cfg \
	tests/cli/bad/83-source-absolute.cfg \
	tests/cli/bad/84-include-directory.cfg \
	tests/cli/bad/85-exit-overlap.cfg \
	tests/cli/bad/86-exit-code-range.cfg \
	tests/cli/bad/87-exit-from-greater.cfg \
	tests/cli/bad/88-exit-unknown-action.cfg \
	tests/cli/bad/89-exit-unknown-on.cfg \
	tests/cli/bad/90-exit-unknown-key.cfg \
	tests/cli/bad/91-exit-matches-nothing.cfg \
	tests/cli/bad/92-exit-several.cfg \
	tests/cli/bad/93-range-max-requeues.cfg \
	tests/cli/bad/94-exit-template.cfg \
	tests/cli/bad/95-exit-unknown-job.cfg \
	tests/cli/bad/96-exit-on-twice.cfg \
	tests/cli/bad/97-exit-range-overlap.cfg \
	tests/cli/bad/98-exit-range-half.cfg \
	tests/cli/bad/99-exit-not-list.cfg \
	tests/cli/bad/100-exit-code-type.cfg \
	tests/cli/bad/data/input.txt \
	tests/cli/bad/include-error.inc

EXTRA_DIST += \
	tests/cli/good/all-keys.cfg \
	tests/cli/good/command-file.cfg \
	tests/cli/good/command-file.txt \
	tests/cli/good/data/extra.dat \
	tests/cli/good/data/input.txt \
	tests/cli/good/depends-patterns.cfg \
	tests/cli/good/dollar.cfg \
	tests/cli/good/float-range.cfg \
	tests/cli/good/include-tasks.inc \
	tests/cli/good/include.cfg \
	tests/cli/good/negative-step.cfg \
	tests/cli/good/product.cfg \
	tests/cli/good/set.cfg \
	tests/cli/good/table-product.cfg \
	tests/cli/good/table.cfg \
	tests/cli/good/table.csv \
	tests/cli/good/zip.cfg

EXTRA_DIST += \
	examples/bin/sim.sh \
	examples/bin/adaptive.sh \
	examples/adaptive.cfg \
	examples/checkpoint.cfg \
	examples/commands.cfg \
	examples/commands.txt \
	examples/dag.cfg \
	examples/data/model.txt \
	examples/hello.cfg \
	examples/sweep.cfg
