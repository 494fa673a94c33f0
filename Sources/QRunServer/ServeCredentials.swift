import Crypto
import Foundation
import QRunCore

/// The keys and tokens the daemon checks requests against, resolved once at start and
/// registered with the redactor (so they are masked wherever they could appear).
public struct ServeCredentials: Sendable {
    /// `QRUN_ALERT_TOKEN`: bearer token (or basic-auth password) of the Alertmanager endpoint.
    public var alertToken: SecretValue?
    /// `QRUN_ALERT_HMAC_KEY`: key of the signed generic alert endpoint.
    public var alertHMACKey: SecretValue?
    /// API principals by name (`QRUN_API_TOKEN` alone is the principal `api`).
    public var principals: [String: SecretValue]

    public init(alertToken: SecretValue?, alertHMACKey: SecretValue?, principals: [String: SecretValue]) {
        self.alertToken = alertToken
        self.alertHMACKey = alertHMACKey
        self.principals = principals
    }

    /// Reads the environment's keys and resolves the config's principal tokens.
    public static func load(environment: [String: String], config: ServeConfig, resolver: SecretResolver,
                            redactor: Redactor) async throws -> ServeCredentials {
        func env(_ name: String) -> SecretValue? {
            guard let v = environment[name], !v.isEmpty else { return nil }
            let s = SecretValue(v)
            redactor.register(s)
            return s
        }
        var principals: [String: SecretValue] = [:]
        if let t = env("QRUN_API_TOKEN") { principals["api"] = t }
        for (name, ref) in config.principals.sorted(by: { $0.key < $1.key }) {
            do {
                guard let value = try await resolver.resolve(text: ref), !value.reveal().isEmpty else {
                    throw ServeError("the token of principal '\(name)' (\(ref)) is empty")
                }
                principals[name] = value
            } catch let e as ServeError {
                throw e
            } catch {
                throw ServeError("cannot resolve the token of principal '\(name)' (\(ref)): \(error)")
            }
        }
        return ServeCredentials(alertToken: env("QRUN_ALERT_TOKEN"), alertHMACKey: env("QRUN_ALERT_HMAC_KEY"), principals: principals)
    }

    /// Compares two byte strings in time that depends only on their lengths.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        // Hash both first so that the comparison always covers 32 bytes and leaks no length.
        let ha = Array(SHA256.hash(data: a)), hb = Array(SHA256.hash(data: b))
        var diff: UInt8 = 0
        for i in 0..<ha.count { diff |= ha[i] ^ hb[i] }
        return diff == 0
    }

    /// The principal whose token `presented` is (every principal is compared, whichever matches).
    func principal(bearer presented: String) -> String? {
        let p = Array(presented.utf8)
        var found: String?
        for (name, token) in principals.sorted(by: { $0.key < $1.key }) {
            if Self.constantTimeEqual(p, Array(token.reveal().utf8)) && found == nil { found = name }
        }
        return found
    }
}

/// A problem starting the daemon, for a person: one sentence.
public struct ServeError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
