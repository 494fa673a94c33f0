import Foundation
import QRunCore

/// The directory object a client secret belongs to: an application (app registration) or a
/// service principal (enterprise application). Both carry `passwordCredentials` and both answer
/// `removePassword`.
struct GraphPasswordOwner: Sendable, Equatable {
    enum Kind: String, Sendable {
        case application = "applications"
        case servicePrincipal = "servicePrincipals"

        /// Words for people.
        var noun: String { self == .application ? "application" : "service principal" }
    }

    var kind: Kind
    /// The object id (not the appId).
    var objectID: String

    /// Reads `application_object_id` or `service_principal_id` (exactly one, a GUID).
    static func from(_ call: ActionCall) throws(ActionError) -> GraphPasswordOwner {
        let app = try call.string("application_object_id").flatMap { $0.isEmpty ? nil : $0 }
        let sp = try call.string("service_principal_id").flatMap { $0.isEmpty ? nil : $0 }
        switch (app, sp) {
        case (let id?, nil):
            guard AzureEndpoint.isGUID(id) else { throw .invalid("application_object_id '\(id)' is not an object id (a GUID such as 00000000-0000-0000-0000-000000000000)") }
            return GraphPasswordOwner(kind: .application, objectID: id.lowercased())
        case (nil, let id?):
            guard AzureEndpoint.isGUID(id) else { throw .invalid("service_principal_id '\(id)' is not an object id (a GUID such as 00000000-0000-0000-0000-000000000000)") }
            return GraphPasswordOwner(kind: .servicePrincipal, objectID: id.lowercased())
        case (nil, nil):
            throw .invalid("give application_object_id (the app registration's object id) or service_principal_id")
        case (_?, _?):
            throw .invalid("give only one of application_object_id and service_principal_id")
        }
    }

    /// `{graph}/v1.0/{applications|servicePrincipals}/{id}` plus `suffix`.
    func url(_ graph: URL, _ suffix: String = "", query: [(String, String)] = []) -> URL {
        AzureEndpoint.url(graph, "/v1.0/\(kind.rawValue)/\(objectID)\(suffix)", query: query)
    }
}
