import Foundation
import QRunCore
@testable import QRunPlugins
import QRunTestSupport
import Testing

@Suite("Plugin manifests")
struct PluginManifestTests {
    @Test("a valid manifest becomes descriptors with the declared parameters")
    func valid() throws {
        let box = try PluginSandbox("pm-valid")
        defer { box.cleanup() }
        try box.write(plugin: "demo", script: "#!/bin/sh\n", extraManifest: "timeout: 5s\nenv_allow: [DEMO_TOKEN]", parameters: """
                parameters:
                  - { name: target, type: string, required: true, secret: forbidden, description: What to hit. }
                  - { name: token, type: string, secret: required }
                  - { name: count, type: int }
            """, verbs: "[plan, apply, verify]")
        let m = try PluginManifestLoader.load(directory: box.pluginsDir + "/demo")
        #expect(m.name == "demo")
        #expect(m.version == "0.1.0")
        #expect(m.timeout == .seconds(5))
        #expect(m.environmentAllowList == ["DEMO_TOKEN"])
        #expect(m.executablePath == box.pluginsDir + "/demo/run.sh")
        let d = m.actions[0].descriptor
        #expect(d.name == "test.demo.run")
        #expect(d.supportsVerify)
        #expect(d.parameters.map(\.name) == ["target", "token", "count"])
        #expect(d.parameter("target")?.required == true)
        #expect(d.parameter("token")?.secret == .required)
        #expect(d.parameter("count")?.kind == .int)
        #expect(d.parameter("count")?.secret == .forbidden)
        #expect(m.childEnvironment(from: ["PATH": "/bin", "HOME": "/h", "LANG": "C", "DEMO_TOKEN": "t", "AWS_SECRET_ACCESS_KEY": "x"])
                == ["PATH": "/bin", "HOME": "/h", "LANG": "C", "DEMO_TOKEN": "t"])
    }

    @Test("manifest errors carry file:line:col")
    func errors() throws {
        let box = try PluginSandbox("pm-errors")
        defer { box.cleanup() }
        let path = try box.workspace.write(file: "plugins/bad/plugin.yaml", """
            name: Bad_Name
            protocol: 2
            executable: ../escape.sh
            colour: blue
            actions:
              - name: nodots
                summary: x
                verbs: [plan, apply, destroy]
                parameters:
                  - { name: p, type: float }
            """)
        do {
            _ = try PluginManifestLoader.load(directory: box.pluginsDir + "/bad")
            Issue.record("expected a validation error")
        } catch {
            let text = error.issues.map(\.description)
            #expect(text.contains("\(path):1:7: error: plugin name 'Bad_Name' must be lowercase letters, digits and dashes (at most 63)"))
            #expect(text.contains("\(path):2:11: error: protocol must be 1, the only plugin protocol this qrun speaks"))
            #expect(text.contains("\(path):3:13: error: executable '../escape.sh' must be a path relative to the plugin folder and stay inside it"))
            #expect(text.contains("\(path):4:1: error: unknown key 'colour' in the plugin manifest; allowed keys are name, version, protocol, executable, timeout, env_allow, actions"))
            #expect(text.contains("\(path):6:11: error: action name 'nodots' must be dotted lowercase words, provider first, like k8s.pod.delete"))
            #expect(text.contains("\(path):8:26: error: unknown verb 'destroy'; verbs are plan, apply and verify"))
            #expect(text.contains("\(path):10:26: error: unknown type 'float'; types are string, int, bool, duration, list, map, any"))
        }
    }

    @Test("invalid YAML is reported at the parser's position")
    func yamlError() throws {
        let box = try PluginSandbox("pm-yaml")
        defer { box.cleanup() }
        let path = try box.workspace.write(file: "plugins/y/plugin.yaml", "name: y\nactions: [\n")
        let found = PluginHost.discover(directory: box.pluginsDir, environment: testEnvironment)
        #expect(found.actions.isEmpty)
        #expect(found.problems.count == 1)
        #expect(found.problems.first?.hasPrefix("\(path):3:1: error: invalid YAML") == true, "\(found.problems)")
    }

    @Test("discovery: a missing executable keeps the actions and reports the problem; duplicate actions are refused")
    func discovery() throws {
        let box = try PluginSandbox("pm-discover")
        defer { box.cleanup() }
        try box.write(plugin: "alpha", script: "#!/bin/sh\n")
        try FileManager.default.removeItem(atPath: box.pluginsDir + "/alpha/run.sh")
        try box.workspace.write(file: "plugins/beta/plugin.yaml", """
            name: beta
            protocol: 1
            executable: run.sh
            actions:
              - { name: test.alpha.run, summary: clash, verbs: [apply] }
            """)
        try FileManager.default.createDirectory(atPath: box.pluginsDir + "/not-a-plugin", withIntermediateDirectories: true)
        let found = PluginHost.discover(directory: box.pluginsDir, environment: testEnvironment)
        #expect(found.actions.map(\.descriptor.name) == ["test.alpha.run"])
        #expect(found.problems == [
            "\(box.pluginsDir)/alpha/plugin.yaml: plugin 'alpha' cannot run: its executable run.sh does not exist in \(box.pluginsDir)/alpha",
            "\(box.pluginsDir)/beta/plugin.yaml:1:1: action 'test.alpha.run' is already provided by plugin 'alpha'; plugin skipped",
        ])
        #expect(PluginHost.discover(directory: box.pluginsDir + "/nowhere").actions.isEmpty)
    }
}
