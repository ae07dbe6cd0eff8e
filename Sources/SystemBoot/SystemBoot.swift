// SystemBoot: booting a machine's drivers (being built; issue 6).
