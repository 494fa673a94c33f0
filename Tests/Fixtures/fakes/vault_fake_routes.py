"""Routes of the fake Vault (see vault_fake.py for the sources followed). Each handler returns
(status, body, headers); a 200 body without `request_id` is wrapped in Vault's response envelope
by the server. Called with the state lock held."""
import re

from vault_fake_state import parse_ttl, rand62, now_rfc3339

DENIED = (403, {"errors": ["permission denied"]}, None)
NOT_FOUND = (404, {"errors": []}, None)
NO_HANDLER = "unsupported path"


def err(status, *messages):
    return status, {"errors": list(messages)}, None


def ok(data=None, **extra):
    body = {"data": data}
    body.update(extra)
    return 200, body, None


def handle(st, method, path, query, body, token):
    if not path.startswith("/v1/"):
        return err(404, NO_HANDLER)
    p = path[len("/v1/"):]
    t = st.valid_token(token)
    if t is None:
        return DENIED
    result = route(st, method, p, query, body, t)
    if result[0] != 403:
        st.use_token(t)
    return result


def route(st, method, p, query, body, t):
    if p == "auth/token/lookup-self" and method in ("GET", "POST"):
        if not st.allowed(t, p, "read" if method == "GET" else "update"):
            return DENIED
        return ok(st.token_view(t, include_id=True), mount_type="token")
    if p == "auth/token/lookup-accessor" and method in ("POST", "PUT"):
        if not st.allowed(t, p, "update"):
            return DENIED
        accessor = body.get("accessor") or ""
        if not accessor:
            return err(400, "missing accessor")
        target = st.tokens.get(st.accessors.get(accessor, ""))
        if target is None or st.valid_token(target["id"]) is None:
            return err(400, "invalid accessor")
        return ok(st.token_view(target, include_id=False), mount_type="token")
    if p == "auth/token/revoke-accessor" and method in ("POST", "PUT"):
        if not st.allowed(t, p, "update"):
            return DENIED
        accessor = body.get("accessor") or ""
        if not accessor:
            return err(400, "missing accessor")
        target = st.tokens.get(st.accessors.get(accessor, ""))
        if target is None or target["revoked"]:
            if st.legacy_revoke_accessor:
                return err(400, "1 error occurred:\n\t* invalid accessor\n\n")
            return ok(None, warnings=["No token found with this accessor"], mount_type="token")
        st.revoke_tree(target)
        st.counters["accessor_revocations"] += 1
        return 204, None, None
    if p in ("auth/token/create", "auth/token/create-orphan") and method in ("POST", "PUT"):
        if not st.allowed(t, p, "update"):
            return DENIED
        return create_token(st, t, body, orphan=p.endswith("-orphan"))
    if p == "sys/capabilities-self" and method in ("POST", "PUT"):
        if not st.allowed(t, p, "update"):
            return DENIED
        paths = body.get("paths") or body.get("path") or []
        if isinstance(paths, str):
            paths = [paths]
        if not paths:
            return err(400, "paths must be supplied")
        data = {q: st.capabilities(t, q) for q in paths}
        if len(paths) == 1:
            data["capabilities"] = data[paths[0]]
        return ok(data, **data)
    m = re.fullmatch(r"sys/leases/revoke-prefix/(.+)", p)
    if m and method in ("POST", "PUT"):
        if not st.allowed(t, p, "update", "sudo"):
            return DENIED
        prefix = m.group(1)
        st.leases = {lease for lease in st.leases if not lease.startswith(prefix)}
        st.counters["prefix_revocations"] += 1
        return 204, None, None
    m = re.fullmatch(r"sys/leases/lookup/(.*)", p)
    if m and method == "LIST":
        if not st.allowed(t, p, "list", "sudo"):
            return DENIED
        prefix = m.group(1)
        if prefix and not prefix.endswith("/"):
            prefix += "/"
        keys = sorted({lease[len(prefix):].split("/")[0] + ("/" if "/" in lease[len(prefix):] else "")
                       for lease in st.leases if lease.startswith(prefix)})
        if not keys:
            return NOT_FOUND
        return ok({"keys": keys})
    m = re.fullmatch(r"([^/]+)/(data|metadata)/(.+)", p)
    if m and m.group(1) in st.kv_mounts:
        mount, kind, key = m.groups()
        if kind == "data":
            return kv_data(st, t, method, p, mount, key, query, body)
        return kv_metadata(st, t, method, p, mount, key, body)
    return err(404, NO_HANDLER)


def create_token(st, parent, body, orphan):
    if parent["num_uses"] != 0:
        return err(400, "restricted use token cannot generate child tokens")
    policies = body.get("policies") or []
    if isinstance(policies, str):
        policies = [x.strip() for x in policies.split(",") if x.strip()]
    if "root" not in parent["policies"]:
        if not set(policies) <= set(parent["policies"]) | {"default"}:
            return err(400, "child policies must be subset of parent")
    if not body.get("no_default_policy") and "default" not in policies:
        policies = policies + ["default"]
    try:
        ttl = parse_ttl(body.get("ttl"))
        explicit = parse_ttl(body.get("explicit_max_ttl")) or 0
    except ValueError:
        return err(400, "Error decoding request: invalid duration")
    if ttl is None:
        ttl = 2764800  # 768h, the system default
    if explicit and ttl > explicit:
        ttl = explicit
    num_uses = int(body.get("num_uses") or 0)
    if num_uses < 0:
        return err(400, "number of uses cannot be negative")
    meta = body.get("meta") or None
    if meta is not None and not all(isinstance(v, str) for v in meta.values()):
        return err(400, "Error decoding request: meta values must be strings")
    name = re.sub(r"[^a-zA-Z0-9-]", "-", body.get("display_name") or "")
    display = ("token-" + name) if name else "token"
    renewable = body.get("renewable")
    renewable = True if renewable is None else bool(renewable)
    tok = st.add_token("hvs." + rand62(24), policies, ttl=ttl, meta=meta, num_uses=num_uses,
                       display_name=display[:128], renewable=renewable, orphan=orphan,
                       parent=None if orphan else parent["id"], explicit_max_ttl=explicit,
                       path="auth/token/create-orphan" if orphan else "auth/token/create")
    st.counters["tokens_created"] += 1
    auth = {"client_token": tok["id"], "accessor": tok["accessor"], "policies": tok["policies"],
            "token_policies": tok["policies"], "metadata": meta, "lease_duration": ttl,
            "renewable": renewable, "entity_id": "", "token_type": "service", "orphan": orphan,
            "mfa_requirement": None, "num_uses": num_uses}
    return 200, {"data": None, "auth": auth, "mount_type": "token"}, None


def kv_data(st, t, method, p, mount, key, query, body):
    entry = st.kv_entry(mount, key)
    if method == "GET":
        if not st.allowed(t, p, "read"):
            return DENIED
        if entry is None or entry["current_version"] == 0:
            return NOT_FOUND
        want = int(query.get("version") or 0) or entry["current_version"]
        v = entry["versions"].get(want)
        if v is None:
            return NOT_FOUND
        meta = {"version": want, "created_time": v["created_time"], "deletion_time": v["deletion_time"],
                "destroyed": v["destroyed"], "custom_metadata": entry["custom_metadata"]}
        return ok({"data": v["data"], "metadata": meta}, mount_type="kv")
    if method in ("POST", "PUT"):
        if not st.allowed(t, p, "update" if entry else "create"):
            return DENIED
        data = body.get("data")
        if not isinstance(data, dict):
            return err(400, "no data provided")
        options = body.get("options") or {}
        current = entry["current_version"] if entry else 0
        if "cas" in options and options["cas"] is not None:
            try:
                cas = int(options["cas"])
            except (TypeError, ValueError):
                return err(400, "error parsing check-and-set parameter")
            if cas != current:
                return err(400, "check-and-set parameter did not match the current version")
        elif entry and entry["cas_required"]:
            return err(400, "check-and-set parameter required for this call")
        entry = st.kv_put(mount, key, data)
        v = entry["versions"][entry["current_version"]]
        return ok({"version": entry["current_version"], "created_time": v["created_time"],
                   "deletion_time": "", "destroyed": False, "custom_metadata": entry["custom_metadata"]},
                  mount_type="kv")
    return err(405, "unsupported operation")


def kv_metadata(st, t, method, p, mount, key, body):
    entry = st.kv_entry(mount, key)
    if method == "GET":
        if not st.allowed(t, p, "read"):
            return DENIED
        if entry is None:
            return NOT_FOUND
        versions = {str(n): {"created_time": v["created_time"], "deletion_time": v["deletion_time"],
                             "destroyed": v["destroyed"]} for n, v in entry["versions"].items()}
        return ok({"versions": versions, "current_version": entry["current_version"],
                   "oldest_version": entry["oldest_version"], "created_time": entry["created_time"],
                   "updated_time": entry["updated_time"], "max_versions": entry["max_versions"],
                   "cas_required": entry["cas_required"], "delete_version_after": "0s",
                   "custom_metadata": entry["custom_metadata"]}, mount_type="kv")
    if method in ("POST", "PUT"):
        if not st.allowed(t, p, "update" if entry else "create"):
            return DENIED
        fields = [k for k in ("max_versions", "cas_required", "delete_version_after", "custom_metadata") if k in body]
        if not fields:
            return 204, None, None
        custom = None
        if "custom_metadata" in body:
            custom = {k: ("" if v is None else str(v)) for k, v in (body["custom_metadata"] or {}).items()}
            problems = validate_custom_metadata(custom)
            if problems:
                return err(400, problems)
        entry = entry or st.kv_new_entry(mount, key)
        if "max_versions" in body:
            entry["max_versions"] = int(body["max_versions"])
        if "cas_required" in body:
            entry["cas_required"] = bool(body["cas_required"])
        if custom is not None:
            entry["custom_metadata"] = custom
        entry["updated_time"] = now_rfc3339()
        st.counters["metadata_writes"] += 1
        return 204, None, None
    return err(405, "unsupported operation")


def validate_custom_metadata(custom):
    prefix = "custom_metadata validation failed"
    if len(custom) > 64:
        return "1 error occurred:\n\t* %s: payload must contain at most 64 keys, provided %d\n\n" % (prefix, len(custom))
    errs = []
    for k, v in custom.items():
        if not 0 < len(k) <= 128:
            errs.append("%s: length of key %r is %d but must be 0 < len(key) <= 128" % (prefix, k, len(k)))
        if not 0 < len(v) <= 512:
            errs.append("%s: length of value for key %r is %d but must be 0 < len(value) <= 512" % (prefix, k, len(v)))
    if not errs:
        return None
    return "%d error%s occurred:\n%s\n\n" % (len(errs), "" if len(errs) == 1 else "s",
                                            "\n".join("\t* " + e for e in errs))


def control(st, method, name, body):
    if name == "state" and method == "GET":
        return 200, st.dump()
    if method != "POST":
        return 405, {"errors": ["control endpoints take POST"]}
    if name == "reset":
        st.reset()
        return 200, {"ok": True}
    if name == "policies":
        st.policies[body["name"]] = {k: list(v) for k, v in body["rules"].items()}
        return 200, {"ok": True}
    if name == "tokens":
        tok = st.add_token(body.get("id") or "hvs." + rand62(24), body.get("policies", []) + ["default"],
                           ttl=int(body.get("ttl", 3600)), meta=body.get("meta"),
                           num_uses=int(body.get("num_uses", 0)), orphan=True)
        return 200, {"token": tok["id"], "accessor": tok["accessor"]}
    if name == "kv":
        if body["mount"] not in st.kv:
            st.kv[body["mount"]] = {}
            st.kv_mounts.add(body["mount"])
        entry = st.kv_put(body["mount"], body["path"], body["data"])
        st.counters["kv_writes"] -= 1  # seeding is not an effect under test
        if "custom_metadata" in body:
            entry["custom_metadata"] = body["custom_metadata"]
        return 200, {"version": entry["current_version"]}
    if name == "leases":
        st.leases.update(body["ids"])
        return 200, {"ok": True}
    if name == "fault":
        f = dict(body)
        f.setdefault("count", 1)
        st.faults.append(f)
        return 200, {"ok": True}
    if name == "config":
        st.legacy_revoke_accessor = bool(body.get("legacy_revoke_accessor", st.legacy_revoke_accessor))
        return 200, {"ok": True}
    return 404, {"errors": ["unknown control endpoint"]}
