// Replaced by driver tests.
