import Foundation
import QRunCore

/// `manifest.json` of one evidence directory: what was collected, when, and the SHA-256 of each item.
///
/// `sha256` and `size` describe the plaintext as collected; when the item is sealed,
/// `sealed_sha256` and `stored_size` describe the bytes on disk. The manifest itself is never
/// sealed; its own SHA-256 is the step output `manifest_sha256`, recorded in the audit chain.
public struct EvidenceManifest: Codable, Sendable, Equatable {
    /// One collected item.
    public struct Item: Codable, Sendable, Equatable {
        /// Path of the stored file relative to the evidence directory (nil when nothing was stored,
        /// e.g. a symlink or a directory).
        public var path: String?
        /// Where it came from: an absolute source path, or `proc:` / `env:` / `sdk:` for records.
        public var source: String
        /// file, directory, symlink, record, skipped
        public var kind: String
        public var size: Int?
        public var sha256: String?
        public var sealedSHA256: String?
        public var storedSize: Int?
        public var mode: String?
        public var mtime: String?
        public var symlinkTarget: String?
        /// The source was larger than the cap; `size`/`sha256` cover the first `max_bytes`.
        public var truncated: Bool?
        public var originalSize: Int?
        /// Why an item was recorded but not stored.
        public var note: String?

        enum CodingKeys: String, CodingKey {
            case path, source, kind, size, sha256, mode, mtime, truncated, note
            case sealedSHA256 = "sealed_sha256", storedSize = "stored_size", symlinkTarget = "symlink_target"
            case originalSize = "original_size"
        }

        /// The SHA-256 the stored bytes must have.
        public var storedSHA256: String? { sealedSHA256 ?? sha256 }
    }

    public var format: Int = 1
    public var runID: String
    public var stepID: String
    public var collectedAt: String
    public var host: String
    public var sealed: Bool
    /// The recipient's public key (base64) when sealed.
    public var recipient: String?
    public var items: [Item]

    enum CodingKeys: String, CodingKey {
        case format, host, sealed, recipient, items
        case runID = "run_id", stepID = "step_id", collectedAt = "collected_at"
    }

    /// Canonical bytes (sorted keys, pretty) of the manifest.
    public func encoded() throws -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return try e.encode(self)
    }

    /// Reads `manifest.json` from an evidence directory.
    public static func load(directory: String) throws -> (manifest: EvidenceManifest, data: Data) {
        let data = try Data(contentsOf: URL(fileURLWithPath: (directory as NSString).appendingPathComponent("manifest.json")))
        return (try JSONDecoder().decode(EvidenceManifest.self, from: data), data)
    }

    /// Stored bytes in total.
    public var storedBytes: Int { items.reduce(0) { $0 + ($1.storedSize ?? 0) } }
}
