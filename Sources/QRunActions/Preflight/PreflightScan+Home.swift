import Foundation

/// The SDK credential paths under a home directory.
extension PreflightScan {
    private static let qiskitJSONToken = PreflightText.regex(#""token"\s*:\s*"([^"]+)""#)
    private static let iniToken = PreflightText.regex(#"^[ \t]*token[ \t]*=[ \t]*(\S+)"#, [.anchorsMatchLines])
    private static let netrcPassword = PreflightText.regex(#"(?:^|\s)password\s+(\S+)"#)
    private static let kubeField = PreflightText.regex(
        #"^[ \t]*(?:-[ \t]+)?(token|client-key-data|password|refresh-token|id-token|access-token)[ \t]*:[ \t]*["']?([^\s"'#]+)"#, [.anchorsMatchLines])
    private static let ghToken = PreflightText.regex(#"^[ \t]*oauth_token[ \t]*:[ \t]*["']?([^\s"'#]+)"#, [.anchorsMatchLines])

    /// Checks every known credential path under `home`.
    func scanHome(_ home: String) {
        let fm = FileManager.default
        func file(_ rel: String) -> String? {
            let p = home + "/" + rel
            var isDir: ObjCBool = false
            return fm.fileExists(atPath: p, isDirectory: &isDir) && !isDir.boolValue ? p : nil
        }
        if let p = file(".qiskit/qiskit-ibm.json"), let t = readText(p) {
            for c in t.captures(Self.qiskitJSONToken) { add(.ibmQuantumToken, at: "\(p):\(c.line)", value: c.value) }
        }
        if let p = file(".qiskit/qiskitrc"), let t = readText(p) {
            for c in t.captures(Self.iniToken) { add(.ibmQuantumToken, at: "\(p):\(c.line)", value: c.value) }
        }
        for rel in [".aws/credentials", ".aws/config"] {
            if let p = file(rel), let t = readText(p) { scanAWSFile(t, path: p) }
        }
        scanAzure(home + "/.azure")
        scanGcloud(home + "/.config/gcloud")
        scanBraket(home + "/.braket")
        if let p = file(".vault-token"), let t = readText(p) {
            let token = t.string.trimmingCharacters(in: .whitespacesAndNewlines)
            if !token.isEmpty { add(.vaultToken, at: "\(p):1", value: token, severity: token.hasPrefix("hvb.") ? .medium : nil) }
        }
        if let p = file(".netrc"), let t = readText(p) {
            for c in t.captures(Self.netrcPassword) { add(.netrcPassword, at: "\(p):\(c.line)", value: c.value) }
        }
        if let p = file(".docker/config.json"), let t = readText(p) { scanDockerConfig(t, path: p) }
        if let p = file(".kube/config"), let t = readText(p) {
            for m in Self.kubeField.matches(in: t.string, range: NSRange(location: 0, length: t.ns.length)) {
                let field = t.ns.substring(with: m.range(at: 1))
                let value = t.ns.substring(with: m.range(at: 2))
                guard value.count >= 6 else { continue }
                let shortLived = field == "id-token" || field == "access-token"
                add(.kubeCredential, at: "\(p):\(t.line(at: m.range(at: 2).location))", value: value, severity: shortLived ? .medium : nil)
            }
        }
        if let p = file(".config/gh/hosts.yml"), let t = readText(p) {
            for c in t.captures(Self.ghToken) { add(.githubCLIToken, at: "\(p):\(c.line)", value: c.value) }
        }
        scanHomeFiles(home)
    }

    /// `~/.aws/credentials` and `~/.aws/config`: profiles holding `aws_secret_access_key`.
    /// Profiles using SSO, `role_arn` or `credential_process` hold no key and are fine.
    func scanAWSFile(_ text: PreflightText, path: String) {
        struct Profile { var keyID: String?; var secret: (value: String, line: Int)?; var session = false }
        var profiles: [Profile] = []
        var current = Profile()
        for (index, raw) in text.string.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("[") {
                profiles.append(current)
                current = Profile()
                continue
            }
            guard !line.hasPrefix("#"), !line.hasPrefix(";"), let eq = line.firstIndex(of: "=") else { continue }
            let key = line[..<eq].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            guard !value.isEmpty else { continue }
            switch key {
            case "aws_access_key_id": current.keyID = value
            case "aws_secret_access_key": current.secret = (value, index + 1)
            case "aws_session_token", "aws_security_token": current.session = true
            default: break
            }
        }
        profiles.append(current)
        for p in profiles {
            guard let secret = p.secret else { continue }
            let session = p.session || (p.keyID?.hasPrefix("ASIA") ?? false)
            add(session ? .awsSessionCredentials : .awsAccessKey, at: "\(path):\(secret.line)", value: secret.value,
                preview: p.keyID.flatMap(TokenShapes.awsPreview))
        }
    }

    /// `~/.braket`, a file or a folder (two levels): credential assignments and token shapes.
    func scanBraket(_ path: String) {
        for p in Self.regularFiles(at: path, depth: 2) {
            guard let t = readText(p) else { continue }
            for a in assignments.scan(t) { add(.braketCredential, at: "\(p):\(a.line)", value: a.value) }
            addShapes(in: t, path: p)
        }
    }

    /// `path` itself when it is a file, else the regular files below it (following links, which
    /// are the user's own configuration here), at most `depth` levels down.
    static func regularFiles(at path: String, depth: Int) -> [String] {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: path, isDirectory: &isDir) else { return [] }
        guard isDir.boolValue else { return [path] }
        guard depth > 0, let names = try? fm.contentsOfDirectory(atPath: path) else { return [] }
        return names.sorted().flatMap { regularFiles(at: path + "/" + $0, depth: depth - 1) }
    }
}
