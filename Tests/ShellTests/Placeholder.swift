// Replaced by shell tests.
