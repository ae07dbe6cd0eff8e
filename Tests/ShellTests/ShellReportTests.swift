// `zirconia boot`'s report (boot log, then dm dump; or one JSON object), and the shell's fault
// tracing when its lines go straight to a sink.

import Foundation
import Synchronization
import Testing
@testable import Shell
import Zirconia

@Suite struct ShellReportTests {
    @Test func bootReportIsTheBootLogThenDmDump() throws {
        let system = try FakeSystem()
        #expect(Shell.bootReport(system) == [
            "boot: fake-x64 up", "driver host 'sys' launched", "", "$ dm dump",
            "[root]", "   <root> pid=2 ", "      [null] pid=2 builtin",
        ])
    }

    @Test func bootReportJSONEmbedsTheDumpAsAnObject() throws {
        let system = try FakeSystem()
        let text = try Shell.bootReportJSON(system)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(object["machine"] as? String == "fake-x64")
        #expect(object["bootLog"] as? [String] == system.bootLog)
        let dump = try #require(object["dmDump"] as? [String: Any])
        #expect(dump["name"] as? String == "root")
        system.dumpJSON.withLock { $0 = "{not json" }
        #expect(throws: ShellError.self) { try Shell.bootReportJSON(system) }
    }

    @Test func faultTraceLinesGoStraightToTheSink() throws {
        let system = try FakeSystem()
        let seen = Mutex<[String]>([])
        let shell = Shell(system: system, traceOutput: { line in seen.withLock { $0.append(line) } })
        #expect(shell.execute("trace faults on").lines == ["fault tracing on"])
        system.emitFault("page fault: write at 0x2000")
        #expect(seen.withLock { $0 } == ["page fault: write at 0x2000"])
        #expect(shell.execute("ps").lines.first?.hasPrefix("TASK") == true, "nothing buffered")
        _ = shell.execute("trace faults off")
        system.emitFault("after")
        #expect(seen.withLock { $0 }.count == 1)
    }

    @Test func droppingTheShellStopsTracing() throws {
        let system = try FakeSystem()
        do {
            let shell = Shell(system: system)
            _ = shell.execute("trace faults on")
        }
        #expect(system.requests.withLock { $0 } == ["trace on", "trace off"])
    }
}
