import Foundation
import QRunCore

/// `evidence.snapshot`: preserves what an agent touched before anything is changed.
///
/// Stores listed files and folders (capped, symlinks recorded not followed), the process list,
/// open sockets, environment variable names and which SDK credential paths exist under
/// `<directory>/<run id>/<step id>/`, with `manifest.json` (SHA-256 per item). Seals every stored
/// file to `recipient` (X25519 public key) when configured; otherwise warns.
///
/// Idempotency: the evidence directory is keyed by run and step. A resumed or retried call that
/// finds a complete directory (one with `manifest.json`, which is written last) returns that
/// manifest instead of collecting again, so the evidence reflects the first moment. A directory
/// without a manifest (a crash mid-collection) is moved aside to `<step id>-incomplete-N` and
/// collection starts over.
public struct EvidenceSnapshotAction: Action {
    let settings: ProviderSettings

    /// An action reading defaults (`evidence.recipient`, `evidence.directory`) from `settings`.
    public init(settings: ProviderSettings) {
        self.settings = settings
    }

    public var descriptor: ActionDescriptor {
        ActionDescriptor(name: "evidence.snapshot", summary: "Preserve files, processes, sockets and credential paths before anything changes", parameters: [
            ParameterSpec("paths", .any, secret: .forbidden, description: "Files and folders to preserve (a list, or one path)."),
            ParameterSpec("max_bytes", .int, secret: .forbidden, description: "Cap per file in bytes (default 10 MiB)."),
            ParameterSpec("max_total_bytes", .int, secret: .forbidden, description: "Cap on all stored file bytes (default 100 MiB)."),
            ParameterSpec("processes", .bool, secret: .forbidden, description: "Record the process list with command lines (default true)."),
            ParameterSpec("sockets", .bool, secret: .forbidden, description: "Record open network and unix sockets (default true)."),
            ParameterSpec("environment_names", .bool, secret: .forbidden, description: "Record environment variable names, never values (default true)."),
            ParameterSpec("sdk_paths", .bool, secret: .forbidden, description: "Record which SDK credential paths exist (default true)."),
            ParameterSpec("home", .string, secret: .forbidden, description: "Home directory for SDK paths (default $HOME)."),
            ParameterSpec("recipient", .string, secret: .forbidden, description: "X25519 public key (base64) to seal evidence to; default settings evidence.recipient."),
            ParameterSpec("directory", .string, secret: .forbidden, description: "Evidence root (default settings evidence.directory, else $QRUN_STATE_DIR/evidence, else ./state/evidence)."),
        ]).declaring([
            OutputSpec("manifest_sha256", "string", "SHA-256 of the evidence manifest (recorded in the audit chain)."),
            OutputSpec("items", "int", "Items recorded (files, folders, symlinks, records)."),
            OutputSpec("bytes", "int", "Bytes stored."),
            OutputSpec("sealed", "bool", "Whether the items are sealed to a recipient."),
            OutputSpec("directory", "string", "The evidence directory (manifest.json and the items)."),
            OutputSpec("collected_at", "string", "When the evidence was collected (UTC)."),
            OutputSpec("warning", "string", "Present when the evidence is not sealed."),
        ])
    }

    /// Parsed parameters.
    struct Request {
        var options: EvidenceCollector.Options
        var root: String
        var recipientText: String?
    }

    func request(_ call: ActionCall) throws(ActionError) -> Request {
        var paths: [String] = []
        switch call.params["paths"] {
        case .array(let items)?:
            for v in items {
                guard let s = v.stringValue, !s.isEmpty else { throw .invalid("parameter 'paths' must be a list of paths") }
                paths.append(s)
            }
        case .string(let s)?: paths = [s]
        case nil, .null?: break
        default: throw .invalid("parameter 'paths' must be a list of paths")
        }
        let cwd = FileManager.default.currentDirectoryPath
        paths = paths.map { ($0.hasPrefix("/") ? $0 : (cwd as NSString).appendingPathComponent($0) as String) }
        func int(_ name: String, _ fallback: Int) throws(ActionError) -> Int {
            guard let v = call.params[name], !v.isNull else { return fallback }
            guard let i = v.intValue, i >= 0 else { throw .invalid("parameter '\(name)' must be a non-negative number of bytes") }
            return i
        }
        func bool(_ name: String) throws(ActionError) -> Bool {
            guard let v = call.params[name], !v.isNull else { return true }
            if let b = v.boolValue { return b }
            if let s = v.stringValue, ["true", "false"].contains(s) { return s == "true" }
            throw .invalid("parameter '\(name)' must be true or false")
        }
        let env = settings.environment
        let recipientText = try call.string("recipient") ?? settings.value("evidence", "recipient", env: ["QRUN_EVIDENCE_RECIPIENT"])
        let recipient = try recipientText.map { (t: String) throws(ActionError) in try EvidenceSeal.publicKey(base64: t) }
        let root = try call.string("directory") ?? settings.value("evidence", "directory")
            ?? env["QRUN_STATE_DIR"].map { ($0 as NSString).appendingPathComponent("evidence") } ?? "state/evidence"
        var options = EvidenceCollector.Options(
            paths: paths, maxBytes: try int("max_bytes", 10 << 20), maxTotalBytes: try int("max_total_bytes", 100 << 20),
            processes: try bool("processes"), sockets: try bool("sockets"), environmentNames: try bool("environment_names"),
            sdkPaths: try bool("sdk_paths"), home: try call.string("home") ?? env["HOME"] ?? NSHomeDirectory(), recipient: recipient)
        let absoluteRoot = ((root.hasPrefix("/") ? root : (cwd as NSString).appendingPathComponent(root)) as NSString).standardizingPath
        options.exclude = [absoluteRoot]
        return Request(options: options, root: absoluteRoot, recipientText: recipientText)
    }

    /// `<root>/<run id>/<step id>` with path separators in ids neutralised.
    static func directory(root: String, runID: String, stepID: String) -> String {
        func safe(_ s: String) -> String { s.replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "..", with: "_") }
        return "\(root)/\(safe(runID))/\(safe(stepID))"
    }

    static let unsealedWarning = "evidence is stored unencrypted (files 0600): configure a recipient public key (evidence.recipient) so a leaked secret in the evidence is sealed"

    public func plan(_ call: ActionCall) async throws -> ActionResult {
        let req = try request(call)
        let p = EvidenceCollector(options: req.options).preview()
        let dir = Self.directory(root: req.root, runID: call.runID, stepID: call.stepID)
        var outputs: [String: Value] = [
            "files": .int(p.files), "directories": .int(p.directories), "symlinks": .int(p.symlinks), "bytes": .int(p.bytes),
            "missing": .array(p.missing.map(Value.string)), "sealed": .bool(req.options.recipient != nil), "directory": .string(dir),
        ]
        var summary = "would preserve \(p.files) files (\(p.bytes) bytes), \(p.directories) folders, \(p.symlinks) symlinks"
        let records = [("processes", req.options.processes), ("sockets", req.options.sockets),
                       ("environment names", req.options.environmentNames), ("SDK credential paths", req.options.sdkPaths)]
            .filter(\.1).map(\.0)
        if !records.isEmpty { summary += " and the \(records.joined(separator: ", "))" }
        summary += " into \(dir)"
        if !p.missing.isEmpty { summary += "; missing: \(p.missing.joined(separator: ", "))" }
        if req.options.recipient == nil { outputs["warning"] = .string(Self.unsealedWarning); summary += "; WARNING: not sealed" }
        return ActionResult(outputs: outputs, summary: summary)
    }

    public func apply(_ call: ActionCall) async throws -> ActionResult {
        let req = try request(call)
        let dir = Self.directory(root: req.root, runID: call.runID, stepID: call.stepID)
        if let existing = try? EvidenceManifest.load(directory: dir) {
            call.log("evidence already collected in \(dir); returning the first collection")
            return result(existing.manifest, data: existing.data, directory: dir, reused: true)
        }
        if FileManager.default.fileExists(atPath: dir) { try moveAside(dir, call: call) }
        try EvidenceFiles.makePrivateDirectory(dir)
        let items = try EvidenceCollector(options: req.options).collect(into: dir)
        let host = ProcessInfo.processInfo.hostName
        let manifest = EvidenceManifest(runID: call.runID, stepID: call.stepID, collectedAt: Timestamp.format(Date()), host: host,
                                        sealed: req.options.recipient != nil, recipient: req.recipientText, items: items)
        let data: Data
        do { data = try manifest.encoded() } catch { throw ActionError(message: "cannot encode the manifest: \(error)", retryable: false) }
        let temp = dir + "/.manifest.json.tmp"
        try EvidenceFiles.writePrivate(data, to: temp)
        guard rename(temp, dir + "/manifest.json") == 0 else { throw ActionError(message: "cannot write \(dir)/manifest.json", retryable: true) }
        return result(manifest, data: data, directory: dir, reused: false)
    }

    private func moveAside(_ dir: String, call: ActionCall) throws(ActionError) {
        var n = 1
        while FileManager.default.fileExists(atPath: "\(dir)-incomplete-\(n)") { n += 1 }
        guard rename(dir, "\(dir)-incomplete-\(n)") == 0 else {
            throw ActionError(message: "cannot move the incomplete evidence directory \(dir) aside", retryable: false)
        }
        call.log("moved an incomplete evidence directory aside to \(dir)-incomplete-\(n)")
    }

    func result(_ m: EvidenceManifest, data: Data, directory: String, reused: Bool) -> ActionResult {
        let hash = Digest.sha256Hex(data)
        var outputs: [String: Value] = [
            "manifest_sha256": .string(hash), "items": .int(m.items.count), "bytes": .int(m.storedBytes),
            "sealed": .bool(m.sealed), "directory": .string(directory), "collected_at": .string(m.collectedAt),
        ]
        var summary = "\(reused ? "evidence already preserved" : "preserved") \(m.items.count) items (\(m.storedBytes) bytes) in \(directory), manifest sha256 \(hash)"
        if !m.sealed {
            outputs["warning"] = .string(Self.unsealedWarning)
            summary += "; WARNING: \(Self.unsealedWarning)"
        } else {
            summary += ", sealed"
        }
        return ActionResult(outputs: outputs, summary: summary)
    }
}
