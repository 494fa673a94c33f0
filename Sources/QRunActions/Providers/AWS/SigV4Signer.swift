import Crypto
import Foundation
import QRunCore

/// AWS Signature Version 4 (header form), written from the published specification and checked
/// against AWS's own test suite (`Tests/Fixtures/aws/sigv4-test-suite.json`).
///
/// Rules implemented:
/// - Canonical URI: the path *as sent on the wire*, dot segments and repeated slashes removed
///   (every service but S3, which qrun does not call), then URI-encoded once more with `/` kept.
///   A path sent as `/a%3Ab` is therefore signed as `/a%253Ab`, as botocore does.
/// - Canonical query: names and values URI-encoded (unreserved `A-Za-z0-9-_.~` literal, all else
///   `%XX` upper-case), sorted by name then value.
/// - Canonical headers: names lower-cased and sorted; values trimmed, inner runs of spaces
///   collapsed to one; repeated headers joined with `,` in the order given. Every header passed in
///   is signed (callers pass `host`, `content-type`, `x-amz-target`…; never `content-length` or
///   `authorization`).
/// - `X-Amz-Date` is added when absent; `X-Amz-Security-Token` is added and signed when the
///   credentials carry a session token.
public struct SigV4Signer: Sendable {
    /// The signing credentials.
    public var credentials: AWSCredentials
    /// The signing region (`us-east-1` for IAM in the `aws` partition).
    public var region: String
    /// The signing name of the service (`iam`, `secretsmanager`, `braket`, `sts`).
    public var service: String

    /// Creates a signer.
    public init(credentials: AWSCredentials, region: String, service: String) {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// Everything signing produced; the intermediate strings are kept for tests and diagnostics.
    public struct Signature: Sendable {
        /// The canonical request (step 1 of the specification).
        public var canonicalRequest: String
        /// The string to sign (step 2).
        public var stringToSign: String
        /// The `Authorization` header value.
        public var authorization: String
        /// Headers to send: the ones given, plus `X-Amz-Date`, `X-Amz-Security-Token` and `Authorization`.
        public var headers: [(String, String)]
    }

    /// Signs a request. `path` is the path exactly as it goes on the wire (already percent-encoded
    /// where it needs to be); `query` holds decoded name/value pairs; `headers` must include `host`.
    public func sign(method: String, path: String, query: [(String, String)] = [], headers: [(String, String)],
                     body: Data = Data(), date: Date) -> Signature {
        let amzDate = Self.timestamps(date).amzDate
        var all = headers
        if !all.contains(where: { $0.0.lowercased() == "x-amz-date" }) { all.append(("X-Amz-Date", amzDate)) }
        if let token = credentials.sessionToken, !all.contains(where: { $0.0.lowercased() == "x-amz-security-token" }) {
            all.append(("X-Amz-Security-Token", token))
        }
        let signedDate = all.first { $0.0.lowercased() == "x-amz-date" }?.1 ?? amzDate
        let (canonicalHeaders, signedHeaders) = Self.canonicalHeaders(all)
        let canonicalRequest = [
            method.uppercased(),
            Self.canonicalURI(path),
            Self.canonicalQuery(query),
            canonicalHeaders,
            signedHeaders,
            Digest.sha256Hex(body),
        ].joined(separator: "\n")
        let scopeDay = String(signedDate.prefix(8))
        let scope = "\(scopeDay)/\(region)/\(service)/aws4_request"
        let stringToSign = ["AWS4-HMAC-SHA256", signedDate, scope, Digest.sha256Hex(canonicalRequest)].joined(separator: "\n")
        let signature = Digest.hex(Self.hmac(signingKey(day: scopeDay), Data(stringToSign.utf8)))
        let authorization = "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope), SignedHeaders=\(signedHeaders), Signature=\(signature)"
        all.append(("Authorization", authorization))
        return Signature(canonicalRequest: canonicalRequest, stringToSign: stringToSign, authorization: authorization, headers: all)
    }

    /// `kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, day), region), service), "aws4_request")`.
    func signingKey(day: String) -> Data {
        var key = Data("AWS4\(credentials.secretAccessKey)".utf8)
        for part in [day, region, service, "aws4_request"] { key = Self.hmac(key, Data(part.utf8)) }
        return key
    }

    static func hmac(_ key: Data, _ message: Data) -> Data {
        Data(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: key)))
    }

    /// `20150830T123600Z` and `20150830` for a date, in UTC.
    public static func timestamps(_ date: Date) -> (amzDate: String, day: String) {
        let iso = Timestamp.format(date) // 2015-08-30T12:36:00.000Z
        let digits = iso.prefix(19).filter { $0 != "-" && $0 != ":" }
        return (digits + "Z", String(digits.prefix(8)))
    }

    /// The canonical URI of a wire path: normalised, then encoded once more (keeping `/`).
    public static func canonicalURI(_ path: String) -> String {
        PercentEncoding.uri(normalize(path.isEmpty ? "/" : path), keepSlash: true)
    }

    /// Removes `.` and `..` segments and empty segments (`//`), keeping a trailing slash.
    static func normalize(_ path: String) -> String {
        var out: [Substring] = []
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        for s in segments {
            switch s {
            case "", ".": continue
            case "..": if !out.isEmpty { out.removeLast() }
            default: out.append(s)
            }
        }
        var result = "/" + out.joined(separator: "/")
        let last = segments.last ?? ""
        if result != "/" && (last.isEmpty || last == "." || last == "..") { result += "/" }
        return result
    }

    /// The canonical query string of decoded name/value pairs.
    public static func canonicalQuery(_ items: [(String, String)]) -> String {
        items.map { (PercentEncoding.uri($0.0), PercentEncoding.uri($0.1)) }
            .sorted { $0.0 != $1.0 ? Array($0.0.utf8).lexicographicallyPrecedes(Array($1.0.utf8)) : Array($0.1.utf8).lexicographicallyPrecedes(Array($1.1.utf8)) }
            .map { "\($0.0)=\($0.1)" }
            .joined(separator: "&")
    }

    /// Canonical header block (each line ending in `\n`) and the signed-header list.
    static func canonicalHeaders(_ headers: [(String, String)]) -> (String, String) {
        var merged: [String: [String]] = [:]
        for (name, value) in headers {
            merged[name.lowercased().trimmingCharacters(in: .whitespaces), default: []].append(trimAll(value))
        }
        let names = merged.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        let block = names.map { "\($0):\(merged[$0]!.joined(separator: ","))\n" }.joined()
        return (block, names.joined(separator: ";"))
    }

    /// Trims a header value and collapses runs of spaces and tabs to one space.
    static func trimAll(_ value: String) -> String {
        var out = ""
        var pendingSpace = false
        for ch in value.trimmingCharacters(in: CharacterSet(charactersIn: " \t")) {
            if ch == " " || ch == "\t" { pendingSpace = true; continue }
            if pendingSpace { out.append(" "); pendingSpace = false }
            out.append(ch)
        }
        return out
    }
}
