import Crypto
import Foundation
import QRunCore

/// What `evidence.snapshot` collects, and the code that writes it into one evidence directory.
///
/// Listed files and folders are copied under `files/<n>-<name>/…` (n = position in `paths`),
/// each capped at `maxBytes`, while the running total stays under `maxTotalBytes` (later files
/// are recorded as `skipped`). Symlinks are recorded with their target text and never followed.
/// System records go to `system/*.json`. With a recipient, every stored file is sealed
/// (``EvidenceSeal``); the manifest is written last, so its presence marks a complete directory.
struct EvidenceCollector {
    struct Options {
        var paths: [String]
        var maxBytes: Int
        var maxTotalBytes: Int
        var processes = true
        var sockets = true
        var environmentNames = true
        var sdkPaths = true
        var home: String
        var recipient: Curve25519.KeyAgreement.PublicKey?
        /// Folders never walked (the evidence root itself, so evidence does not collect evidence).
        var exclude: [String] = []
    }

    /// A file to copy or a record to write, found before anything is written.
    struct Entry {
        var source: String
        var stored: String?
        var info: EvidenceFiles.Stat?
    }

    var options: Options

    /// Every filesystem entry under the listed roots (symlinks not followed).
    func walk() -> [Entry] {
        var out: [Entry] = []
        for (index, root) in options.paths.enumerated() {
            let name = (root as NSString).lastPathComponent
            visit(root, stored: "files/\(index)-\(name.isEmpty ? "root" : name)", depth: 0, into: &out)
        }
        return out
    }

    private func visit(_ path: String, stored: String, depth: Int, into out: inout [Entry]) {
        let standard = (path as NSString).standardizingPath
        if options.exclude.contains(where: { standard == $0 || standard.hasPrefix($0 + "/") }) { return }
        let info = EvidenceFiles.lstatInfo(path)
        out.append(Entry(source: path, stored: stored, info: info))
        guard let info, info.kind == .directory, depth < 64 else { return }
        for child in EvidenceFiles.children(path) {
            visit((path as NSString).appendingPathComponent(child), stored: stored + "/" + child, depth: depth + 1, into: &out)
        }
    }

    /// Summary of what would be collected, for `plan`.
    func preview() -> (files: Int, directories: Int, symlinks: Int, bytes: Int, missing: [String]) {
        var files = 0, dirs = 0, links = 0, bytes = 0
        var missing: [String] = []
        for e in walk() {
            switch e.info?.kind {
            case .file?: files += 1; if bytes < options.maxTotalBytes { bytes += min(e.info!.size, options.maxBytes) }
            case .directory?: dirs += 1
            case .symlink?: links += 1
            case nil: missing.append(e.source)
            default: break
            }
        }
        return (files, dirs, links, min(bytes, options.maxTotalBytes), missing)
    }

    /// Collects everything into `directory` (which must be new) and returns the manifest items.
    func collect(into directory: String) throws(ActionError) -> [EvidenceManifest.Item] {
        var items: [EvidenceManifest.Item] = []
        var total = 0
        for e in walk() {
            var item = EvidenceManifest.Item(path: nil, source: e.source, kind: e.info?.kind.rawValue ?? "skipped")
            guard let info = e.info else {
                item.note = "does not exist or cannot be read"
                items.append(item)
                continue
            }
            item.mode = String(format: "%04o", info.mode)
            item.mtime = Timestamp.format(info.mtime)
            switch info.kind {
            case .symlink:
                item.symlinkTarget = EvidenceFiles.linkTarget(e.source)
            case .file:
                let room = min(options.maxBytes, options.maxTotalBytes - total)
                guard room > 0 || info.size == 0 else {
                    item.kind = "skipped"
                    item.size = info.size
                    item.note = "not stored: the total size cap of \(options.maxTotalBytes) bytes was reached"
                    items.append(item)
                    continue
                }
                guard let data = EvidenceFiles.readPrefix(e.source, limit: room) else {
                    item.kind = "skipped"
                    item.note = "cannot be read"
                    items.append(item)
                    continue
                }
                if info.size > data.count { item.truncated = true; item.originalSize = info.size }
                total += data.count
                try store(data, as: e.stored!, in: directory, item: &item)
            case .directory, .other:
                break
            }
            items.append(item)
        }
        for (name, value) in systemRecords() {
            var item = EvidenceManifest.Item(path: nil, source: "system:\(name)", kind: "record")
            item.mtime = Timestamp.format(Date())
            try store(Data(value.jsonText.utf8), as: "system/\(name).json", in: directory, item: &item)
            items.append(item)
        }
        return items
    }

    /// The enabled system records, by name.
    func systemRecords() -> [(String, Value)] {
        var out: [(String, Value)] = []
        if options.processes { out.append(("processes", .array(EvidenceSystem.processes()))) }
        if options.sockets { out.append(("sockets", .array(EvidenceSystem.sockets()))) }
        if options.environmentNames { out.append(("environment_names", .array(EvidenceSystem.environmentNames()))) }
        if options.sdkPaths { out.append(("sdk_paths", .array(EvidenceSystem.sdkPaths(home: options.home, roots: options.paths)))) }
        return out
    }

    private func store(_ data: Data, as relative: String, in directory: String, item: inout EvidenceManifest.Item) throws(ActionError) {
        item.path = relative
        item.size = data.count
        item.sha256 = Digest.sha256Hex(data)
        var bytes = data
        if let recipient = options.recipient {
            do { bytes = try EvidenceSeal.seal(data, to: recipient) } catch {
                throw ActionError(message: "sealing \(relative) failed: \(error)", retryable: false)
            }
            item.sealedSHA256 = Digest.sha256Hex(bytes)
        }
        item.storedSize = bytes.count
        try EvidenceFiles.writePrivate(bytes, to: (directory as NSString).appendingPathComponent(relative))
    }
}
