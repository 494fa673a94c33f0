import Foundation
import QRunTestSupport
import Testing

/// The fake Vault is only worth its tests if a real client agrees with it: runs
/// `Tests/Fixtures/fakes/vault_hvac_check.py`, which drives the fake with hvac (the Python
/// Vault client; installed by the setup script with `pip install hvac`).
@Suite
struct VaultHvacCheckTests {
    @Test func hvacReadsWritesAndLooksUpTokensAgainstTheFake() async throws {
        let v = try VaultFixture()
        defer { v.stop() }
        // hvac lives wherever the setup script's `python3 -m pip install hvac` put it: use the
        // python3 the test run itself would find.
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        let process = try RunningProcess(executable: "/usr/bin/env",
                                         arguments: ["python3", Fixtures.path("fakes/vault_hvac_check.py"), v.server.baseURL, VaultFixture.rootToken],
                                         environment: ["PATH": path, "HOME": NSHomeDirectory()], cwd: nil, stdin: nil)
        let out = process.wait(timeout: 60)
        #expect(out.status == 0, "hvac check failed (exit \(out.status)):\n\(out.stdout)\n\(out.stderr)")
        #expect(out.stdout.hasSuffix("ALL OK\n"))
        #expect(out.stdout.components(separatedBy: "\n").filter { $0.hasPrefix("ok ") }.count == 20)
    }
}
