#!/usr/bin/env python3
"""Fake Microsoft identity platform, Microsoft Graph and Azure Key Vault for qrun's tests.

One server, three services on different path prefixes (point qrun's settings at them):

  /login/{tenant}/oauth2/v2.0/token        authority     = http://127.0.0.1:PORT/login
  /graph/v1.0/...                          graph_endpoint = http://127.0.0.1:PORT/graph
  /kv/secrets/...                          vault_url      = http://127.0.0.1:PORT/kv

Written from the providers' documentation; what was followed:

- Client credentials flow (learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow):
  POST {authority}/{tenant}/oauth2/v2.0/token, form client_id, client_secret, scope={resource}/.default,
  grant_type=client_credentials. Success: {"token_type":"Bearer","expires_in":3599,"ext_expires_in":3599,
  "access_token":...}. Errors: {"error","error_description":"AADSTSnnnn: ...\\r\\nTrace ID: ...",
  "error_codes":[n],"timestamp","trace_id","correlation_id","error_uri"}; invalid_client (AADSTS7000215,
  wrong secret) is 401; unknown client AADSTS700016 (unauthorized_client), unknown tenant AADSTS90002,
  scope without /.default AADSTS1002012 (invalid_scope), unknown resource AADSTS500011 are 400.
  Access tokens are audience-bound: a Graph token is refused by Key Vault and the other way round.
- Graph application / servicePrincipal (learn.microsoft.com/graph/api/application-removepassword,
  serviceprincipal-removepassword, application-get): POST /v1.0/applications/{id}/removePassword
  {"keyId": guid} -> 204 No Content; GET /v1.0/applications/{id}?$select=... with passwordCredentials
  ({customKeyIdentifier, displayName, endDateTime, hint, keyId, secretText: null, startDateTime}).
  Errors {"error":{"code","message","innerError":{"date","request-id","client-request-id"}}}:
  404 Request_ResourceNotFound ("Resource 'x' does not exist or one of its queried reference-property
  objects are not present."), 403 Authorization_RequestDenied ("Insufficient privileges to complete the
  operation."), 401 InvalidAuthenticationToken, 429 TooManyRequests with Retry-After. Removing a keyId
  that is not present answers 400 "No password credential found with keyId ..." (the text Terraform's
  azuread provider and Vault's Azure secrets engine match on).
- Key Vault secrets REST 7.4 (learn.microsoft.com/rest/api/keyvault/secrets; azure-rest-api-specs
  stable/7.4 examples SetSecret, GetSecret, GetSecretVersions, UpdateSecret): PUT /secrets/{name}
  {"value","tags","contentType","attributes"} -> 200 bundle with id {vault}/secrets/{name}/{version};
  GET /secrets/{name}[/{version}] (includes value; 403 Forbidden/SecretDisabled for a disabled version);
  GET /secrets/{name}/versions -> {"value":[items without value],"nextLink"} (paged, maxresults <= 25,
  order not by time); PATCH /secrets/{name}/{version} {"attributes":{"enabled":false}} -> bundle
  without value. Errors {"error":{"code","message","innererror"}}: 401 Unauthorized AKV10000 (no token,
  with WWW-Authenticate), AKV10022 (invalid audience), 403 Forbidden/AccessDenied, 404 SecretNotFound,
  429 Throttled with Retry-After. Permissions get / list / set as in access policies.

Control API (tests only):
  POST /_fake/reset                              forget everything
  GET  /_fake/state                              dump (no secret values; value_sha256 instead)
  POST /_fake/applications                       {"tenant","id","appId","displayName","roles":[...],
                                                  "vault_permissions":[...],"passwordCredentials":[{"keyId",
                                                  "displayName","endDateTime","secretText"}]}
  POST /_fake/servicePrincipals                  same shape
  POST /_fake/secrets                            {"name","value","tags","enabled","contentType"} -> {"version"}
  POST /_fake/fault                              {"prefix":"/graph","method":"PUT","status":503,"count":1,
                                                  "retry_after":7,"after":false}  after=true: do the work, then
                                                  answer the fault (a lost response); method optional
  POST /_fake/revoke-tokens                      forget every issued access token (resources answer 401)
  POST /_fake/config                             {"token_lifetime":3599,"page_size":25}

Listens on 127.0.0.1, port 0; prints "PORT <n>" when ready.
"""
import hashlib
import json
import re
import secrets as rnd
import threading
import time
import uuid
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

GRAPH_AUD = "https://graph.microsoft.com"
VAULT_AUD = "https://vault.azure.net"
RESOURCES = {GRAPH_AUD, VAULT_AUD}
GRAPH_READ = {"Application.Read.All", "Application.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"}
GRAPH_WRITE = {"Application.ReadWrite.All", "Directory.ReadWrite.All"}
NAME_RE = re.compile(r"^[0-9a-zA-Z-]{1,127}$")
API_VERSIONS = {"7.4", "7.5"}

LOCK = threading.Lock()


def fresh_state():
    return {
        "applications": {}, "servicePrincipals": {}, "secrets": {}, "tokens": {},
        "faults": [], "token_lifetime": 3599, "page_size": 25,
        "tokens_issued": [], "mutations": {"removePassword": 0, "setSecret": 0, "updateSecret": 0},
        "requests": [],
    }


STATE = fresh_state()


def now_iso():
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def is_guid(s):
    try:
        uuid.UUID(str(s))
        return len(str(s)) == 36
    except ValueError:
        return False


def aad_error(status, error, code, text):
    trace, corr = str(uuid.uuid4()), str(uuid.uuid4())
    stamp = now_iso()
    return status, {
        "error": error,
        "error_description": f"AADSTS{code}: {text}\r\nTrace ID: {trace}\r\nCorrelation ID: {corr}\r\nTimestamp: {stamp}",
        "error_codes": [code], "timestamp": stamp, "trace_id": trace, "correlation_id": corr,
        "error_uri": f"https://login.microsoftonline.com/error?code={code}",
    }, {}


def graph_error(status, code, message, headers=None):
    inner = {"date": now_iso(), "request-id": str(uuid.uuid4()), "client-request-id": str(uuid.uuid4())}
    return status, {"error": {"code": code, "message": message, "innerError": inner}}, headers or {}


def kv_error(status, code, message, inner=None, headers=None):
    err = {"code": code, "message": message}
    if inner:
        err["innererror"] = {"code": inner}
    return status, {"error": err}, headers or {}


def fault_body(prefix, status):
    if prefix.startswith("/login"):
        return aad_error(status, "temporarily_unavailable", 90033, "A transient error has occurred. Please try again.")[1]
    if prefix.startswith("/graph"):
        code = "TooManyRequests" if status == 429 else "serviceNotAvailable"
        return graph_error(status, code, "Too many requests." if status == 429 else "Service unavailable.")[1]
    if status == 429:
        return kv_error(429, "Throttled", "Request was not processed because too many requests were received. Reason: VaultRequestTypeLimitReached")[1]
    return kv_error(status, "ServiceUnavailable", "The service is temporarily unavailable.")[1]


# ---------------------------------------------------------------- identity platform

def credentials_for(tenant, client_id):
    """Every password credential of the application and service principal with this appId."""
    found, creds = None, []
    for kind in ("applications", "servicePrincipals"):
        for obj in STATE[kind].values():
            if obj["tenant"] == tenant and obj["appId"] == client_id:
                found = found or obj
                creds += obj["passwordCredentials"]
    return found, creds


def token_endpoint(tenant, form):
    def one(name):
        v = form.get(name)
        return v[0] if v else None
    tenants = {o["tenant"] for k in ("applications", "servicePrincipals") for o in STATE[k].values()}
    if tenant not in tenants:
        return aad_error(400, "invalid_request", 90002, f"Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.")
    for name in ("grant_type", "client_id", "scope"):
        if not one(name):
            return aad_error(400, "invalid_request", 900144, f"The request body must contain the following parameter: '{name}'.")
    if one("grant_type") != "client_credentials":
        return aad_error(400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type.")
    client_id = one("client_id")
    app, creds = credentials_for(tenant, client_id)
    if app is None:
        return aad_error(400, "unauthorized_client", 700016, f"Application with identifier '{client_id}' was not found in the directory '{tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.")
    secret = one("client_secret")
    if not secret:
        return aad_error(401, "invalid_client", 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.")
    match = [c for c in creds if c.get("secretText") and rnd.compare_digest(c["secretText"], secret)]
    if not match:
        return aad_error(401, "invalid_client", 7000215, f"Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{client_id}'.")
    end = match[0].get("endDateTime")
    if end and end < now_iso():
        return aad_error(401, "invalid_client", 7000222, f"The provided client secret keys for app '{client_id}' are expired.")
    scope = one("scope")
    if not scope.endswith("/.default") or " " in scope:
        return aad_error(400, "invalid_scope", 1002012, f"The provided value for scope {scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).")
    resource = scope[: -len("/.default")]
    if resource not in RESOURCES:
        return aad_error(400, "invalid_resource", 500011, f"The resource principal named {resource} was not found in the tenant named {tenant}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.")
    token = "fake-at-" + rnd.token_urlsafe(24)
    lifetime = STATE["token_lifetime"]
    STATE["tokens"][token] = {
        "aud": resource, "tenant": tenant, "appid": client_id, "oid": app["id"], "exp": time.time() + lifetime,
        "roles": list(app.get("roles", [])), "vault_permissions": list(app.get("vault_permissions", [])),
    }
    STATE["tokens_issued"].append({"client_id": client_id, "scope": scope})
    return 200, {"token_type": "Bearer", "expires_in": lifetime, "ext_expires_in": lifetime, "access_token": token}, {}


def bearer(headers):
    h = headers.get("Authorization") or ""
    if not h.startswith("Bearer ") or not h[7:].strip():
        return None, "missing"
    tok = STATE["tokens"].get(h[7:].strip())
    if tok is None:
        return None, "unknown"
    if tok["exp"] < time.time():
        return None, "expired"
    return tok, None


# ---------------------------------------------------------------- Graph

def graph_view(obj, select):
    full = {
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#applications/$entity",
        "id": obj["id"], "appId": obj["appId"], "displayName": obj.get("displayName"),
        "passwordCredentials": [{
            "customKeyIdentifier": None, "displayName": c.get("displayName"), "endDateTime": c.get("endDateTime"),
            "hint": (c.get("secretText") or "")[:3] or None, "keyId": c["keyId"], "secretText": None,
            "startDateTime": c.get("startDateTime"),
        } for c in obj["passwordCredentials"]],
    }
    if select:
        keep = set(select.split(",")) | {"@odata.context"}
        full = {k: v for k, v in full.items() if k in keep}
    return full


def graph(method, path, query, headers, body):
    tok, why = bearer(headers)
    if tok is None:
        msg = {"missing": "Access token is empty.", "unknown": "Access token validation failure. Invalid signature.",
               "expired": "Lifetime validation failed, the token is expired."}[why]
        return graph_error(401, "InvalidAuthenticationToken", msg, {"WWW-Authenticate": 'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize"'})
    if tok["aud"] != GRAPH_AUD:
        return graph_error(401, "InvalidAuthenticationToken", "Access token validation failure. Invalid audience.")
    m = re.fullmatch(r"/v1\.0/(applications|servicePrincipals)/([^/]+)(/removePassword)?", path)
    if not m:
        return graph_error(400, "BadRequest", f"Resource not found for the segment '{path.strip('/').split('/')[-1]}'.")
    kind, oid, action = m.group(1), m.group(2), m.group(3)
    roles = set(tok["roles"])
    needed = GRAPH_WRITE if action else GRAPH_READ
    if not roles & needed:
        return graph_error(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
    if not is_guid(oid):
        return graph_error(400, "Request_BadRequest", f"Invalid object identifier '{oid}'.")
    obj = STATE[kind].get(oid.lower())
    if obj is None or obj["tenant"] != tok["tenant"]:
        return graph_error(404, "Request_ResourceNotFound", f"Resource '{oid}' does not exist or one of its queried reference-property objects are not present.")
    if action is None:
        if method != "GET":
            return graph_error(405, "Request_BadRequest", "Specified HTTP method is not allowed for the request target.")
        return 200, graph_view(obj, (query.get("$select") or [None])[0]), {}
    if method != "POST":
        return graph_error(405, "Request_BadRequest", "Specified HTTP method is not allowed for the request target.")
    try:
        key_id = json.loads(body or b"{}").get("keyId")
    except (ValueError, AttributeError):
        return graph_error(400, "BadRequest", "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.")
    if not is_guid(key_id):
        return graph_error(400, "Request_BadRequest", "Invalid value specified for property 'keyId' of resource 'PasswordCredential'.")
    creds = obj["passwordCredentials"]
    keep = [c for c in creds if c["keyId"].lower() != key_id.lower()]
    if len(keep) == len(creds):
        return graph_error(400, "Request_BadRequest", f"No password credential found with keyId {key_id}.")
    obj["passwordCredentials"] = keep
    STATE["mutations"]["removePassword"] += 1
    return 204, None, {}


# ---------------------------------------------------------------- Key Vault

def kv_base(headers):
    return f"http://{headers.get('Host')}/kv"


def kv_item(base, name, v, with_value):
    out = {"id": f"{base}/secrets/{name}/{v['version']}",
           "attributes": {"enabled": v["enabled"], "created": v["created"], "updated": v["updated"],
                          "recoveryLevel": "Recoverable+Purgeable", "recoverableDays": 90}}
    if v.get("tags"):
        out["tags"] = dict(v["tags"])
    if v.get("contentType"):
        out["contentType"] = v["contentType"]
    if with_value:
        out["value"] = v["value"]
    return out


def new_version(name, value, tags=None, enabled=True, content_type=None):
    t = int(time.time())
    v = {"version": uuid.uuid4().hex, "value": value, "enabled": enabled, "created": t, "updated": t,
         "tags": dict(tags or {}), "contentType": content_type}
    STATE["secrets"].setdefault(name, []).append(v)
    return v


def keyvault(method, path, query, headers, body):
    base = kv_base(headers)
    tok, why = bearer(headers)
    if tok is None:
        challenge = {"WWW-Authenticate": f'Bearer authorization="https://login.microsoftonline.com/common", resource="{VAULT_AUD}"'}
        msg = {"missing": "AKV10000: Request is missing a Bearer or PoP token.",
               "unknown": "AKV10032: Invalid issuer.", "expired": "AKV10021: Invalid token lifetime."}[why]
        return kv_error(401, "Unauthorized", msg, headers=challenge)
    if tok["aud"] != VAULT_AUD:
        return kv_error(401, "Unauthorized", f"AKV10022: Invalid audience. Expected {VAULT_AUD}, found: {tok['aud']}.")
    api = (query.get("api-version") or [None])[0]
    if api not in API_VERSIONS:
        return kv_error(400, "BadParameter", f"The specified version ({api}) is not recognized. Consider using the latest supported version (7.4).")
    parts = path.split("/")  # ['', 'secrets', name, version?]
    if len(parts) < 3 or parts[1] != "secrets":
        return kv_error(404, "NotFound", "The requested resource was not found.")
    name = parts[2]
    rest = parts[3] if len(parts) > 3 else ""
    if not NAME_RE.match(name):
        return kv_error(400, "BadParameter", f"The request URI contains an invalid name: {name}")

    def deny(perm):
        if perm in tok["vault_permissions"]:
            return None
        return kv_error(403, "Forbidden", f"The user, group or application 'appid={tok['appid']};oid={tok['oid']};iss=https://sts.windows.net/{tok['tenant']}/' does not have secrets {perm} permission on key vault 'fakevault;location=westeurope'. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125287", "AccessDenied")

    versions = STATE["secrets"].get(name, [])
    not_found = kv_error(404, "SecretNotFound", f"A secret with (name/id) {name}{'/' + rest if rest else ''} was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182")
    if method == "PUT" and rest == "":
        if (d := deny("set")):
            return d
        try:
            req = json.loads(body or b"{}")
        except ValueError:
            return kv_error(400, "BadParameter", "The request body is not valid JSON.")
        if not isinstance(req.get("value"), str):
            return kv_error(400, "BadParameter", "Property 'value' is required.")
        tags = req.get("tags") or {}
        if not isinstance(tags, dict) or len(tags) > 15 or not all(isinstance(v, str) and len(v) <= 256 for v in tags.values()):
            return kv_error(400, "BadParameter", "Tags must be at most 15 string values of at most 256 characters.")
        enabled = (req.get("attributes") or {}).get("enabled", True)
        v = new_version(name, req["value"], tags, enabled, req.get("contentType"))
        STATE["mutations"]["setSecret"] += 1
        return 200, kv_item(base, name, v, True), {}
    if method == "GET" and rest == "versions":
        if (d := deny("list")):
            return d
        size = min(int((query.get("maxresults") or [STATE["page_size"]])[0]), STATE["page_size"], 25)
        start = int((query.get("$skiptoken") or ["0"])[0])
        ordered = sorted(versions, key=lambda v: v["version"])  # not creation order, as in the service
        page = ordered[start:start + size]
        more = start + size < len(ordered)
        nxt = f"{base}/secrets/{name}/versions?api-version={api}&$skiptoken={start + size}&maxresults={size}" if more else None
        return 200, {"value": [kv_item(base, name, v, False) for v in page], "nextLink": nxt}, {}
    if method == "GET":
        if (d := deny("get")):
            return d
        v = versions[-1] if versions and rest == "" else next((x for x in versions if x["version"] == rest), None)
        if v is None:
            return not_found
        if not v["enabled"]:
            return kv_error(403, "Forbidden", "Operation get is not allowed on a disabled secret.", "SecretDisabled")
        return 200, kv_item(base, name, v, True), {}
    if method == "PATCH":
        if (d := deny("set")):
            return d
        v = versions[-1] if versions and rest == "" else next((x for x in versions if x["version"] == rest), None)
        if v is None:
            return not_found
        try:
            req = json.loads(body or b"{}")
        except ValueError:
            return kv_error(400, "BadParameter", "The request body is not valid JSON.")
        if "enabled" in (req.get("attributes") or {}):
            v["enabled"] = bool(req["attributes"]["enabled"])
        if "tags" in req:
            v["tags"] = dict(req["tags"] or {})
        if "contentType" in req:
            v["contentType"] = req["contentType"]
        v["updated"] = int(time.time())
        STATE["mutations"]["updateSecret"] += 1
        return 200, kv_item(base, name, v, False), {}
    return kv_error(405, "BadParameter", "The HTTP method is not supported for this resource.")


# ---------------------------------------------------------------- control API

def dump():
    def obj_view(o):
        return {"tenant": o["tenant"], "id": o["id"], "appId": o["appId"], "displayName": o.get("displayName"),
                "keyIds": [c["keyId"] for c in o["passwordCredentials"]]}
    return {
        "applications": {k: obj_view(o) for k, o in STATE["applications"].items()},
        "servicePrincipals": {k: obj_view(o) for k, o in STATE["servicePrincipals"].items()},
        "secrets": {n: [{"version": v["version"], "enabled": v["enabled"], "tags": v["tags"],
                         "contentType": v["contentType"], "value_length": len(v["value"]),
                         "value_sha256": hashlib.sha256(v["value"].encode()).hexdigest()} for v in vs]
                    for n, vs in STATE["secrets"].items()},
        "tokens_issued": STATE["tokens_issued"], "mutations": STATE["mutations"], "requests": STATE["requests"],
        "faults": STATE["faults"],
    }


def control(method, path, body):
    global STATE
    req = json.loads(body) if body else {}
    if path == "/_fake/state" and method == "GET":
        return 200, dump(), {}
    if method != "POST":
        return 405, {"error": "POST only"}, {}
    if path == "/_fake/reset":
        STATE = fresh_state()
        return 200, {}, {}
    if path in ("/_fake/applications", "/_fake/servicePrincipals"):
        kind = path.rsplit("/", 1)[1]
        obj = {"tenant": req["tenant"], "id": req["id"].lower(), "appId": req["appId"], "displayName": req.get("displayName"),
               "roles": req.get("roles", []), "vault_permissions": req.get("vault_permissions", []),
               "passwordCredentials": [dict(c) for c in req.get("passwordCredentials", [])]}
        for c in obj["passwordCredentials"]:
            c.setdefault("startDateTime", now_iso())
        STATE[kind][obj["id"]] = obj
        return 200, {}, {}
    if path == "/_fake/secrets":
        v = new_version(req["name"], req["value"], req.get("tags"), req.get("enabled", True), req.get("contentType"))
        return 200, {"version": v["version"]}, {}
    if path == "/_fake/fault":
        STATE["faults"].append({"prefix": req.get("prefix", "/"), "method": req.get("method"), "status": int(req.get("status", 503)),
                                "count": int(req.get("count", 1)), "retry_after": req.get("retry_after"),
                                "after": bool(req.get("after", False))})
        return 200, {}, {}
    if path == "/_fake/revoke-tokens":
        STATE["tokens"].clear()
        return 200, {}, {}
    if path == "/_fake/config":
        for k in ("token_lifetime", "page_size"):
            if k in req:
                STATE[k] = int(req[k])
        return 200, {}, {}
    return 404, {"error": "unknown control path"}, {}


class Handler(BaseHTTPRequestHandler):
    # Headers and body go out in separate writes; without TCP_NODELAY each answer waits ~40 ms
    # for a delayed ACK (Nagle), which is not how a real provider behaves.
    disable_nagle_algorithm = True
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def handle_any(self):
        parts = urlsplit(self.path)
        path, query = parts.path, parse_qs(parts.query)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        with LOCK:
            if path.startswith("/_fake/"):
                result = control(self.command, path, body)
            else:
                result = self.dispatch(path, query, body)
        self.reply(*result)

    def dispatch(self, path, query, body):
        STATE["requests"].append(f"{self.command} {path}")
        fault = next((f for f in STATE["faults"] if f["count"] > 0 and path.startswith(f["prefix"])
                      and f["method"] in (None, self.command)), None)
        if fault and not fault["after"]:
            return self.faulted(fault, path)
        result = self.route(path, query, body)
        if fault:
            return self.faulted(fault, path)
        return result

    def faulted(self, fault, path):
        fault["count"] -= 1
        headers = {"Retry-After": str(fault["retry_after"])} if fault["retry_after"] is not None else {}
        return fault["status"], fault_body(path, fault["status"]), headers

    def route(self, path, query, body):
        m = re.fullmatch(r"/login/([^/]+)/oauth2/v2\.0/token", path)
        if m:
            if self.command != "POST":
                return aad_error(400, "invalid_request", 900561, "The endpoint only accepts POST requests.")
            if not (self.headers.get("Content-Type") or "").startswith("application/x-www-form-urlencoded"):
                return aad_error(400, "invalid_request", 900144, "The request body must contain the following parameter: 'grant_type'.")
            return token_endpoint(m.group(1), parse_qs(body.decode(), keep_blank_values=True))
        if path.startswith("/graph/"):
            return graph(self.command, path[len("/graph"):], query, self.headers, body)
        if path.startswith("/kv/"):
            return keyvault(self.command, path[len("/kv"):], query, self.headers, body)
        return 404, {"error": "no such service"}, {}

    def reply(self, status, obj, headers):
        data = b"" if obj is None else json.dumps(obj).encode()
        self.send_response(status)
        if data:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        if data:
            self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = handle_any


if __name__ == "__main__":
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(f"PORT {server.server_address[1]}", flush=True)
    server.serve_forever()
