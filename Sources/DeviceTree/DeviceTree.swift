// DeviceTree: flattened device tree (DTB) parsing. (Being built; see issue 4.)
