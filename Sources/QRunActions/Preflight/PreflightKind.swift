/// A class of credential the scanner knows, with its default severity and the fix it suggests.
struct PreflightKind: Sendable, Hashable {
    let name: String
    let severity: PreflightSeverity
    let fix: String
}

extension PreflightKind {
    static let ibmQuantumToken = PreflightKind(
        name: "ibm-quantum-token", severity: .critical,
        fix: "Delete the saved account (QiskitRuntimeService.delete_account() or remove the file), rotate the API key on IBM Quantum Platform, and pass a key fetched from a secret manager at run time instead of save_account().")
    static let ibmAPIKey = PreflightKind(
        name: "ibm-api-key", severity: .critical,
        fix: "Delete the IBM Cloud API key (ibmcloud iam api-key-delete) after moving its use to a secret manager; give agents a service ID key with the narrowest access group, fetched at run time.")
    static let awsAccessKey = PreflightKind(
        name: "aws-access-key", severity: .critical,
        fix: "Delete the keys from this file and deactivate the access key in IAM; use short-lived credentials instead: aws sso login or role sessions (role_arn / credential_process profiles).")
    static let awsSessionCredentials = PreflightKind(
        name: "aws-session-credentials", severity: .medium,
        fix: "Remove the cached session credentials; they act as the role until they expire (up to 12 hours for role sessions, 36 for GetSessionToken). Fetch them per process with credential_process or aws sso login instead.")
    static let azureRefreshToken = PreflightKind(
        name: "azure-refresh-token", severity: .high,
        fix: "Run az logout (and az account clear) before starting the agent: cached refresh tokens stay usable for up to 90 days. Use a managed identity or workload identity federation for automation.")
    static let azureAccessToken = PreflightKind(
        name: "azure-access-token", severity: .medium,
        fix: "Run az logout before starting the agent; cached access tokens stay valid until they expire (typically 60 to 90 minutes).")
    static let azureServicePrincipalSecret = PreflightKind(
        name: "azure-service-principal-secret", severity: .critical,
        fix: "Log the service principal out (az logout --username APP_ID), delete the client secret in Entra ID (az ad app credential delete), and use workload identity federation or a certificate kept in Key Vault.")
    static let gcloudRefreshToken = PreflightKind(
        name: "gcloud-refresh-token", severity: .high,
        fix: "Run gcloud auth application-default revoke and gcloud auth revoke; for automation use service account impersonation or workload identity federation, which issue one-hour tokens.")
    static let gcloudServiceAccountKey = PreflightKind(
        name: "gcloud-service-account-key", severity: .critical,
        fix: "Delete the key file and the key in IAM (gcloud iam service-accounts keys delete); use workload identity federation or impersonation instead of service account key files.")
    static let braketCredential = PreflightKind(
        name: "braket-credential", severity: .high,
        fix: "Remove the credential from ~/.braket; Amazon Braket authenticates with AWS credentials, so give the agent short-lived role credentials (aws sso login, role sessions) instead.")
    static let vaultToken = PreflightKind(
        name: "vault-token", severity: .high,
        fix: "Run vault token revoke -self and delete the stored token; log in per task with a short TTL (vault login -no-store) so tokens never reach the disk.")
    static let netrcPassword = PreflightKind(
        name: "netrc-password", severity: .high,
        fix: "Remove the password from ~/.netrc and rotate it; use a credential helper or a short-lived token fetched at run time.")
    static let dockerRegistryAuth = PreflightKind(
        name: "docker-registry-auth", severity: .high,
        fix: "Run docker logout for the registry and configure a credential store (credsStore) so registry passwords are not kept base64-encoded in config.json.")
    static let kubeCredential = PreflightKind(
        name: "kube-credential", severity: .high,
        fix: "Replace the embedded token or client key with an exec credential plugin that issues short-lived tokens (kubelogin, aws eks get-token, gke-gcloud-auth-plugin) and revoke the old credential.")
    static let githubCLIToken = PreflightKind(
        name: "github-cli-token", severity: .high,
        fix: "Run gh auth logout, then log in again with the system keyring (gh auth login, adding --secure-storage on older gh versions) so the token is not kept in hosts.yml.")
    static let dotenvSecret = PreflightKind(
        name: "dotenv-secret", severity: .high,
        fix: "Remove the value from the .env file (and from version control history if it was committed) and have it injected from a secret manager at run time, e.g. a secret:vault: reference in qrun.")
    static let environmentVariable = PreflightKind(
        name: "environment-variable", severity: .high,
        fix: "Unset the variable in the shell that starts the agent (rotate it if an agent already ran with it); inject it only into the process that needs it, from a secret manager, preferring short-lived tokens.")
    static let privateKey = PreflightKind(
        name: "private-key", severity: .critical,
        fix: "Move the private key out of the scanned tree into a secret manager or hardware-backed store, and replace the key pair if it may have been copied.")
    static let slackToken = PreflightKind(
        name: "slack-token", severity: .high,
        fix: "Revoke the Slack token (auth.revoke or the app's OAuth page) and keep its replacement in a secret manager, injected at run time.")
    static let githubToken = PreflightKind(
        name: "github-token", severity: .high,
        fix: "Revoke the GitHub token in Settings > Developer settings and replace it with a fine-grained token with an expiry, or a GitHub App installation token minted per job.")
    static let jwt = PreflightKind(
        name: "jwt", severity: .medium,
        fix: "Remove the token; a JWT stays valid until its exp claim, so revoke the session or key that issued it if it is long-lived.")
    static let pennylaneToken = PreflightKind(
        name: "pennylane-config-token", severity: .critical,
        fix: "Remove ibmqx_token (and any other token) from ~/.config/pennylane/config.toml, revoke it at quantum.ibm.com, and pass a token from a secret store to the device at run time (qml.device(..., token=...)).")
    static let qiskitTokenInCode = PreflightKind(
        name: "qiskit-token-in-code", severity: .critical,
        fix: "Revoke the token at quantum.ibm.com, delete it from the code (and from version control history), and use QiskitRuntimeService(channel=...) with a token read from a secret store or the environment at run time.")
    static let notebookOutputToken = PreflightKind(
        name: "notebook-output-token", severity: .critical,
        fix: "Revoke the token (quantum.ibm.com for IBM Quantum) and clear the notebook's outputs (jupyter nbconvert --clear-output --inplace), also in version control history; never print service.active_account() or a token.")
    static let gitCredentials = PreflightKind(
        name: "git-credentials", severity: .high,
        fix: "Revoke the password or token stored in ~/.git-credentials, delete the file, and use a credential helper backed by the OS keychain (git config --global credential.helper libsecret, osxkeychain or manager).")
    static let sshPrivateKey = PreflightKind(
        name: "ssh-private-key", severity: .critical,
        fix: "Add a passphrase (ssh-keygen -p -f KEY) and load it into ssh-agent, or move to a hardware-backed key (ed25519-sk); replace the key pair on the servers that trust it if it may have been copied.")
    static let shellProfileSecret = PreflightKind(
        name: "shell-profile-secret", severity: .high,
        fix: "Remove the exported value from the shell profile (every new shell, and any agent started from one, inherits it), rotate it, and fetch it per command from a secret manager instead (e.g. export TOKEN=$(vault kv get -field=token ...)).")
    static let dwaveToken = PreflightKind(
        name: "dwave-token", severity: .critical,
        fix: "Reset the API token in the D-Wave Leap dashboard, remove it from dwave.conf (dwave config create leaves the token empty if you press Enter), and supply DWAVE_API_TOKEN from a secret store at run time.")
}
