import Foundation
@testable import QRunActions
import QRunCore
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The /proc collectors on the real kernel files of this machine.
@Suite struct EvidenceSystemTests {
    @Test func processListHasThisProcessWithItsCommandLine() throws {
        let me = Int(getpid())
        let procs = EvidenceSystem.processes()
        let mine = try #require(procs.first { $0["pid"]?.intValue == me })
        #expect(mine["ppid"]?.intValue == Int(getppid()))
        #expect(mine["state"]?.stringValue?.count == 1)
        let argvValues = try #require(mine["argv"]?.arrayValue)
        let argv = argvValues.compactMap(\.stringValue)
        #expect(argv == CommandLine.arguments)
        #expect(procs.contains { $0["pid"]?.intValue == 1 })
    }

    @Test func aChildProcessAppearsWithItsArgvParentAndState() throws {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/sleep")
        child.arguments = ["30.25"]
        try child.run()
        defer { kill(child.processIdentifier, SIGKILL); child.waitUntilExit() }
        Thread.sleep(forTimeInterval: 0.2)
        let found = try #require(EvidenceSystem.processes().first { $0["pid"]?.intValue == Int(child.processIdentifier) })
        #expect(found["argv"] == .array(["/bin/sleep", "30.25"]))
        #expect(found["comm"] == .string("sleep"))
        #expect(found["ppid"] == .int(Int(getpid())))
        #expect(found["state"] == .string("S"))
    }

    @Test func addressesDecodeLikeTheKernelPrintsThem() {
        #expect(EvidenceSystem.address("0100007F:1F90") == "127.0.0.1:8080")
        #expect(EvidenceSystem.address("00000000:0016") == "0.0.0.0:22")
        #expect(EvidenceSystem.address("00000000000000000000000001000000:0050") == "[0:0:0:0:0:0:0:1]:80")
        #expect(EvidenceSystem.address("0000000000000000FFFF00000100007F:0035") == "[0:0:0:0:0:ffff:7f00:1]:53")
        #expect(EvidenceSystem.address("zz:1") == nil)
    }

    @Test func aListeningSocketOpenedHereAppearsWithItsOwner() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #expect(fd >= 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        #expect(bound == 0)
        #expect(listen(fd, 1) == 0)
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        let port = Int(UInt16(bigEndian: addr.sin_port))
        let sockets = EvidenceSystem.sockets()
        let found = try #require(sockets.first { $0["local"]?.stringValue == "127.0.0.1:\(port)" && $0["protocol"]?.stringValue == "tcp" })
        #expect(found["state"]?.stringValue == "LISTEN")
        #expect(found["remote"]?.stringValue == "0.0.0.0:0")
        #expect(found["pids"]?.arrayValue?.contains(.int(Int(getpid()))) == true)
        #expect(sockets.contains { $0["protocol"]?.stringValue == "unix" } || !FileManager.default.fileExists(atPath: "/proc/net/unix"))
    }

    @Test func environmentNamesWithoutValues() {
        setenv("QRUN_EV_CANARY_NAME", "canary-value-7f3a9", 1)
        let names = EvidenceSystem.environmentNames().compactMap(\.stringValue)
        #expect(names.contains("QRUN_EV_CANARY_NAME"))
        #expect(!names.contains { $0.contains("canary-value-7f3a9") })
    }

    @Test func sdkPathsReportExistenceAndSizeOnly() throws {
        let home = try EvidenceTestSupport.tempDirectory("home")
        let project = try EvidenceTestSupport.tempDirectory("proj")
        defer { try? FileManager.default.removeItem(atPath: home); try? FileManager.default.removeItem(atPath: project) }
        try EvidenceTestSupport.write("[default]\naws_secret_access_key = abc\n", to: home + "/.aws/credentials")
        try EvidenceTestSupport.write("{\"t\":1}", to: home + "/.qiskit/qiskit-ibm.json")
        try EvidenceTestSupport.write("TOKEN=xyz\n", to: project + "/sub/.env")
        let records = EvidenceSystem.sdkPaths(home: home, roots: [project])
        func rec(_ p: String) -> Value? { records.first { $0["path"]?.stringValue == p } }
        #expect(rec(home + "/.aws/credentials")?["exists"] == .bool(true))
        #expect(rec(home + "/.aws/credentials")?["size"] == .int(38))
        #expect(rec(home + "/.qiskit")?["kind"] == .string("directory"))
        #expect(rec(home + "/.qiskit")?["size"] == .int(7))
        #expect(rec(home + "/.azure")?["exists"] == .bool(false))
        #expect(rec(project + "/sub/.env")?["size"] == .int(10))
        #expect(!Value.array(records).jsonText.contains("abc"))
    }
}
