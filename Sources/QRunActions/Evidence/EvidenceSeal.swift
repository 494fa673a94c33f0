import Crypto
import Foundation
import QRunCore

/// Seals evidence files to a recipient's X25519 public key, and opens them with the private key.
///
/// Format of a sealed file (all binary, no padding):
///
///     "QRSEAL01"            8 bytes   magic and version
///     ephemeral public key  32 bytes  X25519, raw representation, fresh for every file
///     nonce                 12 bytes  ChaCha20-Poly1305
///     ciphertext            n bytes   same length as the plaintext
///     tag                   16 bytes  Poly1305
///
/// Key: HKDF-SHA256 over the X25519 shared secret (ephemeral private × recipient public), salt =
/// ephemeral public key ‖ recipient public key, info = "qrun evidence v1", 32 bytes. The first 40
/// bytes (magic and ephemeral key) are authenticated as associated data, so any changed byte
/// anywhere in the file makes opening fail.
public enum EvidenceSeal {
    /// The magic prefix of a sealed file.
    public static let magic = Data("QRSEAL01".utf8)
    static let info = Data("qrun evidence v1".utf8)

    /// Parses a base64 X25519 public key (32 raw bytes).
    public static func publicKey(base64 text: String) throws(ActionError) -> Curve25519.KeyAgreement.PublicKey {
        guard let data = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)),
              let key = try? Curve25519.KeyAgreement.PublicKey(rawRepresentation: data) else {
            throw .invalid("the evidence recipient must be an X25519 public key in base64 (32 bytes), as printed by `qrun evidence keygen`")
        }
        return key
    }

    /// Reads a private key file written by `qrun evidence keygen` (base64 of 32 raw bytes).
    public static func privateKey(file path: String) throws(ActionError) -> Curve25519.KeyAgreement.PrivateKey {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw .invalid("cannot read the private key file \(path)")
        }
        guard let data = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)),
              let key = try? Curve25519.KeyAgreement.PrivateKey(rawRepresentation: data) else {
            throw .invalid("\(path) is not an X25519 private key written by `qrun evidence keygen`")
        }
        return key
    }

    /// A new key pair: the private key as base64 text (for a 0600 file) and the public key as base64.
    public static func generate() -> (privateBase64: String, publicBase64: String) {
        let key = Curve25519.KeyAgreement.PrivateKey()
        return (key.rawRepresentation.base64EncodedString(), key.publicKey.rawRepresentation.base64EncodedString())
    }

    /// Seals `plaintext` to `recipient` with a fresh ephemeral key.
    public static func seal(_ plaintext: Data, to recipient: Curve25519.KeyAgreement.PublicKey) throws -> Data {
        let ephemeral = Curve25519.KeyAgreement.PrivateKey()
        let header = magic + ephemeral.publicKey.rawRepresentation
        let key = try symmetricKey(shared: ephemeral.sharedSecretFromKeyAgreement(with: recipient),
                                   ephemeral: ephemeral.publicKey.rawRepresentation, recipient: recipient.rawRepresentation)
        let box = try ChaChaPoly.seal(plaintext, using: key, authenticating: header)
        return header + box.combined
    }

    /// Opens a sealed file; throws when it was changed, truncated or sealed to another key.
    public static func open(_ sealed: Data, with privateKey: Curve25519.KeyAgreement.PrivateKey) throws(ActionError) -> Data {
        let bytes = Data(sealed)
        guard bytes.count >= 40 + 12 + 16, bytes.prefix(8) == magic else {
            throw .invalid("not a sealed evidence file (bad header or too short)")
        }
        let ephemeralRaw = bytes.subdata(in: 8..<40)
        do {
            let ephemeral = try Curve25519.KeyAgreement.PublicKey(rawRepresentation: ephemeralRaw)
            let key = try symmetricKey(shared: privateKey.sharedSecretFromKeyAgreement(with: ephemeral),
                                       ephemeral: ephemeralRaw, recipient: privateKey.publicKey.rawRepresentation)
            let box = try ChaChaPoly.SealedBox(combined: bytes.subdata(in: 40..<bytes.count))
            return try ChaChaPoly.open(box, using: key, authenticating: bytes.prefix(40))
        } catch {
            throw .invalid("the sealed file failed authentication: it was changed, or sealed to a different key")
        }
    }

    static func symmetricKey(shared: SharedSecret, ephemeral: Data, recipient: Data) -> SymmetricKey {
        shared.hkdfDerivedSymmetricKey(using: SHA256.self, salt: ephemeral + recipient, sharedInfo: info, outputByteCount: 32)
    }
}
