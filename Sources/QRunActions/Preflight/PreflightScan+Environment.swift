import Foundation

/// Credential environment variables: well-known names, any credential-looking name, and token
/// shapes in any value. One finding per variable, with the worst severity that applies.
extension PreflightScan {
    /// Severity of well-known credential variables. Others that look like credentials are `high`.
    static let knownVariables: [String: PreflightSeverity] = [
        "QISKIT_IBM_TOKEN": .critical, "QISKIT_API_TOKEN": .critical, "IBMQ_TOKEN": .critical, "IBMQ_API_TOKEN": .critical,
        "QE_TOKEN": .critical, "IBMCLOUD_API_KEY": .critical, "IBM_CLOUD_API_KEY": .critical, "IC_API_KEY": .critical,
        "IBM_QUANTUM_TOKEN": .critical, "AWS_SECRET_ACCESS_KEY": .critical, "AWS_SESSION_TOKEN": .medium,
        "AZURE_CLIENT_SECRET": .critical, "AZURE_CLIENT_CERTIFICATE_PASSWORD": .high, "AZURE_PASSWORD": .high,
        "ARM_CLIENT_SECRET": .critical, "BRAKET_TOKEN": .high, "VAULT_TOKEN": .high, "GITHUB_TOKEN": .high, "GH_TOKEN": .high,
        "GH_ENTERPRISE_TOKEN": .high, "GITLAB_TOKEN": .high, "SLACK_TOKEN": .high, "SLACK_BOT_TOKEN": .high,
        "GOOGLE_OAUTH_ACCESS_TOKEN": .medium, "CLOUDSDK_AUTH_ACCESS_TOKEN": .medium, "NPM_TOKEN": .high,
        "DOCKER_PASSWORD": .high, "HF_TOKEN": .high, "OPENAI_API_KEY": .high, "ANTHROPIC_API_KEY": .high,
        "DWAVE_API_TOKEN": .critical, "DWAVE_TOKEN": .critical, "AZURE_QUANTUM_CONNECTION_STRING": .critical,
    ]

    /// Checks `environment`; `GOOGLE_APPLICATION_CREDENTIALS` is followed to the key file it names.
    func scanEnvironment(_ environment: [String: String]) {
        let sessionPresent = !(environment["AWS_SESSION_TOKEN"] ?? "").isEmpty
        for name in environment.keys.sorted() {
            guard let value = environment[name], !value.isEmpty else { continue }
            if name == "GOOGLE_APPLICATION_CREDENTIALS" {
                if FileManager.default.isReadableFile(atPath: value) { scanGoogleCredentialFile(value) }
                continue
            }
            var best: (kind: PreflightKind, severity: PreflightSeverity)?
            if var severity = Self.knownVariables[name] {
                if name == "AWS_SECRET_ACCESS_KEY", sessionPresent || (environment["AWS_ACCESS_KEY_ID"] ?? "").hasPrefix("ASIA") {
                    severity = .medium
                }
                best = (.environmentVariable, severity)
            } else if CredentialAssignments.namesCredential(name), !CredentialAssignments.isPlaceholder(value) {
                best = (.environmentVariable, .high)
            }
            // A whole value of a known shape (e.g. a ghp_ token in an oddly named variable).
            for m in shapes.scan(PreflightText(value), now: now) where best == nil || m.severity > best!.severity {
                best = (m.kind, m.severity)
            }
            guard let found = best else { continue }
            var fix = found.kind == .environmentVariable ? "Unset \(name) in the shell that starts the agent (rotate it if an agent already ran with it); inject it only into the process that needs it, from a secret manager, preferring short-lived tokens." : found.kind.fix
            if name.hasPrefix("AWS_") { fix += " For AWS use aws sso login or role sessions instead of access keys." }
            add(found.kind, at: "env:\(name)", value: value, severity: found.severity, fix: fix)
        }
    }
}
