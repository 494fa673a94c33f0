import Foundation
import QRunCore

/// `aws.iam.revoke-older-sessions`: denies everything to every session of an IAM role issued
/// before now — the console's "Revoke active sessions" — by writing the inline policy
/// `AWSRevokeOlderSessions` (`Deny *` on `*` when `aws:TokenIssueTime` is before the cut-off).
///
/// Idempotency: the statement's `Sid` carries a digest of the step's idempotency key. `apply`
/// reads the role's `AWSRevokeOlderSessions` policy first; when it holds this step's `Sid`, its
/// cut-off time is reused and nothing is written, so a retry or a resume after a crash reports
/// the same `revoked_before`. A policy from an earlier incident (another `Sid`) is replaced with
/// a new cut-off, as the console does.
///
/// - plan: `GetRole` (the role exists) and `GetRolePolicy` (an earlier revocation's time).
/// - verify: `GetRolePolicy` holds this step's statement and cut-off.
public struct AWSIAMRevokeOlderSessionsAction: Action {
    let configuration: AWSConfiguration
    let transport: HTTPTransport
    let now: @Sendable () -> Date

    /// The policy name the AWS console uses for the same revocation.
    public static let policyName = "AWSRevokeOlderSessions"

    /// Creates the action.
    public init(configuration: AWSConfiguration, transport: HTTPTransport, now: @escaping @Sendable () -> Date = { Date() }) {
        self.configuration = configuration
        self.transport = transport
        self.now = now
    }

    /// Name, parameters, verify support.
    public var descriptor: ActionDescriptor {
        ActionDescriptor(
            name: "aws.iam.revoke-older-sessions",
            summary: "Deny every session of an IAM role issued before now (inline policy AWSRevokeOlderSessions)",
            parameters: [ParameterSpec("role_name", .string, required: true, secret: .forbidden, description: "IAM role whose sessions to revoke")],
            supportsVerify: true).declaring([
                OutputSpec("role_name", "string", "The role."),
                OutputSpec("policy_name", "string", "The inline policy holding the denial (AWSRevokeOlderSessions)."),
                OutputSpec("revoked_before", "string", "Sessions issued before this time are denied."),
                OutputSpec("changed", "bool", "Whether this call wrote the policy (false: this step already had)."),
                OutputSpec("verified", "bool", "verify: the policy denies sessions issued before the cutoff."),
                OutputSpec("residual_validity", "string", "verify: what stays valid."),
            ])
    }

    /// The statement ID that marks this step's policy (letters and digits only, as IAM requires).
    static func sid(_ call: ActionCall) -> String {
        "QrunRevoke" + String(Digest.sha256Hex("aws.iam.revoke-older-sessions\n\(call.idempotencyKey)").prefix(24))
    }

    /// The policy document for `cutoff` (`2026-11-25T08:00:00Z`).
    static func document(sid: String, cutoff: String) -> Value {
        ["Version": "2012-10-17",
         "Statement": [["Sid": .string(sid), "Effect": "Deny", "Action": ["*"], "Resource": ["*"],
                        "Condition": ["DateLessThan": ["aws:TokenIssueTime": .string(cutoff)]]]]]
    }

    /// The existing revocation policy: its `Sid` and cut-off, nil when the role has none.
    func existing(_ iam: AWSClient, role: String) async throws(AWSError) -> (sid: String, cutoff: String)? {
        let xml: AWSXMLNode
        do {
            xml = try await iam.query("GetRolePolicy", [("RoleName", role), ("PolicyName", Self.policyName)])
        } catch where error.isNoSuchEntity {
            return nil
        }
        // IAM returns the document URL-encoded (RFC 3986); some emulators return it plain.
        let raw = xml.text(of: "PolicyDocument") ?? ""
        let text = raw.hasPrefix("{") ? raw : (raw.removingPercentEncoding ?? raw)
        guard let statement = (try? Value.parseJSON(text))?["Statement"].flatMap({ $0.arrayValue?.first ?? $0 }) else {
            return ("", "")
        }
        let cutoff = statement["Condition"]?["DateLessThan"]?["aws:TokenIssueTime"]?.stringValue ?? ""
        return (statement["Sid"]?.stringValue ?? "", cutoff)
    }

    /// The role exists; reports an earlier revocation.
    public func plan(_ call: ActionCall) async throws -> ActionResult {
        let role = try call.requiredString("role_name")
        let iam = try await configuration.client(.iam, call: call, transport: transport, now: now)
        do {
            _ = try await iam.query("GetRole", [("RoleName", role)])
            let old = try await existing(iam, role: role)
            var outputs: [String: Value] = ["role_name": .string(role), "policy_name": .string(Self.policyName),
                                            "previous_revoked_before": old.map { .string($0.cutoff) } ?? .null]
            if let old, old.sid == Self.sid(call) {
                outputs["revoked_before"] = .string(old.cutoff)
                return ActionResult(outputs: outputs, summary: "sessions of IAM role \(role) issued before \(old.cutoff) are already denied by this step")
            }
            let earlier = old.map { " (replacing the revocation of sessions before \($0.cutoff))" } ?? ""
            return ActionResult(outputs: outputs, summary: "would deny every action to sessions of IAM role \(role) issued before the moment of apply\(earlier)")
        } catch where error.isNoSuchEntity {
            throw ActionError(message: "IAM role \(role) does not exist; check role_name", retryable: false)
        } catch {
            throw error.actionError
        }
    }

    /// Writes the deny policy with cut-off "now", or reuses this step's earlier one.
    public func apply(_ call: ActionCall) async throws -> ActionResult {
        let role = try call.requiredString("role_name")
        let iam = try await configuration.client(.iam, call: call, transport: transport, now: now)
        let sid = Self.sid(call)
        var outputs: [String: Value] = ["role_name": .string(role), "policy_name": .string(Self.policyName)]
        do {
            if let old = try await existing(iam, role: role), old.sid == sid, !old.cutoff.isEmpty {
                outputs["revoked_before"] = .string(old.cutoff)
                outputs["changed"] = false
                return ActionResult(outputs: outputs, summary: "sessions of IAM role \(role) issued before \(old.cutoff) were already revoked by this step")
            }
            let cutoff = String(Timestamp.format(now()).prefix(19)) + "Z"
            let document = Self.document(sid: sid, cutoff: cutoff).jsonText
            _ = try await iam.query("PutRolePolicy", [("RoleName", role), ("PolicyName", Self.policyName), ("PolicyDocument", document)])
            outputs["revoked_before"] = .string(cutoff)
            outputs["changed"] = true
            return ActionResult(outputs: outputs, summary: "denied every action to sessions of IAM role \(role) issued before \(cutoff)")
        } catch where error.isNoSuchEntity {
            throw ActionError(message: "IAM role \(role) does not exist; nothing was revoked", retryable: false)
        } catch {
            throw error.actionError
        }
    }

    /// Proves the role carries this step's deny policy.
    public func verify(_ call: ActionCall) async throws -> ActionResult {
        let role = try call.requiredString("role_name")
        let iam = try await configuration.client(.iam, call: call, transport: transport, now: now)
        let found: (sid: String, cutoff: String)?
        do { found = try await existing(iam, role: role) } catch { throw error.actionError }
        guard let found, found.sid == Self.sid(call), !found.cutoff.isEmpty else {
            throw ActionError(message: "IAM role \(role) does not carry this step's \(Self.policyName) policy", retryable: true)
        }
        let residual = "Sessions of role \(role) issued before \(found.cutoff) are denied every action once IAM has propagated the policy (usually seconds); sessions issued after it are not affected, so anyone who can still assume the role can start a new session until the credentials that allow it are revoked."
        return ActionResult(outputs: ["verified": true, "role_name": .string(role), "revoked_before": .string(found.cutoff),
                                      "residual_validity": .string(residual)],
                            summary: "IAM role \(role) denies sessions issued before \(found.cutoff)")
    }
}
