import Foundation
import QRunTestSupport
import Testing

@Suite("qrun plugins list/check")
struct PluginCommandTests {
    static var shipped: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("plugins").path
    }

    func workspace(_ label: String) throws -> TestWorkspace {
        let ws = try TestWorkspace(label)
        try FileManager.default.createDirectory(atPath: ws.home + "/plugins", withIntermediateDirectories: true)
        for name in ["k8s-pod-kill", "quarantine-files"] {
            try FileManager.default.copyItem(atPath: Self.shipped + "/" + name, toPath: ws.home + "/plugins/" + name)
        }
        return ws
    }

    @Test("list and check pass on the shipped plugins, with --json")
    func shippedPass() throws {
        let ws = try workspace("plugins-ok")
        defer { ws.cleanup() }
        let list = try QRun.run(["plugins", "list"], home: ws.home)
        #expect(list.status == 0)
        #expect(list.stdout == """
            k8s-pod-kill 1.0.0  k8s.pod.delete  \(ws.home)/plugins/k8s-pod-kill
            quarantine-files 1.0.0  files.quarantine  \(ws.home)/plugins/quarantine-files

            """)
        let listJSON = try QRun.run(["plugins", "list", "--json"], home: ws.home).json()
        let plugins = listJSON["plugins"] as? [[String: Any]] ?? []
        #expect(plugins.map { $0["name"] as? String } == ["k8s-pod-kill", "quarantine-files"])
        #expect(plugins.first?["actions"] as? [String] == ["k8s.pod.delete"])

        let check = try QRun.run(["plugins", "check", "--json"], home: ws.home)
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        #expect(try check.json()["passed"] as? Bool == true)
    }

    @Test("check fails on a plugin with malformed output and list reports an invalid manifest at file:line:col")
    func brokenFails() throws {
        let ws = try workspace("plugins-bad")
        defer { ws.cleanup() }
        try ws.write(file: "plugins/noisy/plugin.yaml", """
            name: noisy
            protocol: 1
            executable: run.sh
            actions:
              - { name: noisy.thing.do, summary: Does a thing., verbs: [plan, apply] }
            """)
        try ws.write(file: "plugins/noisy/run.sh", "#!/bin/sh\necho 'not json'\n", mode: 0o755)
        let check = try QRun.run(["plugins", "check"], home: ws.home)
        #expect(check.status == 1)
        #expect(check.stdout.contains("FAIL noisy  \(ws.home)/plugins/noisy"))
        #expect(check.stdout.contains("plugin 'noisy' (action noisy.thing.do, plan) gave a malformed response: its output is not one JSON object"))
        #expect(check.stdout.contains("2 of 3 plugins passed"))

        let manifest = try ws.write(file: "plugins/zbad/plugin.yaml", "name: zbad\nprotocol: 1\nexecutable: x\nactions: []\n")
        let list = try QRun.run(["plugins", "list"], home: ws.home)
        #expect(list.status == 2)
        #expect(list.stderr.contains("\(manifest):4:10: error: actions is a non-empty list of actions"))
    }
}
