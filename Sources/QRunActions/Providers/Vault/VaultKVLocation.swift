import Foundation
import QRunCore

/// A field of a KV version 2 secret: `MOUNT/PATH#FIELD`, the same shape as the
/// `secret:vault:MOUNT/PATH#FIELD` reference (the mount is everything before the first `/`).
///
/// Path segments are validated (no empty, `.` or `..` segment, no control characters) and
/// percent-escaped when a URL is built, so a parameter cannot address another Vault path.
struct VaultKVLocation: Sendable, Hashable {
    var mount: String
    var path: String
    var field: String

    /// The reference runbooks use to read this field: `secret:vault:MOUNT/PATH#FIELD`.
    var reference: String { "secret:vault:\(mount)/\(path)#\(field)" }

    /// `MOUNT/PATH` for messages.
    var display: String { "\(mount)/\(path)" }

    /// The ACL path of the secret's data (`MOUNT/data/PATH`), unescaped, as policies name it.
    var dataPolicyPath: String { "\(mount)/data/\(path)" }

    /// The ACL path of the secret's metadata (`MOUNT/metadata/PATH`).
    var metadataPolicyPath: String { "\(mount)/metadata/\(path)" }

    /// The escaped API path of the data endpoint.
    var dataAPIPath: String { "\(Self.escape(mount))/data/\(Self.escape(path))" }

    /// The escaped API path of the metadata endpoint.
    var metadataAPIPath: String { "\(Self.escape(mount))/metadata/\(Self.escape(path))" }

    /// A location from separate parameters.
    ///
    /// - Throws: ``ActionError`` (not retryable) when a part is empty or unsafe.
    init(mount: String, path: String, field: String) throws(ActionError) {
        let mount = mount.hasSuffix("/") ? String(mount.dropLast()) : mount
        let path = path.hasPrefix("/") ? String(path.dropFirst()) : path
        guard !mount.isEmpty, !mount.contains("/"), Self.isSafe(mount) else {
            throw .invalid("the KV mount '\(mount)' is not a single path segment (e.g. secret)")
        }
        guard !path.isEmpty, Self.isSafe(path) else {
            throw .invalid("the KV path '\(path)' is not a valid secret path (segments separated by '/', no '.' or '..')")
        }
        guard !field.isEmpty, !field.contains(where: { $0.isNewline }) else {
            throw .invalid("the KV field name must not be empty")
        }
        self.mount = mount
        self.path = path
        self.field = field
    }

    /// Parses `MOUNT/PATH#FIELD`, also accepted with the `secret:vault:` prefix.
    ///
    /// - Throws: ``ActionError`` (not retryable) naming the expected shape.
    static func parse(_ text: String, parameter: String) throws(ActionError) -> VaultKVLocation {
        let body = text.hasPrefix("secret:vault:") ? String(text.dropFirst("secret:vault:".count)) : text
        guard let hash = body.firstIndex(of: "#"), let slash = body[..<hash].firstIndex(of: "/") else {
            throw .invalid("parameter '\(parameter)' must name a KV v2 field as MOUNT/PATH#FIELD (e.g. secret/ci/quantum#token)")
        }
        return try VaultKVLocation(mount: String(body[..<slash]), path: String(body[body.index(after: slash)..<hash]),
                                   field: String(body[body.index(after: hash)...]))
    }

    /// The location a `secret:vault:` reference points to.
    init(_ ref: SecretReference) throws(ActionError) {
        guard case .vault(let mount, let path, let field) = ref.source else {
            throw .invalid("'\(ref.text)' is not a secret:vault reference")
        }
        try self.init(mount: mount, path: path, field: field)
    }

    private static func isSafe(_ path: String) -> Bool {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        return segments.allSatisfy { !$0.isEmpty && $0 != "." && $0 != ".." }
            && !path.unicodeScalars.contains { $0.properties.generalCategory == .control }
    }

    /// Percent-escapes each segment of `path` (RFC 3986 unreserved characters stay literal).
    static func escape(_ path: String) -> String {
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        return path.split(separator: "/", omittingEmptySubsequences: false)
            .map { $0.addingPercentEncoding(withAllowedCharacters: allowed) ?? String($0) }
            .joined(separator: "/")
    }
}
