import Foundation

/// Azure CLI, gcloud and Docker credential stores: JSON files (and gcloud's SQLite store).
extension PreflightScan {
    private static let refreshToken = PreflightText.regex(#""refresh_token"\s*:\s*"([^"]+)""#)
    private static let privateKeyField = PreflightText.regex(#""private_key"\s*:\s*"([^"]+)""#)

    /// `~/.azure`: the MSAL token cache, the pre-2.30 `accessTokens.json` and service principal
    /// entries (`service_principal_entries.json`), all plain JSON on Linux and macOS.
    func scanAzure(_ dir: String) {
        for name in ["msal_token_cache.json", "msal_token_cache.bin"] {
            let p = dir + "/" + name
            guard FileManager.default.fileExists(atPath: p), let t = readText(p),
                  let root = Self.json(t) as? [String: Any] else { continue }
            for (section, kind) in [("RefreshToken", PreflightKind.azureRefreshToken), ("AccessToken", .azureAccessToken)] {
                guard let entries = root[section] as? [String: Any] else { continue }
                for key in entries.keys.sorted() {
                    if let secret = (entries[key] as? [String: Any])?["secret"] as? String, !secret.isEmpty {
                        add(kind, at: Self.located(p, t, secret), value: secret)
                    }
                }
            }
        }
        let legacy = dir + "/accessTokens.json"
        if FileManager.default.fileExists(atPath: legacy), let t = readText(legacy), let entries = Self.json(t) as? [[String: Any]] {
            for e in entries {
                if e["servicePrincipalId"] != nil, let secret = e["accessToken"] as? String, !secret.isEmpty {
                    add(.azureServicePrincipalSecret, at: Self.located(legacy, t, secret), value: secret)
                    continue
                }
                if let r = e["refreshToken"] as? String, !r.isEmpty { add(.azureRefreshToken, at: Self.located(legacy, t, r), value: r) }
                if let a = e["accessToken"] as? String, !a.isEmpty { add(.azureAccessToken, at: Self.located(legacy, t, a), value: a) }
            }
        }
        let sp = dir + "/service_principal_entries.json"
        if FileManager.default.fileExists(atPath: sp), let t = readText(sp), let entries = Self.json(t) as? [[String: Any]] {
            for e in entries {
                if let secret = (e["client_secret"] ?? e["accessToken"]) as? String, !secret.isEmpty {
                    add(.azureServicePrincipalSecret, at: Self.located(sp, t, secret), value: secret)
                }
            }
        }
    }

    /// `~/.config/gcloud`: application default credentials, the `credentials.db` store and
    /// `legacy_credentials/<account>/` (`adc.json`, `.boto`).
    func scanGcloud(_ dir: String) {
        let fm = FileManager.default
        let adc = dir + "/application_default_credentials.json"
        if fm.fileExists(atPath: adc) { scanGoogleCredentialFile(adc) }
        let db = dir + "/credentials.db"
        if fm.fileExists(atPath: db), let t = readText(db, asBytes: true) {
            // SQLite keeps the JSON values as text in its pages: search the bytes, report the file.
            for c in t.captures(Self.refreshToken) { add(.gcloudRefreshToken, at: db, value: c.value) }
            for c in t.captures(Self.privateKeyField) { add(.gcloudServiceAccountKey, at: db, value: c.value) }
        }
        for p in Self.regularFiles(at: dir + "/legacy_credentials", depth: 2) {
            if p.hasSuffix(".json") {
                scanGoogleCredentialFile(p)
            } else if let t = readText(p) {
                for a in assignments.scan(t) { add(.gcloudRefreshToken, at: "\(p):\(a.line)", value: a.value) }
            }
        }
    }

    /// An ADC or service account key file: `refresh_token` (authorized user) or `private_key`
    /// (service account). Workload identity federation files hold neither and are fine.
    func scanGoogleCredentialFile(_ path: String) {
        guard let t = readText(path) else { return }
        for c in t.captures(Self.refreshToken) { add(.gcloudRefreshToken, at: "\(path):\(c.line)", value: c.value) }
        for c in t.captures(Self.privateKeyField) { add(.gcloudServiceAccountKey, at: "\(path):\(c.line)", value: c.value) }
    }

    /// `~/.docker/config.json`: registries under `auths` with an inline `auth` or `identitytoken`
    /// (empty entries mean a credential store holds the secret, which is fine).
    func scanDockerConfig(_ text: PreflightText, path: String) {
        guard let root = Self.json(text) as? [String: Any], let auths = root["auths"] as? [String: Any] else { return }
        for registry in auths.keys.sorted() {
            guard let entry = auths[registry] as? [String: Any] else { continue }
            for field in ["auth", "identitytoken", "password"] {
                if let v = entry[field] as? String, !v.isEmpty { add(.dockerRegistryAuth, at: Self.located(path, text, v), value: v) }
            }
        }
    }

    static func json(_ text: PreflightText) -> Any? {
        try? JSONSerialization.jsonObject(with: Data(text.string.utf8))
    }

    /// `path:line` of the value's first occurrence (`path:1` when JSON escaping hides it).
    static func located(_ path: String, _ text: PreflightText, _ value: String) -> String {
        "\(path):\(text.line(of: value) ?? 1)"
    }
}
