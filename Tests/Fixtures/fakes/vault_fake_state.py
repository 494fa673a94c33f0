"""State model of the fake Vault server (see vault_fake.py for the HTTP side and the sources
followed). Everything here runs under one lock held by the request handler.

- Tokens: service tokens with policies, metadata, TTL, num_uses, parent/orphan; revoking a token
  revokes its non-orphan children (vault/token_store.go RevokeTree).
- ACL: named policies mapping path patterns to capabilities. Within one policy the most specific
  rule wins (exact path over a `*` prefix glob, longer prefix over shorter; `+` matches one
  segment); capabilities of several policies are unioned; `deny` wins. `root` grants everything.
  The built-in `default` policy grants what Vault's default policy grants for the calls used
  here (lookup-self, capabilities-self).
- KV v2 (mounts listed in KV_MOUNTS): versions, current_version, custom_metadata, cas_required,
  exactly as vault-plugin-secrets-kv path_data.go / path_metadata.go keep them.
- Leases: ids under prefixes, for sys/leases/revoke-prefix and sys/leases/lookup.
"""
import secrets
import string
import time

B62 = string.ascii_letters + string.digits


def rand62(n):
    return "".join(secrets.choice(B62) for _ in range(n))


def now_rfc3339(t=None):
    t = time.time() if t is None else t
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".%06dZ" % int((t % 1) * 1e6)


def parse_ttl(raw):
    """Vault's parseutil.ParseDurationSecond: an int is seconds; else `Ns`, `Nm`, `Nh`."""
    if raw is None or raw == "":
        return None
    if isinstance(raw, (int, float)):
        return int(raw)
    s = str(raw).strip()
    if s.isdigit():
        return int(s)
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    if len(s) > 1 and s[-1] in units and s[:-1].isdigit():
        return int(s[:-1]) * units[s[-1]]
    raise ValueError(s)


DEFAULT_POLICY = {
    "auth/token/lookup-self": ["read", "update"],
    "auth/token/renew-self": ["update"],
    "auth/token/revoke-self": ["update"],
    "sys/capabilities-self": ["update"],
}


class State:
    def __init__(self, root_token, kv_mounts):
        self.root_token = root_token
        self.kv_mounts = set(kv_mounts)
        self.reset()

    def reset(self):
        self.tokens = {}
        self.accessors = {}
        self.policies = {"default": dict(DEFAULT_POLICY)}
        self.kv = {m: {} for m in self.kv_mounts}
        self.leases = set()
        self.faults = []
        self.legacy_revoke_accessor = False
        self.log = []
        self.counters = {"kv_writes": 0, "metadata_writes": 0, "tokens_created": 0, "accessor_revocations": 0,
                         "prefix_revocations": 0}
        self.add_token(self.root_token, ["root"], ttl=0, display_name="root", orphan=True)

    # tokens -----------------------------------------------------------------------------------

    def add_token(self, token_id, policies, ttl=3600, meta=None, num_uses=0, display_name="token",
                  renewable=True, orphan=False, parent=None, explicit_max_ttl=0, path="auth/token/create"):
        accessor = rand62(24)
        entry = {
            "id": token_id, "accessor": accessor, "policies": sorted(set(policies)), "meta": meta or None,
            "num_uses": num_uses, "display_name": display_name, "renewable": renewable, "orphan": orphan,
            "parent": parent, "creation_time": int(time.time()), "creation_ttl": ttl,
            "explicit_max_ttl": explicit_max_ttl, "path": path, "revoked": False,
        }
        self.tokens[token_id] = entry
        self.accessors[accessor] = token_id
        return entry

    def valid_token(self, token_id):
        t = self.tokens.get(token_id or "")
        if t is None or t["revoked"]:
            return None
        if t["creation_ttl"] and time.time() > t["creation_time"] + t["creation_ttl"]:
            return None
        return t

    def use_token(self, t):
        """Vault counts every request made with a token against num_uses."""
        if t["num_uses"] > 0:
            t["num_uses"] -= 1
            if t["num_uses"] == 0:
                t["num_uses"] = -1  # tokenRevocationPending: this request is its last
                self.revoke_tree(t)

    def revoke_tree(self, t):
        t["revoked"] = True
        self.accessors.pop(t["accessor"], None)
        for child in self.tokens.values():
            if child["parent"] == t["id"] and not child["orphan"] and not child["revoked"]:
                self.revoke_tree(child)

    def ttl_left(self, t):
        if not t["creation_ttl"]:
            return 0
        return max(0, int(t["creation_time"] + t["creation_ttl"] - time.time()))

    def token_view(self, t, include_id):
        return {
            "accessor": t["accessor"], "creation_time": t["creation_time"], "creation_ttl": t["creation_ttl"],
            "display_name": t["display_name"], "entity_id": "",
            "expire_time": now_rfc3339(t["creation_time"] + t["creation_ttl"]) if t["creation_ttl"] else None,
            "explicit_max_ttl": t["explicit_max_ttl"], "id": t["id"] if include_id else "",
            "issue_time": now_rfc3339(t["creation_time"]), "meta": t["meta"], "num_uses": max(0, t["num_uses"]),
            "orphan": t["orphan"], "path": t["path"], "policies": t["policies"], "renewable": t["renewable"],
            "ttl": self.ttl_left(t), "type": "service",
        }

    # ACL --------------------------------------------------------------------------------------

    @staticmethod
    def _match(pattern, path):
        """Specificity of `pattern` for `path` (higher is more specific), or None."""
        glob = pattern.endswith("*")
        body = pattern[:-1] if glob else pattern
        pseg = body.split("/")
        tseg = path.split("/")
        if not glob and len(pseg) != len(tseg):
            return None
        for i, seg in enumerate(pseg):
            last = i == len(pseg) - 1
            if i >= len(tseg):
                return None
            if seg == "+":
                continue
            if glob and last:
                if not tseg[i].startswith(seg):
                    return None
            elif seg != tseg[i]:
                return None
        if glob and len(tseg) < len(pseg):
            return None
        return (0 if glob else 1, len(body), -body.count("+"))

    def capabilities(self, t, path):
        if "root" in t["policies"]:
            return ["root"]
        caps = set()
        for name in t["policies"]:
            rules = self.policies.get(name, {})
            best = None
            for pattern, c in rules.items():
                score = self._match(pattern, path)
                if score is not None and (best is None or score > best[0]):
                    best = (score, c)
            if best:
                if "deny" in best[1]:
                    return ["deny"]
                caps.update(best[1])
        return sorted(caps) if caps else ["deny"]

    def allowed(self, t, path, *needed):
        caps = self.capabilities(t, path)
        if "root" in caps:
            return True
        return all(n in caps for n in needed)

    # KV v2 ------------------------------------------------------------------------------------

    def kv_entry(self, mount, path):
        return self.kv.get(mount, {}).get(path)

    def kv_new_entry(self, mount, path):
        now = now_rfc3339()
        e = {"versions": {}, "current_version": 0, "oldest_version": 0, "custom_metadata": None,
             "cas_required": False, "max_versions": 0, "created_time": now, "updated_time": now}
        self.kv[mount][path] = e
        return e

    def kv_put(self, mount, path, data):
        e = self.kv_entry(mount, path) or self.kv_new_entry(mount, path)
        e["current_version"] += 1
        if e["oldest_version"] == 0:
            e["oldest_version"] = 1
        now = now_rfc3339()
        e["versions"][e["current_version"]] = {"data": data, "created_time": now, "deletion_time": "",
                                               "destroyed": False}
        e["updated_time"] = now
        self.counters["kv_writes"] += 1
        return e

    def dump(self):
        return {
            "tokens": {t["accessor"]: {"policies": t["policies"], "meta": t["meta"], "revoked": t["revoked"],
                                       "orphan": t["orphan"], "num_uses": t["num_uses"],
                                       "display_name": t["display_name"], "creation_ttl": t["creation_ttl"],
                                       "renewable": t["renewable"]}
                       for t in self.tokens.values()},
            "kv": {m: {p: {"current_version": e["current_version"], "custom_metadata": e["custom_metadata"],
                           "versions": {str(n): v["data"] for n, v in e["versions"].items()}}
                       for p, e in paths.items()} for m, paths in self.kv.items()},
            "leases": sorted(self.leases),
            "counters": dict(self.counters),
            "log": list(self.log),
        }
