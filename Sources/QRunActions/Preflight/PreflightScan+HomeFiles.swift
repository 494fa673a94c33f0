import Foundation

/// Home files beyond the cloud SDK stores: PennyLane and D-Wave configuration, git's plaintext
/// credential store, SSH private keys and shell profiles.
extension PreflightScan {
    private static let tomlSecret = PreflightText.regex(
        #"(?i)^[ \t]*"?([A-Za-z0-9_.-]*(?:token|api_?key|password|secret)[A-Za-z0-9_.-]*)"?[ \t]*=[ \t]*["']([^"'\r\n]+)["']"#,
        [.anchorsMatchLines])
    private static let dwaveToken = PreflightText.regex(#"(?i)^[ \t]*token[ \t]*=[ \t]*["']?([^\s"'#;]+)"#, [.anchorsMatchLines])
    private static let credentialURL = PreflightText.regex(#"^[ \t]*[A-Za-z][A-Za-z0-9+.-]*://[^:/@\s]*:([^@\s]+)@"#, [.anchorsMatchLines])

    /// Shell start-up files an interactive shell (and every agent started from one) reads.
    static let shellProfiles = [".bashrc", ".bash_profile", ".bash_login", ".profile", ".zshrc", ".zshenv", ".zprofile", ".zlogin",
                                ".config/fish/config.fish"]
    /// Files in `~/.ssh` that hold public material or settings, never a private key.
    static let sshPublicFiles: Set<String> = ["known_hosts", "known_hosts.old", "authorized_keys", "authorized_keys2", "config",
                                              "environment"]

    /// PennyLane, D-Wave, git credentials, `~/.ssh` and shell profiles under `home`.
    func scanHomeFiles(_ home: String) {
        for rel in [".config/pennylane/config.toml", "Library/Preferences/pennylane/config.toml"] {
            guard let t = homeFile(home, rel) else { continue }
            for m in Self.tomlSecret.matches(in: t.string, range: NSRange(location: 0, length: t.ns.length)) {
                let value = t.ns.substring(with: m.range(at: 2))
                guard value.count >= 8, !CredentialAssignments.isPlaceholder(value) else { continue }
                add(.pennylaneToken, at: "\(home)/\(rel):\(t.line(at: m.range(at: 2).location))", value: value)
            }
        }
        for rel in [".config/dwave/dwave.conf", "Library/Application Support/dwave/dwave.conf"] {
            guard let t = homeFile(home, rel) else { continue }
            for c in t.captures(Self.dwaveToken) where c.value.count >= 8 { add(.dwaveToken, at: "\(home)/\(rel):\(c.line)", value: c.value) }
        }
        for rel in [".git-credentials", ".config/git/credentials"] {
            guard let t = homeFile(home, rel) else { continue }
            for c in t.captures(Self.credentialURL) { add(.gitCredentials, at: "\(home)/\(rel):\(c.line)", value: c.value) }
        }
        scanSSH(home + "/.ssh")
        for rel in Self.shellProfiles {
            guard let t = homeFile(home, rel) else { continue }
            scanShellProfile(t, path: "\(home)/\(rel)")
        }
    }

    /// Every private key in `~/.ssh` that is not protected by a passphrase.
    private func scanSSH(_ dir: String) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return }
        for name in names.sorted() where !name.hasSuffix(".pub") && !Self.sshPublicFiles.contains(name) {
            let path = dir + "/" + name
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue, let t = readText(path) else { continue }
            for m in shapes.scan(t, now: now) where m.kind == .privateKey {
                add(.sshPrivateKey, at: "\(path):\(m.line)", value: m.value)
            }
        }
    }

    /// Exported credential variables first (the profile-specific fix), then token shapes.
    private func scanShellProfile(_ t: PreflightText, path: String) {
        let file = (path as NSString).lastPathComponent
        for a in assignments.scan(t) {
            let fix = "Remove \(a.name) from \(file) (every new shell, and any agent started from one, inherits it), rotate it, "
                + "and fetch it per command from a secret manager instead (e.g. \(a.name)=$(vault kv get -field=token ...) in a wrapper)."
            add(.shellProfileSecret, at: "\(path):\(a.line)", value: a.value, severity: Self.knownVariables[a.name.uppercased()] ?? .high, fix: fix)
        }
        addShapes(in: t, path: path)
    }

    /// The text of `home/rel` when it is a regular file (read through links, as the tool would).
    private func homeFile(_ home: String, _ rel: String) -> PreflightText? {
        let p = home + "/" + rel
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: p, isDirectory: &isDir), !isDir.boolValue else { return nil }
        return readText(p)
    }
}
