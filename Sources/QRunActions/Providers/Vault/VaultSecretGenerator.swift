import Foundation

/// Random secret values for rotations.
enum VaultSecretGenerator {
    /// `byteCount` bytes from the system's CSPRNG, base64url without padding.
    static func base64URL(byteCount: Int) -> String {
        var rng = SystemRandomNumberGenerator()
        let bytes = (0..<byteCount).map { _ in UInt8.random(in: .min ... .max, using: &rng) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
