import Foundation
import QRunCore

/// Turns IBM error bodies into one readable phrase.
///
/// IAM answers `{"errorCode":"BXNIM0415E","errorMessage":"…","context":{"requestId":"…"}}`; the
/// Quantum Runtime API answers `{"errors":[{"code":"…","message":"…"}],"trace":"…"}`. The
/// request id or trace is kept: IBM support asks for it.
enum IBMErrorDetail {
    /// The phrase for `response`, or its first 200 bytes when the body has neither shape.
    static func describe(_ response: HTTPResponse) -> String {
        let json = response.json
        if let code = json["errorCode"]?.stringValue {
            var s = code
            if let m = json["errorMessage"]?.stringValue, !m.isEmpty { s += ": \(m)" }
            if let id = json["context"]?["requestId"]?.stringValue { s += " (request id \(id))" }
            return s
        }
        if let first = json["errors"]?.arrayValue?.first {
            var s = [first["code"]?.interpolationText, first["message"]?.stringValue].compactMap { $0 }.filter { !$0.isEmpty }
                .joined(separator: ": ")
            if let trace = json["trace"]?.stringValue { s += " (trace \(trace))" }
            return s
        }
        return response.text(limit: 200).replacingOccurrences(of: "\n", with: " ")
    }

    /// The IBM error code (`BXNIM0415E`, `1300`…), when the body has one.
    static func code(_ response: HTTPResponse) -> String? {
        let json = response.json
        return json["errorCode"]?.stringValue ?? json["errors"]?.arrayValue?.first?["code"]?.interpolationText
    }
}

extension HTTPResponse {
    /// An IBM failure as an ``ActionError``: retryable for 408/425/429/5xx (with `Retry-After`),
    /// with the IBM error code and message as the detail.
    func ibmError(_ what: String) -> ActionError {
        var e = error(what, detail: IBMErrorDetail.describe(self))
        if status == 401 || status == 403 {
            e.message += "; check that the IBM identity qrun uses (IBMCLOUD_API_KEY or providers.ibm.api_key) holds the needed IAM role"
        }
        return e
    }
}
