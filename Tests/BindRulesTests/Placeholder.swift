// Replaced by the bind-language tests.
