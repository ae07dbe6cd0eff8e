// BindRules: the Fuchsia bind language (being built; issue 5).
