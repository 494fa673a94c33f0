import Foundation
import QRunCore

/// What an `ibm.apikey.*` action does to an API key, and how to tell that it is done.
public enum IBMAPIKeyOperation: String, Sendable, CaseIterable {
    /// `POST /v1/apikeys/{id}/lock`: the key can no longer be changed or deleted; it still works.
    case lock
    /// `POST /v1/apikeys/{id}/disable`: the key can no longer be used to get tokens.
    case disable
    /// `DELETE /v1/apikeys/{id}`: the key is gone.
    case delete

    /// `ibm.apikey.lock` …
    var actionName: String { "ibm.apikey.\(rawValue)" }

    /// "locked", "disabled", "deleted".
    var pastTense: String {
        switch self {
        case .lock: return "locked"
        case .disable: return "disabled"
        case .delete: return "deleted"
        }
    }

    /// The write request.
    func request(_ id: String) -> (method: String, path: String) {
        let base = "/v1/apikeys/\(ProviderEndpoint.segment(id))"
        switch self {
        case .lock: return ("POST", base + "/lock")
        case .disable: return ("POST", base + "/disable")
        case .delete: return ("DELETE", base)
        }
    }

    /// Whether the effect is already in place (`key` nil: IAM does not know the id).
    func isDone(_ key: IBMAPIKey?) -> Bool {
        guard let key else { return self == .delete }
        switch self {
        case .lock: return key.locked
        case .disable: return key.disabled
        case .delete: return false
        }
    }

    /// Whether a lock on the key stops this operation (IAM: a locked key "cannot be changed").
    var blockedByLock: Bool { self != .lock }

    /// What stays usable after the effect, and for how long (for the incident report).
    var residualValidity: String {
        switch self {
        case .lock:
            return "Locking only stops changes to the API key: the key itself still authenticates, and IAM access tokens "
                + "issued with it stay valid until they expire (at most 60 minutes; IAM issues them with expires_in 3600). "
                + "Disable or delete the key to stop its use."
        case .disable, .delete:
            return "IAM access tokens already issued with this API key stay valid until they expire, at most 60 minutes "
                + "after issue (IAM issues them with expires_in 3600); IBM documents that existing tokens remain valid until expired."
        }
    }
}
