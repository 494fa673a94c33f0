import Foundation

/// Tells an encrypted private key (useless without its passphrase) from an unencrypted one.
///
/// - OpenSSH (`BEGIN OPENSSH PRIVATE KEY`): the base64 body starts with `openssh-key-v1\0` and a
///   length-prefixed cipher name; `none` means unencrypted. A body that does not parse counts as
///   unencrypted: a scanner that cannot tell must report, not stay silent.
/// - PEM (`BEGIN RSA/EC/DSA PRIVATE KEY`): encrypted when it carries `Proc-Type: 4,ENCRYPTED`.
/// - PKCS#8: `BEGIN ENCRYPTED PRIVATE KEY` is encrypted, `BEGIN PRIVATE KEY` is not.
enum PrivateKeyBlock {
    /// Whether the PEM-style `block` (BEGIN line to END line) holds an encrypted key.
    static func isEncrypted(_ block: String) -> Bool {
        let header = block.prefix { $0 != "\n" && $0 != "\\" }
        if header.contains("ENCRYPTED PRIVATE KEY") { return true }
        if block.contains("Proc-Type: 4,ENCRYPTED") { return true }
        guard header.contains("OPENSSH PRIVATE KEY"), let cipher = openSSHCipher(block) else { return false }
        return cipher != "none"
    }

    /// The cipher name in an OpenSSH key's header, nil when the body does not parse.
    static func openSSHCipher(_ block: String) -> String? {
        var lines = block.replacingOccurrences(of: "\\n", with: "\n").split(whereSeparator: \.isNewline).map(String.init)
        guard lines.count >= 2 else { return nil }
        lines.removeFirst()
        var body = lines.prefix { !$0.hasPrefix("-----") }.joined().filter { !$0.isWhitespace }
        while body.count % 4 != 0 { body += "=" }
        guard let data = Data(base64Encoded: body) else { return nil }
        let bytes = [UInt8](data)
        let magic = Array("openssh-key-v1".utf8) + [0]
        guard bytes.count >= magic.count + 4, Array(bytes.prefix(magic.count)) == magic else { return nil }
        let at = magic.count
        let length = bytes[at..<(at + 4)].reduce(0) { $0 << 8 | Int($1) }
        guard length > 0, length <= 64, bytes.count >= at + 4 + length else { return nil }
        let name = bytes[(at + 4)..<(at + 4 + length)]
        guard name.allSatisfy({ (0x21...0x7E).contains($0) }) else { return nil }
        return String(decoding: name, as: UTF8.self)
    }
}
