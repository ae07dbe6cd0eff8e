// Drivers: device drivers and bus-driver hardware logic (being built; issue 6).
