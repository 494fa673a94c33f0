import Foundation
import QRunActions
import QRunCore

/// Completes the evidence a review shows: each snapshot's manifest items (with their hashes) and
/// a re-check of every hash against the manifest and the manifest against the hash the run
/// recorded, as `qrun evidence verify` does.
enum ReviewEvidenceLoader {
    static func complete(_ recorded: [ReviewEvidence]) -> [ReviewEvidence] {
        recorded.map { e in
            var e = e
            if let m = try? EvidenceManifest.load(directory: e.directory).manifest {
                e.items = m.items.map {
                    ReviewEvidence.Item(path: $0.path, source: $0.source, kind: $0.kind, size: $0.size, sha256: $0.sha256, note: $0.note)
                }
            }
            e.problems = EvidenceVerifier.verify(directory: e.directory, expectedManifestSHA256: e.manifestSHA256).map(\.description)
            return e
        }
    }
}
