import Foundation
import QRunCore

extension KeyVaultSecretRotateAction {
    /// The step's parameters, validated.
    struct Parameters: Sendable {
        static let defaultLength = 32
        static let lengths = 16...1024
        /// Letters and digits: safe in connection strings, URLs and shell without quoting.
        static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")

        var vault: URL
        var name: String
        var valueReference: String?
        var length: Int
        var contentType: String?
        var disablePrevious: Bool

        /// - Throws: ``ActionError`` (not retryable) naming the bad parameter.
        init(_ call: ActionCall, settings: AzureSettings) throws(ActionError) {
            vault = try settings.vaultURL(try call.requiredString("vault_url"))
            name = try call.requiredString("name")
            guard name.count <= 127, name.range(of: "^[0-9A-Za-z-]+$", options: .regularExpression) != nil else {
                throw .invalid("name '\(name)' is not a Key Vault secret name (1–127 letters, digits and dashes)")
            }
            valueReference = try call.string("value").flatMap { $0.isEmpty ? nil : $0 }
            if let text = valueReference, (try? SecretReference.parse(text)) ?? nil == nil {
                // A pasted secret: mask it wherever it might surface, and refuse it before any verb runs.
                call.secrets.redactor.register(rawValue: text)
                throw .invalid("value must be a secret reference (secret:env:NAME, secret:file:PATH or secret:vault:MOUNT/PATH#FIELD), never the secret itself")
            }
            length = try Self.int(call, "length") ?? Self.defaultLength
            guard Self.lengths.contains(length) else {
                throw .invalid("length must be between \(Self.lengths.lowerBound) and \(Self.lengths.upperBound), not \(length)")
            }
            if valueReference != nil, call.params["length"].map({ !$0.isNull }) ?? false {
                throw .invalid("give either value (a secret reference) or length (for a generated value), not both")
            }
            contentType = try call.string("content_type").flatMap { $0.isEmpty ? nil : $0 }
            disablePrevious = try Self.bool(call, "disable_previous") ?? true
        }

        /// Outputs every verb shares.
        var identity: [String: Value] {
            ["vault_url": .string(vault.absoluteString), "name": .string(name)]
        }

        /// Words for the plan: where the value comes from. Resolves a reference (so a drill
        /// proves it is readable) without showing it.
        func valueSource(_ call: ActionCall) async throws(ActionError) -> String {
            guard valueReference != nil else { return "a generated \(length)-character value" }
            _ = try await newValue(call)
            return "the value from the given secret reference"
        }

        /// The value to write: resolved from the reference, or generated. Registered for masking.
        func newValue(_ call: ActionCall) async throws(ActionError) -> String {
            if let valueReference {
                let (text, isSecret) = try await call.resolve(text: valueReference)
                guard isSecret else { throw .invalid("value must be a secret reference, never the secret itself") }
                guard !text.isEmpty else { throw .invalid("the secret reference given as value resolved to an empty string") }
                return text
            }
            var rng = SystemRandomNumberGenerator()
            let value = String((0..<length).map { _ in Self.alphabet[Int(rng.next(upperBound: UInt64(Self.alphabet.count)))] })
            call.secrets.redactor.register(rawValue: value)
            return value
        }

        static func int(_ call: ActionCall, _ name: String) throws(ActionError) -> Int? {
            switch call.params[name] {
            case nil, .null?: return nil
            case .int(let i)?: return i
            case .string(let s)?:
                guard let i = Int(s) else { throw .invalid("\(name) must be a whole number, not '\(s)'") }
                return i
            case let v?: throw .invalid("\(name) must be a whole number, not a \(v.typeName)")
            }
        }

        static func bool(_ call: ActionCall, _ name: String) throws(ActionError) -> Bool? {
            switch call.params[name] {
            case nil, .null?: return nil
            case .bool(let b)?: return b
            case .string("true")?: return true
            case .string("false")?: return false
            case let v?: throw .invalid("\(name) must be true or false, not \(v.interpolationText)")
            }
        }
    }
}
