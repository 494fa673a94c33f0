import Foundation
@testable import QRunActions

/// A temp directory holding a home and a project to scan, removed by `cleanup()`.
struct PreflightFixture {
    let root: String
    var home: String { root + "/home" }
    var project: String { root + "/project" }

    init() throws {
        let base = URL(fileURLWithPath: FileManager.default.temporaryDirectory.path).resolvingSymlinksInPath().path
        root = base + "/qrun-preflight-\(UUID().uuidString.prefix(8))"
        for d in [home, project] { try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true) }
    }

    /// Writes `text` at `relative` under the fixture root (`home/…`, `project/…`), returning the path.
    @discardableResult
    func write(_ relative: String, _ text: String) throws -> String {
        let path = root + "/" + relative
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func scanHome() -> PreflightReport {
        PreflightScanner(home: home).scan()
    }

    func scanProject(limits: PreflightLimits = PreflightLimits()) -> PreflightReport {
        PreflightScanner(home: nil, roots: [project], limits: limits).scan()
    }

    func cleanup() {
        try? FileManager.default.removeItem(atPath: root)
    }

    /// Pads `prefix` to `length` characters with mixed letters and digits (a token's shape).
    static func pad(_ prefix: String, to length: Int) -> String {
        let filler = Array("Q7r3U9n1C5a2N8y4K6x0")
        var s = prefix
        while s.count < length { s.append(filler[s.count % filler.count]) }
        return s
    }

    /// A JWT with the given payload JSON (unsigned shape; the scanner does not verify signatures).
    static func jwt(_ payload: String) -> String {
        func b64(_ s: String) -> String {
            Data(s.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
        }
        return b64(#"{"alg":"HS256","typ":"JWT"}"#) + "." + b64(payload) + ".qRunCanarySignature0123456789"
    }
}

extension PreflightReport {
    /// `kind@location:severity` per finding, for exact comparisons.
    var brief: [String] { findings.map { "\($0.kind)@\($0.location):\($0.severity.rawValue)" } }
}
