import Foundation

extension PreflightCorpusEntry {
    /// The planted credentials: one table, each with where it is, what it is and the kind reported.
    static func plants(_ f: inout PreflightFakes) -> [PreflightCorpusEntry] {
        let ibm44 = { (f: inout PreflightFakes) in f.alnum("qRunFake0", 44) }
        let awsID = { (f: inout PreflightFakes) in "AKIA" + f.alnum("QRUNFAKE", 16).uppercased() }
        let awsSecret = { (f: inout PreflightFakes) in f.alnum("qRunFake0/", 40) }
        var out: [PreflightCorpusEntry] = []
        func plant(_ name: String, _ path: String, _ kind: String, _ secret: String, line: Int? = nil, _ content: String) {
            out.append(PreflightCorpusEntry(name: name, path: path, content: content, secret: secret, kind: kind, line: line))
        }
        // Quantum SDKs.
        var v = ibm44(&f)
        plant("Qiskit saved account (44-char key)", "~/.qiskit/qiskit-ibm.json", "ibm-quantum-token", v,
              "{\n  \"default-ibm-quantum-platform\": {\n    \"channel\": \"ibm_quantum_platform\",\n    \"token\": \"\(v)\"\n  }\n}\n")
        v = f.hex(128)
        plant("legacy qiskitrc (128-hex token)", "~/.qiskit/qiskitrc", "ibm-quantum-token", v, "[ibmq]\ntoken = \(v)\nurl = https://auth.quantum-computing.ibm.com/api\n")
        v = f.hex(128)
        plant("PennyLane config.toml ibmqx_token", "~/.config/pennylane/config.toml", "pennylane-config-token", v,
              "[main]\nshots = 1000\n\n[qiskit.ibmq]\nibmqx_token = \"\(v)\"\nhub = \"ibm-q\"\n")
        v = "DEV-" + f.hex(40)
        plant("D-Wave dwave.conf token", "~/.config/dwave/dwave.conf", "dwave-token", v,
              "[defaults]\nendpoint = https://cloud.dwavesys.com/sapi/\n\n[prod]\ntoken = \(v)\nsolver = {\"qpu\": true}\n")
        v = f.alnum("qRunFake0", 24)
        plant("Braket token file", "~/.braket/credentials", "braket-credential", v, "# braket\nBRAKET_TOKEN=\(v)\n")
        // Cloud SDKs.
        var id = awsID(&f); v = awsSecret(&f)
        plant("AWS credentials", "~/.aws/credentials", "aws-access-key", v, "[default]\naws_access_key_id = \(id)\naws_secret_access_key = \(v)\n")
        id = awsID(&f); v = awsSecret(&f)
        plant("AWS config with keys", "~/.aws/config", "aws-access-key", v,
              "[profile sso]\nsso_session = corp\n\n[profile legacy]\nregion = us-east-1\naws_access_key_id = \(id)\naws_secret_access_key = \(v)\n")
        v = "0.A" + f.alnum("qRunFake0", 60)
        plant("Azure MSAL refresh token", "~/.azure/msal_token_cache.json", "azure-refresh-token", v,
              "{\"RefreshToken\": {\"uid.utid-login.microsoftonline.com-refreshtoken-04b07795-\": {\n  \"credential_type\": \"RefreshToken\",\n  \"secret\": \"\(v)\"}}}\n")
        v = f.alnum("qRunFake0~", 40)
        plant("Azure legacy SP secret", "~/.azure/accessTokens.json", "azure-service-principal-secret", v,
              "[{\"servicePrincipalId\": \"11111111-2222-3333-4444-555555555555\",\n  \"servicePrincipalTenant\": \"tenant\",\n  \"accessToken\": \"\(v)\"}]\n")
        v = f.alnum("qRunFake0~", 40)
        plant("Azure service_principal_entries", "~/.azure/service_principal_entries.json", "azure-service-principal-secret", v,
              "[{\"client_id\": \"11111111-2222-3333-4444-555555555555\", \"tenant\": \"t\",\n  \"client_secret\": \"\(v)\"}]\n")
        v = "1//0" + f.alnum("qRunFake0", 60)
        plant("gcloud ADC refresh token", "~/.config/gcloud/application_default_credentials.json", "gcloud-refresh-token", v,
              "{\n  \"client_id\": \"764086051850-x.apps.googleusercontent.com\",\n  \"refresh_token\": \"\(v)\",\n  \"type\": \"authorized_user\"\n}\n")
        v = f.alnum("MIIEvQqRunFake0", 64)
        plant("gcloud legacy service account key", "~/.config/gcloud/legacy_credentials/dev@corp/adc.json", "gcloud-service-account-key", v,
              "{\n  \"type\": \"service_account\",\n  \"private_key\": \"-----BEGIN PRIVATE KEY-----\\n\(v)\\n-----END PRIVATE KEY-----\\n\"\n}\n")
        v = "1//0" + f.alnum("qRunFake0", 60)
        plant("gcloud legacy .boto", "~/.config/gcloud/legacy_credentials/dev@corp/.boto", "gcloud-refresh-token", v,
              "[OAuth2]\nclient_id = 32555940559.apps.googleusercontent.com\n[Credentials]\ngs_oauth2_refresh_token = \(v)\n")
        // Developer tools.
        v = "hvs." + f.alnum("qRunFake0", 90)
        plant("~/.vault-token", "~/.vault-token", "vault-token", v, "\(v)\n")
        v = f.alnum("qRunFake0-", 20)
        plant(".netrc password", "~/.netrc", "netrc-password", v, "machine api.corp.test\n  login dev\n  password \(v)\n")
        v = f.alnum("qRunFake0", 24)
        plant("docker config auth", "~/.docker/config.json", "docker-registry-auth", v, line: 2,
              "{\"auths\": {\"registry.corp.test\": {\n  \"auth\": \"\(Data("dev:\(v)".utf8).base64EncodedString())\"}}}\n")
        v = f.alnum("qRunFake0", 48)
        plant("kube config bearer token", "~/.kube/config", "kube-credential", v, "apiVersion: v1\nusers:\n- name: dev\n  user:\n    token: \(v)\n")
        v = "gho_" + f.alnum("qRunFake0", 36)
        plant("gh hosts.yml (token written twice)", "~/.config/gh/hosts.yml", "github-cli-token", v,
              "github.com:\n    users:\n        dev:\n            oauth_token: \(v)\n    git_protocol: https\n    oauth_token: \(v)\n    user: dev\n")
        v = "ghp_" + f.alnum("qRunFake0", 36)
        plant("git-credentials", "~/.git-credentials", "git-credentials", v, "https://dev:\(v)@github.com\n")
        var pem = f.openSSHKey(cipher: "none")
        plant("unencrypted OpenSSH key", "~/.ssh/id_ed25519", "ssh-private-key", PreflightFakes.keyLine(pem), line: 1, pem)
        pem = f.pemRSAKey(encrypted: false)
        plant("unencrypted PEM RSA key", "~/.ssh/id_rsa", "ssh-private-key", PreflightFakes.keyLine(pem), line: 1, pem)
        // Shell profiles.
        v = ibm44(&f)
        plant("~/.bashrc export", "~/.bashrc", "shell-profile-secret", v, "# ~/.bashrc\nalias ll='ls -l'\nexport QISKIT_IBM_TOKEN=\"\(v)\"\n")
        v = f.alnum("qRunFake0", 40)
        plant("~/.zshrc export", "~/.zshrc", "shell-profile-secret", v, "export PATH=$HOME/bin:$PATH\nexport AZURE_CLIENT_SECRET='\(v)'\n")
        v = "DEV-" + f.hex(40)
        plant("~/.profile export", "~/.profile", "shell-profile-secret", v, "umask 022\nexport DWAVE_API_TOKEN=\(v)\n")
        v = "xoxb-" + f.hex(12) + "-" + f.alnum("qRunFake0", 24)
        plant("~/.bash_profile export", "~/.bash_profile", "shell-profile-secret", v, "export SLACK_BOT_TOKEN=\(v)\n")
        out += projectPlants(&f)
        return out
    }
}
