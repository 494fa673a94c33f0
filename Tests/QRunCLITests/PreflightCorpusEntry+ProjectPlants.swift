import Foundation

extension PreflightCorpusEntry {
    /// Planted credentials in the project and in the environment.
    static func projectPlants(_ f: inout PreflightFakes) -> [PreflightCorpusEntry] {
        var out: [PreflightCorpusEntry] = []
        func plant(_ name: String, _ path: String, _ kind: String, _ secret: String, line: Int? = nil, _ content: String) {
            out.append(PreflightCorpusEntry(name: name, path: path, content: content, secret: secret, kind: kind, line: line))
        }
        var v = f.alnum("qRunFake0", 44)
        // The IBM-shaped rule matches before the dotenv rule: one finding, the more specific kind.
        plant("project .env", "project/.env", "ibm-api-key", v, "APP_NAME=demo\nQISKIT_IBM_TOKEN=\"\(v)\"\n")
        v = f.alnum("qRunFake0-", 20)
        plant("project .env.local", "project/app/.env.local", "dotenv-secret", v, "export DATABASE_PASSWORD=\(v) # local\n")
        v = "hvs." + f.alnum("qRunFake0", 90)
        plant("project .envrc", "project/.envrc", "vault-token", v, "export VAULT_TOKEN=\(v)\n")
        v = f.alnum("qRunFake0/", 40)
        plant(".env nine folders down", "project/a/b/c/d/e/f/g/h/i/.env", "aws-access-key", v,
              "AWS_ACCESS_KEY_ID=AKIA\(f.alnum("QRUNFAKE", 16).uppercased())\nAWS_SECRET_ACCESS_KEY=\(v)\n")
        v = f.hex(128)
        plant("QiskitRuntimeService(token=128-hex)", "project/run_ibm.py", "qiskit-token-in-code", v,
              "from qiskit_ibm_runtime import QiskitRuntimeService\n\nservice = QiskitRuntimeService(\n    channel=\"ibm_quantum\",\n    token=\"\(v)\",\n)\n")
        v = f.alnum("qRunFake0", 44)
        plant("save_account(token=44-char)", "project/setup_account.py", "qiskit-token-in-code", v,
              "from qiskit_ibm_runtime import QiskitRuntimeService\nQiskitRuntimeService.save_account(channel=\"ibm_quantum_platform\", token='\(v)', overwrite=True)\n")
        v = f.hex(128)
        plant("IBMQ.save_account positional", "project/legacy/connect.py", "qiskit-token-in-code", v,
              "from qiskit import IBMQ\nIBMQ.save_account(\"\(v)\")\n")
        v = f.hex(128)
        plant("token printed in a notebook output", "project/notebooks/experiment.ipynb", "notebook-output-token", v, #"""
            {
             "cells": [
              {
               "cell_type": "code",
               "source": ["from qiskit_ibm_runtime import QiskitRuntimeService\n", "print(QiskitRuntimeService().active_account())\n"],
               "outputs": [{"output_type": "stream", "name": "stdout",
                 "text": ["{'channel': 'ibm_quantum', 'token': '\#(v)', 'url': 'https://auth.quantum-computing.ibm.com/api'}\n"]}]
              }
             ],
             "metadata": {}, "nbformat": 4, "nbformat_minor": 5
            }
            """#)
        v = f.alnum("qRunFake0", 44)
        plant("save_account in a notebook cell", "project/notebooks/setup.ipynb", "qiskit-token-in-code", v, #"""
            {
             "cells": [
              {"cell_type": "code", "outputs": [],
               "source": ["from qiskit_ibm_runtime import QiskitRuntimeService\n",
                          "QiskitRuntimeService.save_account(channel=\"ibm_cloud\", token=\"\#(v)\")\n"]}
             ],
             "metadata": {}, "nbformat": 4, "nbformat_minor": 5
            }
            """#)
        let pem = f.openSSHKey(cipher: "none")
        plant("private key in the project", "project/deploy/id_ed25519", "private-key", PreflightFakes.keyLine(pem), line: 1, pem)
        v = "ghp_" + f.alnum("qRunFake0", 36)
        plant("GitHub token in a script", "project/scripts/push.sh", "github-token", v,
              "#!/bin/sh\ncurl -H \"Authorization: token \(v)\" https://api.github.com/user\n")
        v = "github_pat_" + f.alnum("11qRunFake0", 22) + "_" + f.alnum("qRunFake0", 59)
        plant("fine-grained GitHub token in JSON", "project/config/app.json", "github-token", v, "{\n  \"deploy\": {\"pat\": \"\(v)\"}\n}\n")
        v = "xoxb-" + f.hex(12) + "-" + f.alnum("qRunFake0", 24)
        plant("Slack bot token in YAML", "project/config/settings.yaml", "slack-token", v, "notify:\n  channel: ops\n  bot: \(v)\n")
        v = f.alnum("qRunFake0_", 44)
        plant("IBM Cloud API key JSON", "project/config/ibm-apikey.json", "ibm-api-key", v, "{\n  \"name\": \"agent\",\n  \"apikey\": \"\(v)\"\n}\n")
        v = f.jwt()
        plant("JWT without expiry", "project/src/client.ts", "jwt", v, "const headers = {\n  Authorization: \"Bearer \(v)\",\n};\n")
        v = "DEV-" + f.hex(40)
        plant("D-Wave token in CI YAML", "project/ci/anneal.yml", "dwave-token", v, "env:\n  SOLVER: Advantage\n  LEAP: \(v)\n")
        v = "s." + f.alnum("qRunFake0", 24)
        plant("legacy Vault token", "project/ops/vault.hcl", "vault-token", v, "# agent\ntoken = \"\(v)\"\n")
        // The environment of the shell that starts the agent.
        v = f.alnum("qRunFake0", 44)
        plant("env QISKIT_IBM_TOKEN", "env:QISKIT_IBM_TOKEN", "environment-variable", v, v)
        v = f.alnum("qRunFake0/", 40)
        plant("env AWS_SECRET_ACCESS_KEY", "env:AWS_SECRET_ACCESS_KEY", "environment-variable", v, v)
        v = "DEV-" + f.hex(40)
        plant("env DWAVE_API_TOKEN", "env:DWAVE_API_TOKEN", "environment-variable", v, v)
        v = f.alnum("qRunFake0", 32)
        plant("env AZURE_CLIENT_SECRET", "env:AZURE_CLIENT_SECRET", "environment-variable", v, v)
        return out
    }
}
