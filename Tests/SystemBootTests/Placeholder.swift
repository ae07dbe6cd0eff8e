// Replaced by boot tests.
