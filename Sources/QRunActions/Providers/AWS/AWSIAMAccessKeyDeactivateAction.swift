import Foundation
import QRunCore

/// `aws.iam.access-key.deactivate`: sets an IAM user's access key to `Inactive`
/// (`UpdateAccessKey Status=Inactive`).
///
/// Idempotency: detect before write. `apply` lists the user's keys first; a key that is already
/// `Inactive` (a retry, a resume after a crash, or someone faster) is reported with
/// `changed: false` and nothing is written. `UpdateAccessKey` is itself idempotent, so a crash
/// between the call and the commit only repeats a no-op.
///
/// - plan: `ListAccessKeys` (the key exists, its status) and `GetAccessKeyLastUsed` (when, where
///   and for which service it was last used; the key belongs to `user_name`).
/// - verify: `ListAccessKeys` shows the key `Inactive`.
public struct AWSIAMAccessKeyDeactivateAction: Action {
    let configuration: AWSConfiguration
    let transport: HTTPTransport
    let now: @Sendable () -> Date

    /// Creates the action.
    public init(configuration: AWSConfiguration, transport: HTTPTransport, now: @escaping @Sendable () -> Date = { Date() }) {
        self.configuration = configuration
        self.transport = transport
        self.now = now
    }

    /// Name, parameters, verify support.
    public var descriptor: ActionDescriptor {
        ActionDescriptor(
            name: "aws.iam.access-key.deactivate",
            summary: "Deactivate an IAM user's access key (UpdateAccessKey Status=Inactive)",
            parameters: [
                ParameterSpec("user_name", .string, secret: .forbidden,
                              description: "IAM user that owns the key; when empty it is looked up with GetAccessKeyLastUsed"),
                ParameterSpec("access_key_id", .string, required: true, secret: .forbidden, description: "access key ID, e.g. AKIA…"),
            ],
            supportsVerify: true).declaring([
                OutputSpec("user_name", "string", "The IAM user owning the key."),
                OutputSpec("access_key_id", "string", "The key."),
                OutputSpec("status", "string", "Its status afterwards (Inactive)."),
                OutputSpec("changed", "bool", "Whether this call deactivated it (false: it already was)."),
                OutputSpec("would_change", "bool", "plan: whether apply would change it."),
                OutputSpec("verified", "bool", "verify: IAM reports the key Inactive."),
                OutputSpec("residual_validity", "string", "verify: what stays valid after deactivation."),
            ])
    }

    /// What applying would do, with the key's last use.
    public func plan(_ call: ActionCall) async throws -> ActionResult {
        let keyID = try Self.keyID(call)
        let iam = try await configuration.client(.iam, call: call, transport: transport, now: now)
        let user = try await Self.user(call, keyID: keyID, iam: iam)
        let (key, used) = try await AWSIAMAccessKeys(iam: iam).planCheck(user: user, keyID: keyID)
        var outputs: [String: Value] = ["user_name": .string(user), "access_key_id": .string(keyID), "status": .string(key.status),
                                        "would_change": .bool(key.status != "Inactive")]
        outputs.merge(used.outputs) { $1 }
        let what = key.status == "Inactive" ? "is already Inactive; nothing to do" : "would be set Inactive (now \(key.status))"
        return ActionResult(outputs: outputs, summary: "access key \(keyID) of IAM user \(user) \(what); \(used.sentence)")
    }

    /// Deactivates the key unless it already is.
    public func apply(_ call: ActionCall) async throws -> ActionResult {
        let keyID = try Self.keyID(call)
        let iam = try await configuration.client(.iam, call: call, transport: transport, now: now)
        let user = try await Self.user(call, keyID: keyID, iam: iam)
        let keys: [AWSIAMAccessKeys.Key]
        do { keys = try await AWSIAMAccessKeys(iam: iam).list(user: user) } catch { throw error.actionError }
        guard let key = keys.first(where: { $0.id == keyID }) else {
            throw ActionError(message: "IAM user \(user) has no access key \(keyID); nothing was deactivated", retryable: false)
        }
        var outputs: [String: Value] = ["user_name": .string(user), "access_key_id": .string(keyID), "status": "Inactive"]
        if key.status == "Inactive" {
            outputs["changed"] = false
            return ActionResult(outputs: outputs, summary: "access key \(keyID) of IAM user \(user) was already Inactive")
        }
        do {
            _ = try await iam.query("UpdateAccessKey", [("UserName", user), ("AccessKeyId", keyID), ("Status", "Inactive")])
        } catch {
            throw error.actionError
        }
        outputs["changed"] = true
        return ActionResult(outputs: outputs, summary: "deactivated access key \(keyID) of IAM user \(user)")
    }

    /// Proves the key is listed as `Inactive`.
    public func verify(_ call: ActionCall) async throws -> ActionResult {
        let keyID = try Self.keyID(call)
        let iam = try await configuration.client(.iam, call: call, transport: transport, now: now)
        let user = try await Self.user(call, keyID: keyID, iam: iam)
        let keys: [AWSIAMAccessKeys.Key]
        do { keys = try await AWSIAMAccessKeys(iam: iam).list(user: user) } catch { throw error.actionError }
        guard let key = keys.first(where: { $0.id == keyID }) else {
            throw ActionError(message: "access key \(keyID) of IAM user \(user) no longer exists; it cannot be used, but it was not deactivated by this step", retryable: false)
        }
        guard key.status == "Inactive" else {
            throw ActionError(message: "access key \(keyID) of IAM user \(user) is still \(key.status)", retryable: true)
        }
        return ActionResult(
            outputs: ["verified": true, "user_name": .string(user), "access_key_id": .string(keyID), "status": "Inactive",
                      "residual_validity": .string(Self.residualValidity)],
            summary: "IAM lists access key \(keyID) of user \(user) as Inactive")
    }

    /// What stays usable after the key is deactivated.
    static let residualValidity = "Requests signed with the key are refused once IAM has propagated the change (usually seconds); temporary credentials already issued via STS with this key stay valid until they expire (up to 36 hours for GetSessionToken and GetFederationToken, up to 12 hours for AssumeRole)."

    /// `user_name`, or the owner IAM reports for the key (`GetAccessKeyLastUsed` answers the
    /// user name for any existing key), so an operator needs only the leaked key id.
    static func user(_ call: ActionCall, keyID: String, iam: AWSClient) async throws(ActionError) -> String {
        if let given = try call.string("user_name"), !given.isEmpty { return given }
        let used: AWSIAMAccessKeys.LastUsed
        do { used = try await AWSIAMAccessKeys(iam: iam).lastUsed(keyID: keyID) } catch { throw error.actionError }
        guard !used.userName.isEmpty else {
            throw ActionError(message: "IAM did not name the user owning access key \(keyID); give user_name", retryable: false)
        }
        return used.userName
    }

    static func keyID(_ call: ActionCall) throws(ActionError) -> String {
        let keyID = try call.requiredString("access_key_id")
        guard keyID.count >= 16, keyID.count <= 128, keyID.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
            throw .invalid("parameter 'access_key_id' must be an access key ID such as AKIAIOSFODNN7EXAMPLE (16–128 letters and digits)")
        }
        return keyID
    }

    static func parameters(_ call: ActionCall) throws(ActionError) -> (String, String) {
        (try call.requiredString("user_name"), try keyID(call))
    }
}
