// The device trees this target carries: QEMU virt dumps (the compact forms of the DeviceTree
// target's fixtures, made with `dtc -I dtb -O dtb`; see Tests/DeviceTreeTests/Fixtures/README.md).

import Foundation
import Testing

enum Fixture {
    static func bytes(_ name: String) throws -> [UInt8] {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures"),
                               "fixture \(name) missing from the test bundle")
        return [UInt8](try Data(contentsOf: url))
    }
}
