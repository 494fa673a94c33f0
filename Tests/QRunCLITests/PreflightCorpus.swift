import Foundation
import QRunTestSupport
import Testing

/// The preflight test corpus: credentials planted where Qiskit, PennyLane, Cirq, D-Wave, Braket,
/// Azure and cloud users keep them, and decoys that must not be reported.
///
/// Every fake value is generated here at run time from a fixed seed (so no secret-shaped literal
/// is committed) and carries `qRunFake` where its format allows letters. `~/` is the scanned
/// home, `project/` the scanned project, `env:NAME` a variable given to the binary.
struct PreflightCorpusEntry: Sendable, CustomTestStringConvertible {
    var name: String
    /// `~/…`, `project/…` or `env:NAME`.
    var path: String
    var content: String
    /// The planted value (never to be printed); nil for a decoy.
    var secret: String?
    var kind: String = ""
    /// The expected line; nil: the first line holding `secret`.
    var line: Int?

    var testDescription: String { name }

    /// `~/…:line`, `project/…:line` or `env:NAME`: where the finding must be reported.
    var location: String {
        if path.hasPrefix("env:") { return path }
        let l = line ?? content.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains(secret ?? "\u{0}") }.map { $0 + 1 } ?? 0
        return "\(path):\(l)"
    }
}

/// Seeded fake values of each credential's shape.
struct PreflightFakes {
    private var rng = SplitMix64(state: 0x5152_756E_4661_6B65)
    private static let alnum = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")

    mutating func alnum(_ prefix: String, _ length: Int) -> String {
        var s = prefix
        while s.count < length { s.append(Self.alnum[Int(rng.next() % UInt64(Self.alnum.count))]) }
        return s
    }

    mutating func hex(_ length: Int) -> String {
        (0..<length).map { _ in String(rng.next() % 16, radix: 16) }.joined()
    }

    mutating func bytes(_ n: Int) -> [UInt8] { (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) } }

    /// An OpenSSH private key file with the given cipher (`none`: unencrypted) and random key bytes.
    mutating func openSSHKey(cipher: String) -> String {
        func field(_ s: [UInt8]) -> [UInt8] { withUnsafeBytes(of: UInt32(s.count).bigEndian, Array.init) + s }
        let kdf = cipher == "none" ? "none" : "bcrypt"
        var body = Array("openssh-key-v1".utf8) + [0] + field(Array(cipher.utf8)) + field(Array(kdf.utf8))
        body += field(cipher == "none" ? [] : bytes(24)) + [0, 0, 0, 1] + field(bytes(51)) + field(bytes(160))
        let b64 = Data(body).base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
        return "-----BEGIN OPENSSH PRIVATE KEY-----\n\(b64)\n-----END OPENSSH PRIVATE KEY-----\n"
    }

    /// A PEM RSA key body (random bytes), optionally with the legacy encryption headers.
    mutating func pemRSAKey(encrypted: Bool) -> String {
        let b64 = Data(bytes(300)).base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
        let headers = encrypted ? "Proc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,\(hex(32).uppercased())\n\n" : ""
        return "-----BEGIN RSA PRIVATE KEY-----\n\(headers)\(b64)\n-----END RSA PRIVATE KEY-----\n"
    }

    /// The first base64 line of a PEM block: enough of the key to notice if it were printed.
    static func keyLine(_ pem: String) -> String {
        String(pem.split(separator: "\n").first { !$0.hasPrefix("-----") && !$0.contains(":") } ?? "")
    }

    /// An unsigned JWT without `exp`.
    mutating func jwt() -> String {
        func b64(_ s: String) -> String {
            Data(s.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
        }
        return b64(#"{"alg":"HS256","typ":"JWT"}"#) + "." + b64(#"{"sub":"qRunFake","iss":"corpus"}"#) + "." + alnum("qRunFake", 43)
    }
}
