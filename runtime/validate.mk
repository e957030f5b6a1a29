## runtime/validate: mpibatch validate, and its tests.
