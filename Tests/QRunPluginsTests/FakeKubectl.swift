import Foundation
import QRunTestSupport

/// A fake `kubectl` placed first on the plugin's PATH: it records each argv (one JSON line in
/// `argv.jsonl` next to itself) and answers `get pods -n NS -l SEL -o json` and
/// `delete pods -n NS -l SEL … -o name` from `pods.json` (a list of {name, namespace, labels}),
/// like the real one: get prints a v1 List; delete prints `pod/NAME` per deleted pod and, with
/// `--ignore-not-found=true`, nothing and status 0 when none match. `fail.txt`, when present,
/// makes the next call print its text to stderr and exit 1 (consumed once).
struct FakeKubectl {
    let directory: String

    init(home: String, pods: [[String: Any]]) throws {
        directory = home + "/fakebin"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let script = #"""
            #!/usr/bin/env python3
            import json, os, sys
            here = os.path.dirname(os.path.abspath(__file__))
            args = sys.argv[1:]
            argv = list(args)
            if args[:1] == ["--context"]:
                args = args[2:]
            with open(os.path.join(here, "argv.jsonl"), "a") as f:
                f.write(json.dumps(argv) + "\n")
            fail = os.path.join(here, "fail.txt")
            if os.path.exists(fail):
                msg = open(fail).read(); os.unlink(fail)
                sys.stderr.write(msg + "\n"); sys.exit(1)
            state = os.path.join(here, "pods.json")
            pods = json.load(open(state))
            def opt(name):
                return args[args.index(name) + 1] if name in args else None
            ns, sel = opt("-n"), opt("-l")
            want = dict(p.split("=", 1) for p in sel.split(","))
            match = [p for p in pods if p["namespace"] == ns and all(p["labels"].get(k) == v for k, v in want.items())]
            if args[0] == "get":
                print(json.dumps({"apiVersion": "v1", "kind": "List", "items": [
                    {"kind": "Pod", "metadata": {"name": p["name"], "namespace": ns, "labels": p["labels"]}} for p in match]}))
            elif args[0] == "delete":
                json.dump([p for p in pods if p not in match], open(state, "w"))
                for p in match:
                    print("pod/" + p["name"])
            else:
                sys.stderr.write("error: unknown command\n"); sys.exit(1)
            """#
        let path = directory + "/kubectl"
        try script.write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        try JSONSerialization.data(withJSONObject: pods).write(to: URL(fileURLWithPath: directory + "/pods.json"))
    }

    /// Every argv the fake received, in order.
    func calls() throws -> [[String]] {
        guard let text = try? String(contentsOfFile: directory + "/argv.jsonl", encoding: .utf8) else { return [] }
        return try text.split(separator: "\n").map { try JSONDecoder().decode([String].self, from: Data($0.utf8)) }
    }

    /// Names of the pods still present.
    func remaining() throws -> [String] {
        let data = try Data(contentsOf: URL(fileURLWithPath: directory + "/pods.json"))
        return ((try JSONSerialization.jsonObject(with: data) as? [[String: Any]]) ?? []).compactMap { $0["name"] as? String }.sorted()
    }

    /// Makes the next call fail with `stderr`.
    func failNext(_ stderr: String) throws {
        try stderr.write(toFile: directory + "/fail.txt", atomically: true, encoding: .utf8)
    }
}
