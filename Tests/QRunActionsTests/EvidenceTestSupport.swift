import Foundation
@testable import QRunActions
import QRunCore

/// Shared helpers of the evidence and integrity tests: temp folders and action calls.
enum EvidenceTestSupport {
    static func tempDirectory(_ label: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.path + "/qrun-ev-\(label)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func call(_ params: [String: Value], verb: ActionVerb = .apply, run: String = "run-1", step: String = "snap",
                     key: String = "key-1") -> ActionCall {
        ActionCall(runID: run, stepID: step, attempt: 1, idempotencyKey: key, verb: verb, params: params, timeout: nil,
                   secrets: SecretResolver.standard(redactor: Redactor(), environment: [:], baseDirectory: "/tmp"), log: { _ in })
    }

    static func write(_ text: String, to path: String, mode: Int = 0o644) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
    }

    static func mode(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    /// Every byte of every file under `directory`, concatenated (for canary scans).
    static func allBytes(under directory: String) -> Data {
        var out = Data()
        for rel in EvidenceVerifier.storedFiles(directory) {
            out += FileManager.default.contents(atPath: directory + "/" + rel) ?? Data()
        }
        return out
    }
}
