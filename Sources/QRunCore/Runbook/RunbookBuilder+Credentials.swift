import Foundation
import Yams

extension RunbookBuilder {
    /// Parameters whose values are sent as credentials (HTTP headers, a child's environment):
    /// a literal credential in them is an error.
    static let credentialCarryingParameters: Set<String> = ["headers", "env"]

    /// Rejects credentials written into the runbook and references that are not a whole value.
    ///
    /// A reference is resolved only when it is the whole value, so `"Bearer secret:env:X"` would
    /// be sent literally; and a runbook is stored, shown and reported, so it must never hold a
    /// credential itself. Neither message echoes the value.
    mutating func checkCredentials(in node: Node, parameter: String, what: String) {
        switch node {
        case .scalar:
            guard let s = scalarString(node) else { return }
            if !s.hasPrefix(SecretReference.prefix), let scheme = Self.embeddedReferenceScheme(in: s) {
                fail(node, "\(what) has a secret:\(scheme): reference inside a longer text, which would be sent literally: a "
                    + "reference is resolved only when it is the whole value. Put the whole value (for a header, e.g. "
                    + "\"Bearer …\") into the secret and write the reference alone, as in Authorization: \"secret:env:NAME\"")
                return
            }
            if Self.credentialCarryingParameters.contains(parameter), !s.hasPrefix(SecretReference.prefix),
               CredentialShapes.containsCredential(Self.literalText(of: s)) {
                fail(node, "\(what) holds what looks like a literal credential; a runbook must never contain one. Store it "
                    + "in the environment, a file or Vault and write a reference such as secret:env:NAME as the whole value")
            }
        case .sequence(let items):
            for item in items { checkCredentials(in: item, parameter: parameter, what: what) }
        case .mapping(let m):
            for (_, v) in m { checkCredentials(in: v, parameter: parameter, what: what) }
        case .alias:
            break
        }
    }

    /// `env`, `file` or `vault` when `text` holds a reference after its first character.
    static func embeddedReferenceScheme(in text: String) -> String? {
        for scheme in ["env", "file", "vault"] where text.contains("secret:\(scheme):") { return scheme }
        return nil
    }

    /// The text outside `${{ … }}` (an expression's value is not written in the runbook).
    static func literalText(of text: String) -> String {
        guard let template = try? Template.parse(text) else { return text }
        return template.segments.map { segment in
            if case .text(let t) = segment { return t }
            return " "
        }.joined()
    }
}
