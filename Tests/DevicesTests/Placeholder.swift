// Replaced by the device model tests.
