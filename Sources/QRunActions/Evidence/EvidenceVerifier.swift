import Crypto
import Foundation
import QRunCore

/// Re-checks an evidence directory against its manifest, and opens sealed evidence.
public enum EvidenceVerifier {
    /// One problem found.
    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        /// Path relative to the evidence directory (or `manifest.json`).
        public var path: String
        /// modified, missing, added, manifest
        public var kind: String
        public var detail: String
        public var description: String { "\(kind): \(path) — \(detail)" }
    }

    /// Compares every stored file with the manifest; `expectedManifestSHA256` is the hash recorded
    /// in the run's step outputs (the audit chain), when known.
    public static func verify(directory: String, expectedManifestSHA256: String?) -> [Problem] {
        let loaded: (manifest: EvidenceManifest, data: Data)
        do { loaded = try EvidenceManifest.load(directory: directory) } catch {
            return [Problem(path: "manifest.json", kind: "missing", detail: "the manifest cannot be read: \(error)")]
        }
        var problems: [Problem] = []
        let hash = Digest.sha256Hex(loaded.data)
        if let expected = expectedManifestSHA256, expected != hash {
            problems.append(Problem(path: "manifest.json", kind: "modified", detail: "sha256 \(hash) differs from \(expected) recorded in the run"))
        }
        var listed: Set<String> = ["manifest.json"]
        for item in loaded.manifest.items {
            guard let rel = item.path, let want = item.storedSHA256 else { continue }
            listed.insert(rel)
            let path = (directory as NSString).appendingPathComponent(rel)
            guard let data = FileManager.default.contents(atPath: path) else {
                problems.append(Problem(path: rel, kind: "missing", detail: "stored file is gone"))
                continue
            }
            let got = Digest.sha256Hex(data)
            if got != want || (item.storedSize.map { $0 != data.count } ?? false) {
                problems.append(Problem(path: rel, kind: "modified", detail: "sha256 \(got) differs from \(want) in the manifest"))
            }
        }
        for rel in storedFiles(directory) where !listed.contains(rel) {
            problems.append(Problem(path: rel, kind: "added", detail: "not in the manifest"))
        }
        return problems
    }

    /// Regular files under `directory`, relative, sorted.
    static func storedFiles(_ directory: String) -> [String] {
        var out: [String] = []
        func walk(_ rel: String) {
            let full = rel.isEmpty ? directory : (directory as NSString).appendingPathComponent(rel)
            for name in EvidenceFiles.children(full) {
                let r = rel.isEmpty ? name : rel + "/" + name
                switch EvidenceFiles.lstatInfo((directory as NSString).appendingPathComponent(r))?.kind {
                case .directory?: walk(r)
                case nil: break
                default: out.append(r)
                }
            }
        }
        walk("")
        return out.sorted()
    }

    /// Decrypts every stored item into `output` (0700 dirs, 0600 files), checking each plaintext
    /// hash; plain items are copied after the same check. Returns the number of files written.
    public static func open(directory: String, privateKey: Curve25519.KeyAgreement.PrivateKey, output: String) throws(ActionError) -> Int {
        let loaded: (manifest: EvidenceManifest, data: Data)
        do { loaded = try EvidenceManifest.load(directory: directory) } catch {
            throw ActionError(message: "\(directory) has no readable manifest.json", retryable: false)
        }
        if let r = loaded.manifest.recipient, r != privateKey.publicKey.rawRepresentation.base64EncodedString() {
            throw ActionError(message: "this evidence was sealed to public key \(r), which does not belong to the given private key", retryable: false)
        }
        var count = 0
        for item in loaded.manifest.items {
            guard let rel = item.path else { continue }
            guard let stored = FileManager.default.contents(atPath: (directory as NSString).appendingPathComponent(rel)) else {
                throw ActionError(message: "\(rel) is missing from \(directory)", retryable: false)
            }
            let plain: Data
            if item.sealedSHA256 != nil {
                do { plain = try EvidenceSeal.open(stored, with: privateKey) } catch {
                    throw ActionError(message: "\(rel): \(error.message)", retryable: false)
                }
            } else {
                plain = stored
            }
            guard Digest.sha256Hex(plain) == item.sha256 else {
                throw ActionError(message: "\(rel): the content does not match its sha256 in the manifest", retryable: false)
            }
            try EvidenceFiles.writePrivate(plain, to: (output as NSString).appendingPathComponent(rel))
            count += 1
        }
        try EvidenceFiles.writePrivate(loaded.data, to: (output as NSString).appendingPathComponent("manifest.json"))
        return count
    }
}
