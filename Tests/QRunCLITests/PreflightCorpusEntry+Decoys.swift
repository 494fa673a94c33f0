import Foundation

extension PreflightCorpusEntry {
    /// Decoys: documented examples, placeholders, templates, encrypted keys, public keys, hashes
    /// and ids that look like tokens. None may be reported.
    static func decoys(_ f: inout PreflightFakes) -> [PreflightCorpusEntry] {
        var out: [PreflightCorpusEntry] = []
        func decoy(_ name: String, _ path: String, _ content: String) {
            out.append(PreflightCorpusEntry(name: name, path: path, content: content))
        }
        decoy("AWS documented example pair in a README", "project/README.md",
              "Configure the CLI:\n\n    aws_access_key_id = AKIAIOSFODNN7EXAMPLE\n    aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n")
        decoy("xoxb-your-token in .env.example", "project/.env.example", "SLACK_BOT_TOKEN=xoxb-your-token\nOPENAI_API_KEY=your-api-key\n")
        decoy("x-filled GitHub token in .env.sample", "project/.env.sample", "GITHUB_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n")
        decoy("name-only value in .env.template", "project/.env.template", "QISKIT_IBM_TOKEN=qRunTemplateValue-3f5a\nDWAVE_API_TOKEN=DEV-your-token\n")
        decoy("references and placeholders in .env", "project/services/api/.env",
              "DB_PASSWORD=${DB_PASSWORD}\nAPI_KEY=$API_KEY\nSECRET_KEY=changeme\nAUTH_TOKEN=<token>\nADMIN_PASSWORD=placeholder\nSERVICE_TOKEN=dummy-token-value\n")
        decoy("one-character runs in .env", "project/services/worker/.env", "QISKIT_IBM_TOKEN=\(String(repeating: "0", count: 128))\nPASSWORD=aaaaaaaaaaaa\n")
        decoy("UUIDs and ids in .env", "project/services/azure/.env",
              "AZURE_TENANT_ID=\(UUID().uuidString.lowercased())\nAZURE_CLIENT_ID=\(UUID().uuidString.lowercased())\nSUBSCRIPTION=\(UUID().uuidString)\n")
        decoy("empty .env", "project/services/empty/.env", "")
        decoy("git SHAs and integrity hashes in a lock file", "project/package-lock.json",
              "{\n  \"packages\": {\"node_modules/q\": {\"resolved\": \"git+https://github.com/q/q.git#\(f.hex(40))\",\n    \"integrity\": \"sha512-\(Data(f.bytes(64)).base64EncodedString())\"}}\n}\n")
        decoy("checksums in Cargo.lock and go.sum", "project/Cargo.lock",
              "[[package]]\nname = \"qsim\"\nchecksum = \"\(f.hex(64))\"\n# go.sum style\nh1:\(Data(f.bytes(32)).base64EncodedString())\n")
        decoy("placeholder in save_account", "project/examples/connect.py",
              "QiskitRuntimeService.save_account(channel=\"ibm_quantum\", token=\"<YOUR_API_TOKEN>\")\nQiskitRuntimeService(token=os.environ[\"QISKIT_IBM_TOKEN\"])\n")
        decoy("notebook printing a job id and a commit", "project/notebooks/plots.ipynb", #"""
            {"cells": [{"cell_type": "code", "source": ["print(job.job_id(), commit)\n"],
              "outputs": [{"output_type": "stream", "name": "stdout", "text": ["\#(f.hex(20)) \#(f.hex(40))\n", "token: <redacted>\n"]}]}],
             "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
            """#)
        decoy("expired JWT in docs", "project/docs/auth.md", "Example response: eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJxIiwiZXhwIjoxMDAwfQ.\(f.alnum("qRunFake0", 43))\n")
        decoy("encrypted OpenSSH key", "~/.ssh/id_ecdsa", f.openSSHKey(cipher: "aes256-ctr"))
        decoy("encrypted PEM key", "~/.ssh/id_rsa_legacy", f.pemRSAKey(encrypted: true))
        decoy("public key", "~/.ssh/id_ed25519.pub", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA\(f.alnum("qRunFake0", 43)) dev@corp\n")
        decoy("shell profile reading tokens at run time", "~/.zshenv",
              "export GITHUB_TOKEN=$(gh auth token)\nexport VAULT_TOKEN=\"$(cat ~/.cache/vault)\"\nexport HISTSIZE=1000\nexport SSH_AUTH_SOCK=/run/user/1000/ssh-agent.socket\n")
        decoy("placeholder in the environment", "env:OPENAI_API_KEY", "your-api-key-here")
        decoy("documented AWS example id in the environment", "env:AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
        return out
    }
}
