import Foundation
import QRunCore

/// `aws.iam.access-key.delete`: deletes an IAM user's access key (`DeleteAccessKey`).
///
/// Idempotency: an intent marker written before the delete. IAM keeps no record of deleted keys,
/// so "the key is gone" cannot tell our own earlier delete from a mistyped key ID. `apply`
/// therefore first tags the user with `qrun:deleted-access-key:<KEY ID>` = a digest of the step's
/// idempotency key (`TagUser`), then deletes the key. When the key is already absent, the step
/// succeeds (`changed: false`) only if that tag carries this step's digest — i.e. this step
/// deleted it before a crash or a lost answer; otherwise it fails and says the key does not exist.
/// `NoSuchEntity` from `DeleteAccessKey` right after our own marker counts as deleted.
/// The tag stays on the user as an audit trail (IAM allows 50 tags per user).
///
/// - plan: `ListAccessKeys` and `GetAccessKeyLastUsed`.
/// - verify: `ListAccessKeys` no longer lists the key.
public struct AWSIAMAccessKeyDeleteAction: Action {
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
            name: "aws.iam.access-key.delete",
            summary: "Delete an IAM user's access key (DeleteAccessKey)",
            parameters: [
                ParameterSpec("user_name", .string, required: true, secret: .forbidden, description: "IAM user that owns the key"),
                ParameterSpec("access_key_id", .string, required: true, secret: .forbidden, description: "access key ID, e.g. AKIA…"),
            ],
            supportsVerify: true)
    }

    /// The user tag that records this step's intent to delete `keyID`.
    static func markerKey(_ keyID: String) -> String { "qrun:deleted-access-key:\(keyID)" }

    /// The marker's value: a digest of the idempotency key (never the key itself).
    static func markerValue(_ call: ActionCall) -> String {
        "qrun-" + String(Digest.sha256Hex("aws.iam.access-key.delete\n\(call.idempotencyKey)").prefix(40))
    }

    /// What applying would do, with the key's last use.
    public func plan(_ call: ActionCall) async throws -> ActionResult {
        let (user, keyID) = try AWSIAMAccessKeyDeactivateAction.parameters(call)
        let iam = try await configuration.client(.iam, call: call, transport: transport, now: now)
        let (key, used) = try await AWSIAMAccessKeys(iam: iam).planCheck(user: user, keyID: keyID)
        var outputs: [String: Value] = ["user_name": .string(user), "access_key_id": .string(keyID), "status": .string(key.status),
                                        "would_change": true]
        outputs.merge(used.outputs) { $1 }
        return ActionResult(outputs: outputs, summary: "would delete access key \(keyID) (\(key.status)) of IAM user \(user); \(used.sentence)")
    }

    /// Deletes the key, or recognises that this step already did.
    public func apply(_ call: ActionCall) async throws -> ActionResult {
        let (user, keyID) = try AWSIAMAccessKeyDeactivateAction.parameters(call)
        let iam = try await configuration.client(.iam, call: call, transport: transport, now: now)
        let marker = (Self.markerKey(keyID), Self.markerValue(call))
        var outputs: [String: Value] = ["user_name": .string(user), "access_key_id": .string(keyID), "deleted": true]
        let outcome: Outcome
        do { outcome = try await delete(iam, user: user, keyID: keyID, marker: marker, call: call) } catch { throw error.actionError }
        switch outcome {
        case .deleted:
            outputs["changed"] = true
            return ActionResult(outputs: outputs, summary: "deleted access key \(keyID) of IAM user \(user)")
        case .deletedEarlierByThisStep:
            outputs["changed"] = false
            return ActionResult(outputs: outputs, summary: "access key \(keyID) of IAM user \(user) was already deleted by this step")
        case .absent:
            throw ActionError(message: "IAM user \(user) has no access key \(keyID), and this step did not delete it; check user_name and access_key_id", retryable: false)
        }
    }

    enum Outcome { case deleted, deletedEarlierByThisStep, absent }

    /// Marker, then delete; or recognise the marker of an earlier attempt.
    func delete(_ iam: AWSClient, user: String, keyID: String, marker: (String, String), call: ActionCall) async throws(AWSError) -> Outcome {
        let keys = try await AWSIAMAccessKeys(iam: iam).list(user: user)
        guard keys.contains(where: { $0.id == keyID }) else {
            return try await hasMarker(iam, user: user, marker: marker) ? .deletedEarlierByThisStep : .absent
        }
        _ = try await iam.query("TagUser", [("UserName", user), ("Tags.member.1.Key", marker.0), ("Tags.member.1.Value", marker.1)])
        do {
            _ = try await iam.query("DeleteAccessKey", [("UserName", user), ("AccessKeyId", keyID)])
        } catch {
            guard error.isNoSuchEntity else { throw error }
            call.log("DeleteAccessKey answered NoSuchEntity after this step marked the key; counting it as deleted")
        }
        return .deleted
    }

    /// Whether the user carries this step's marker for the key.
    func hasMarker(_ iam: AWSClient, user: String, marker: (String, String)) async throws(AWSError) -> Bool {
        var next: String?
        repeat {
            var params = [("UserName", user)]
            if let next { params.append(("Marker", next)) }
            let xml = try await iam.query("ListUserTags", params)
            if xml.all("member").contains(where: { $0.child("Key")?.text == marker.0 && $0.child("Value")?.text == marker.1 }) {
                return true
            }
            next = xml.text(of: "IsTruncated") == "true" ? xml.text(of: "Marker") : nil
        } while next != nil
        return false
    }

    /// Proves the key is no longer listed.
    public func verify(_ call: ActionCall) async throws -> ActionResult {
        let (user, keyID) = try AWSIAMAccessKeyDeactivateAction.parameters(call)
        let iam = try await configuration.client(.iam, call: call, transport: transport, now: now)
        let keys: [AWSIAMAccessKeys.Key]
        do { keys = try await AWSIAMAccessKeys(iam: iam).list(user: user) } catch { throw error.actionError }
        if let key = keys.first(where: { $0.id == keyID }) {
            throw ActionError(message: "IAM still lists access key \(keyID) of user \(user) (\(key.status))", retryable: true)
        }
        return ActionResult(
            outputs: ["verified": true, "user_name": .string(user), "access_key_id": .string(keyID),
                      "residual_validity": .string(Self.residualValidity)],
            summary: "IAM no longer lists access key \(keyID) of user \(user)")
    }

    /// What stays usable after the key is deleted.
    static let residualValidity = "Requests signed with the deleted key are refused once IAM has propagated the change (usually seconds); temporary credentials already issued via STS with this key stay valid until they expire (up to 36 hours for GetSessionToken and GetFederationToken, up to 12 hours for AssumeRole)."
}
