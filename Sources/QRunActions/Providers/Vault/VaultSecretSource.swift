import Foundation
import QRunCore

/// Resolves `secret:vault:MOUNT/PATH#FIELD` by reading the current version of a KV version 2
/// secret (`GET /v1/MOUNT/data/PATH`) and returning one field.
///
/// The Vault token is itself a reference (by default `secret:env:VAULT_TOKEN`) resolved
/// through the environment and file sources given at creation, never through Vault, at each
/// resolution, so a token rotated on disk is picked up. Errors are ``SecretError``s that name
/// the reference and say what to do; they never contain the token or a value read.
public struct VaultSecretSource: SecretSource {
    let transport: HTTPTransport
    let address: URL
    let namespace: String?
    let tokenReference: String
    let tokenSources: [any SecretSource]
    let redactor: Redactor?

    /// A source for the server at `address`, authenticating with the secret `tokenReference`
    /// points to, resolved through `tokenSources` (environment and file sources). The token is
    /// registered with `redactor` (pass the resolver's) each time it is resolved.
    public init(transport: HTTPTransport, address: URL, namespace: String? = nil, tokenReference: String,
                tokenSources: [any SecretSource], redactor: Redactor? = nil) {
        self.transport = transport
        self.address = address
        self.namespace = namespace
        self.tokenReference = tokenReference
        self.tokenSources = tokenSources
        self.redactor = redactor
    }

    /// A source configured like the Vault actions (`providers.vault.address` else `VAULT_ADDR`,
    /// `providers.vault.token` else `VAULT_TOKEN`, `providers.vault.namespace` else
    /// `VAULT_NAMESPACE`), or nil when no address or no token is configured (then
    /// `secret:vault:` references fail with the resolver's "configure VAULT_ADDR" message).
    public static func configured(settings: ProviderSettings, transport: HTTPTransport, redactor: Redactor? = nil,
                                  baseDirectory: String = FileManager.default.currentDirectoryPath) -> VaultSecretSource? {
        guard let text = settings.value(VaultClient.provider, "address", env: ["VAULT_ADDR"]),
              let address = try? VaultClient.parseAddress(text),
              let tokenReference = settings.credentialReference(VaultClient.provider, "token", env: ["VAULT_TOKEN"])
        else { return nil }
        return VaultSecretSource(
            transport: transport, address: address, namespace: settings.value(VaultClient.provider, "namespace", env: ["VAULT_NAMESPACE"]),
            tokenReference: tokenReference,
            tokenSources: [EnvironmentSecretSource(environment: settings.environment), FileSecretSource(baseDirectory: baseDirectory)],
            redactor: redactor)
    }

    /// `true` for `secret:vault:` references.
    public func canResolve(_ ref: SecretReference) -> Bool {
        if case .vault = ref.source { return true }
        return false
    }

    /// The field's value in the current version of the secret.
    ///
    /// - Throws: ``SecretError`` — `notFound` (no such secret, version deleted, or no such
    ///   field), `unreadable` (permission denied, Vault unreachable or failing, not a KV v2
    ///   mount, a field that is not text), `empty`, `unsupportedSource`.
    public func resolve(_ ref: SecretReference) async throws -> SecretValue {
        func fail(_ code: SecretError.Code, _ message: String) -> SecretError {
            SecretError(code, reference: ref.text, message: message)
        }
        let location: VaultKVLocation
        do {
            location = try VaultKVLocation(ref)
        } catch {
            throw fail(.unsupportedSource, "cannot read '\(ref.text)': \(error.message)")
        }
        let token = try await resolveToken(ref)
        let client = VaultClient(transport: transport, address: address, token: token, namespace: namespace)
        let version: VaultKVVersion?
        do {
            version = try await client.readVersion(location)
        } catch {
            throw fail(.unreadable, "cannot read \(ref.text) from Vault: \(error.message)")
        }
        guard let version else {
            throw fail(.notFound, "Vault has no current version of \(location.display) (needed by \(ref.text)); write the secret or fix the reference")
        }
        guard let value = version.data[location.field] else {
            throw fail(.notFound, "the Vault secret \(location.display) has no field '\(location.field)' (needed by \(ref.text))")
        }
        guard case .string(let text) = value else {
            throw fail(.unreadable, "field '\(location.field)' of \(location.display) is a \(value.typeName), not text")
        }
        guard !text.isEmpty else {
            throw fail(.empty, "field '\(location.field)' of \(location.display) is empty (needed by \(ref.text))")
        }
        return SecretValue(text)
    }

    private func resolveToken(_ ref: SecretReference) async throws -> String {
        let tokenRef: SecretReference?
        do {
            tokenRef = try SecretReference.parse(tokenReference)
        } catch {
            throw SecretError(.unsupportedSource, reference: ref.text, message: "the Vault token setting is not a valid secret reference; set providers.vault.token to secret:env:NAME or secret:file:PATH")
        }
        guard let tokenRef, let source = tokenSources.first(where: { $0.canResolve(tokenRef) }) else {
            throw SecretError(.unsupportedSource, reference: ref.text,
                              message: "the Vault token for \(ref.text) must come from secret:env or secret:file (it is \(tokenReference.hasPrefix("secret:vault:") ? "a secret:vault reference" : "not resolvable"))")
        }
        let token = try await source.resolve(tokenRef)
        redactor?.register(token)
        return token.reveal()
    }
}
