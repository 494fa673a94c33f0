import Foundation
import QRunCore

/// Read-only IAM look-ups shared by the access-key actions.
struct AWSIAMAccessKeys {
    let iam: AWSClient

    /// One access key of a user as `ListAccessKeys` shows it.
    struct Key: Sendable {
        var id: String
        var status: String
        var createDate: String
    }

    /// What `GetAccessKeyLastUsed` says about a key.
    struct LastUsed: Sendable {
        var userName: String
        var date: String?
        var service: String?
        var region: String?

        /// Plan outputs (`last_used_date`, `last_used_service`, `last_used_region`); absent fields are null.
        var outputs: [String: Value] {
            ["last_used_date": date.map(Value.string) ?? .null,
             "last_used_service": service.map(Value.string) ?? .null,
             "last_used_region": region.map(Value.string) ?? .null]
        }

        /// `last used 2026-11-20T10:00:00Z by s3 in eu-west-1` or `never used`.
        var sentence: String {
            guard let date else { return "never used" }
            var s = "last used \(date)"
            if let service { s += " by \(service)" }
            if let region { s += " in \(region)" }
            return s
        }
    }

    /// Every access key of `user` (following `Marker` pages).
    func list(user: String) async throws(AWSError) -> [Key] {
        var keys: [Key] = []
        var marker: String?
        repeat {
            var params = [("UserName", user)]
            if let marker { params.append(("Marker", marker)) }
            let xml = try await iam.query("ListAccessKeys", params)
            for m in xml.all("member") where m.child("AccessKeyId") != nil {
                keys.append(Key(id: m.child("AccessKeyId")?.text ?? "", status: m.child("Status")?.text ?? "",
                                createDate: m.child("CreateDate")?.text ?? ""))
            }
            marker = xml.text(of: "IsTruncated") == "true" ? xml.text(of: "Marker") : nil
        } while marker != nil
        return keys
    }

    /// `GetAccessKeyLastUsed`; `N/A` fields (never used) come back as nil.
    func lastUsed(keyID: String) async throws(AWSError) -> LastUsed {
        let xml = try await iam.query("GetAccessKeyLastUsed", [("AccessKeyId", keyID)])
        func field(_ name: String) -> String? {
            guard let t = xml.first("AccessKeyLastUsed")?.child(name)?.text, !t.isEmpty, t != "N/A" else { return nil }
            return t
        }
        return LastUsed(userName: xml.text(of: "UserName") ?? "", date: field("LastUsedDate"),
                        service: field("ServiceName"), region: field("Region"))
    }

    /// Plan checks shared by deactivate and delete: the key exists, belongs to `user`, and its
    /// last use. Throws a non-retryable error naming what is wrong.
    func planCheck(user: String, keyID: String) async throws(ActionError) -> (Key, LastUsed) {
        let keys: [Key]
        do { keys = try await list(user: user) } catch { throw error.actionError }
        guard let key = keys.first(where: { $0.id == keyID }) else {
            throw ActionError(message: "IAM user \(user) has no access key \(keyID) (it has \(keys.count) key\(keys.count == 1 ? "" : "s")); check user_name and access_key_id", retryable: false)
        }
        let used: LastUsed
        do { used = try await lastUsed(keyID: keyID) } catch { throw error.actionError }
        if !used.userName.isEmpty && used.userName != user {
            throw ActionError(message: "access key \(keyID) belongs to IAM user \(used.userName), not \(user)", retryable: false)
        }
        return (key, used)
    }
}

extension AWSError {
    /// Whether IAM said the entity does not exist.
    var isNoSuchEntity: Bool { code == "NoSuchEntity" || code == "NoSuchEntityException" }
}
