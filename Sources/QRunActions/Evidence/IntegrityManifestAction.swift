import Foundation
import QRunCore

/// `integrity.manifest`: checksum manifests of experiment files (circuits, parameters,
/// calibration) so tampering is detected and reported file by file.
///
/// `create` writes `{algorithm, created_at, idempotency_key, files: {relative path: {sha256, size}}}`
/// (paths relative to `base`, default the manifest's folder). Idempotency: a manifest already
/// written under the same idempotency key is returned as is (a resume must not re-baseline files an
/// agent may have changed since); a manifest from another run is only replaced with `overwrite: true`.
/// `verify` reports `modified`, `missing` and `added` and fails the step (not retryable) naming each
/// file when anything differs, unless `fail_on_change: false`.
public struct IntegrityManifestAction: Action {
    /// The action.
    public init() {}

    public var descriptor: ActionDescriptor {
        ActionDescriptor(name: "integrity.manifest", summary: "Create or verify a SHA-256 manifest of experiment files", parameters: [
            ParameterSpec("mode", .string, required: true, secret: .forbidden, description: "create or verify."),
            ParameterSpec("paths", .any, secret: .forbidden, description: "Files and folders covered (required for create; verify defaults to the manifest's list)."),
            ParameterSpec("manifest", .string, required: true, secret: .forbidden, description: "Path of the manifest file."),
            ParameterSpec("base", .string, secret: .forbidden, description: "Folder the recorded paths are relative to (default: the manifest's folder)."),
            ParameterSpec("algorithm", .string, secret: .forbidden, description: "sha256 (the only one)."),
            ParameterSpec("fail_on_change", .bool, secret: .forbidden, description: "Fail verify when anything differs (default true)."),
            ParameterSpec("overwrite", .bool, secret: .forbidden, description: "Replace a manifest written by another run (default false)."),
        ]).declaring([
            OutputSpec("files", "int", "Files in the manifest."),
            OutputSpec("manifest", "string", "Absolute path of the manifest."),
            OutputSpec("manifest_sha256", "string", "create: SHA-256 of the manifest written."),
            OutputSpec("intact", "bool", "verify: every file matches."),
            OutputSpec("modified", "list", "verify: files whose content changed (paths relative to the base)."),
            OutputSpec("missing", "list", "verify: recorded files that are gone."),
            OutputSpec("added", "list", "verify: files that are new under the covered paths."),
        ])
    }

    struct Request {
        var create: Bool
        var paths: [String]
        var manifest: String
        var base: String
        var failOnChange: Bool
        var overwrite: Bool
    }

    func request(_ call: ActionCall) throws(ActionError) -> Request {
        let mode = try call.requiredString("mode")
        guard mode == "create" || mode == "verify" else { throw .invalid("parameter 'mode' must be create or verify, not '\(mode)'") }
        if let a = try call.string("algorithm"), a.lowercased() != "sha256" { throw .invalid("only algorithm sha256 is supported, not '\(a)'") }
        let cwd = FileManager.default.currentDirectoryPath
        func abs(_ p: String) -> String { ((p.hasPrefix("/") ? p : (cwd as NSString).appendingPathComponent(p)) as NSString).standardizingPath }
        let manifest = abs(try call.requiredString("manifest"))
        var paths: [String] = []
        switch call.params["paths"] {
        case .array(let items)?: paths = items.compactMap(\.stringValue).map(abs)
        case .string(let s)?: paths = [abs(s)]
        default: break
        }
        if mode == "create", paths.isEmpty { throw .invalid("parameter 'paths' is required to create a manifest") }
        let base = abs(try call.string("base") ?? (manifest as NSString).deletingLastPathComponent)
        return Request(create: mode == "create", paths: paths, manifest: manifest, base: base,
                       failOnChange: call.params["fail_on_change"]?.boolValue ?? true, overwrite: call.params["overwrite"]?.boolValue ?? false)
    }

    /// relative path → (sha256, size) of every regular file under `paths` (symlinks not followed).
    static func scan(_ paths: [String], base: String) -> [String: (sha256: String, size: Int)] {
        var out: [String: (String, Int)] = [:]
        func visit(_ path: String, depth: Int) {
            guard depth < 64, let info = EvidenceFiles.lstatInfo(path) else { return }
            if info.kind == .directory {
                for c in EvidenceFiles.children(path) { visit((path as NSString).appendingPathComponent(c), depth: depth + 1) }
            } else if info.kind == .file, let data = FileManager.default.contents(atPath: path) {
                let rel = path.hasPrefix(base + "/") ? String(path.dropFirst(base.count + 1)) : path
                out[rel] = (Digest.sha256Hex(data), data.count)
            }
        }
        for p in paths { visit(p, depth: 0) }
        return out
    }

    static func load(_ path: String) throws(ActionError) -> Value {
        guard let data = FileManager.default.contents(atPath: path) else { throw .invalid("the manifest \(path) does not exist or cannot be read") }
        guard let v = try? Value.parseJSON(data), v["files"]?.objectValue != nil else { throw .invalid("\(path) is not an integrity manifest") }
        return v
    }

    public func plan(_ call: ActionCall) async throws -> ActionResult {
        let req = try request(call)
        if req.create {
            let files = Self.scan(req.paths, base: req.base)
            return ActionResult(outputs: ["files": .int(files.count), "manifest": .string(req.manifest)],
                                summary: "would record the sha256 of \(files.count) files in \(req.manifest)")
        }
        let v = try Self.load(req.manifest)
        return ActionResult(outputs: ["files": .int(v["files"]?.objectValue?.count ?? 0), "manifest": .string(req.manifest)],
                            summary: "would verify \(v["files"]?.objectValue?.count ?? 0) files against \(req.manifest)")
    }

    public func apply(_ call: ActionCall) async throws -> ActionResult {
        let req = try request(call)
        return req.create ? try create(req, call: call) : try verify(req)
    }

    func create(_ req: Request, call: ActionCall) throws(ActionError) -> ActionResult {
        if let existing = try? Self.load(req.manifest) {
            if existing["idempotency_key"]?.stringValue == call.idempotencyKey {
                let data = FileManager.default.contents(atPath: req.manifest) ?? Data()
                return ActionResult(outputs: ["files": .int(existing["files"]?.objectValue?.count ?? 0), "manifest": .string(req.manifest),
                                              "manifest_sha256": .string(Digest.sha256Hex(data))],
                                    summary: "manifest \(req.manifest) was already created by this step")
            }
            guard req.overwrite else {
                throw ActionError.invalid("\(req.manifest) already exists; set overwrite: true to replace it, or use mode: verify")
            }
        }
        let files = Self.scan(req.paths, base: req.base)
        var map: [String: Value] = [:]
        for (k, v) in files { map[k] = .object(["sha256": .string(v.sha256), "size": .int(v.size)]) }
        let doc: Value = .object([
            "algorithm": .string("sha256"), "created_at": .string(Timestamp.format(Date())), "idempotency_key": .string(call.idempotencyKey),
            "base": .string(req.base), "paths": .array(req.paths.map(Value.string)), "files": .object(map),
        ])
        let data = Data(doc.jsonText.utf8)
        let temp = req.manifest + ".tmp"
        try EvidenceFiles.writePrivate(data, to: temp)
        guard rename(temp, req.manifest) == 0 else { throw ActionError(message: "cannot write \(req.manifest)", retryable: false) }
        return ActionResult(outputs: ["files": .int(files.count), "manifest": .string(req.manifest), "manifest_sha256": .string(Digest.sha256Hex(data))],
                            summary: "recorded the sha256 of \(files.count) files in \(req.manifest)")
    }

    func verify(_ req: Request) throws(ActionError) -> ActionResult {
        let doc = try Self.load(req.manifest)
        let recorded = doc["files"]?.objectValue ?? [:]
        let paths = req.paths.isEmpty ? (doc["paths"]?.arrayValue?.compactMap(\.stringValue) ?? []) : req.paths
        let base = req.paths.isEmpty ? (doc["base"]?.stringValue ?? req.base) : req.base
        let now = Self.scan(paths, base: base)
        let modified = recorded.keys.filter { k in now[k].map { $0.sha256 != recorded[k]?["sha256"]?.stringValue } ?? false }.sorted()
        let missing = recorded.keys.filter { now[$0] == nil }.sorted()
        let added = now.keys.filter { recorded[$0] == nil }.sorted()
        let intact = modified.isEmpty && missing.isEmpty && added.isEmpty
        var parts: [String] = []
        if !modified.isEmpty { parts.append("modified: \(modified.joined(separator: ", "))") }
        if !missing.isEmpty { parts.append("missing: \(missing.joined(separator: ", "))") }
        if !added.isEmpty { parts.append("added: \(added.joined(separator: ", "))") }
        if !intact, req.failOnChange {
            throw ActionError.invalid("experiment files differ from \(req.manifest): " + parts.joined(separator: "; "))
        }
        return ActionResult(outputs: [
            "intact": .bool(intact), "modified": .array(modified.map(Value.string)), "missing": .array(missing.map(Value.string)),
            "added": .array(added.map(Value.string)), "files": .int(recorded.count),
        ], summary: intact ? "all \(recorded.count) files match \(req.manifest)" : "files differ from \(req.manifest): " + parts.joined(separator: "; "))
    }
}
