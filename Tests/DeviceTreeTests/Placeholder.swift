// Replaced by the DeviceTree parser tests.
