#!/usr/bin/env python3
"""Cross-checks the fake Vault against the real Python client, hvac: what hvac sends, the fake
must understand, and what the fake answers, hvac must accept (including its mapping of status
codes to exceptions). Run by VaultHvacCheckTests with the fake's address and root token:

    vault_hvac_check.py http://127.0.0.1:PORT ROOT_TOKEN

Prints one "ok <check>" line per check and "ALL OK" at the end; exits 1 on the first failure.
hvac must be installed (`pip install hvac`); exits 3 with a message when it is not.
"""
import sys

try:
    import hvac
    from hvac import exceptions
except ImportError:
    print("hvac is not installed; the setup script must run: pip install hvac", file=sys.stderr)
    sys.exit(3)


def check(name, condition):
    if not condition:
        print("FAIL " + name, flush=True)
        sys.exit(1)
    print("ok " + name, flush=True)


def raises(fn, exc):
    try:
        fn()
    except exc as e:
        return e
    except Exception as e:  # noqa: BLE001 - the wrong exception class is the failure reported
        print("FAIL expected %s, got %r" % (exc.__name__, e), flush=True)
        sys.exit(1)
    print("FAIL expected %s, nothing raised" % exc.__name__, flush=True)
    sys.exit(1)


def main():
    url, root = sys.argv[1], sys.argv[2]
    client = hvac.Client(url=url, token=root)
    kv = client.secrets.kv.v2

    check("is_authenticated", client.is_authenticated())
    me = client.auth.token.lookup_self()
    check("lookup_self policies", me["data"]["policies"] == ["root"])

    w = kv.create_or_update_secret(path="hvac/app", secret={"password": "p1", "user": "u"}, mount_point="secret")
    check("create version 1", w["data"]["version"] == 1)
    w = kv.create_or_update_secret(path="hvac/app", secret={"password": "p2", "user": "u"}, cas=1, mount_point="secret")
    check("cas write version 2", w["data"]["version"] == 2)
    e = raises(lambda: kv.create_or_update_secret(path="hvac/app", secret={"password": "p3"}, cas=1,
                                                   mount_point="secret"), exceptions.InvalidRequest)
    check("cas mismatch is InvalidRequest with Vault's message",
          e.errors == ["check-and-set parameter did not match the current version"])

    r = kv.read_secret_version(path="hvac/app", mount_point="secret", raise_on_deleted_version=True)
    check("read current", r["data"]["data"] == {"password": "p2", "user": "u"} and r["data"]["metadata"]["version"] == 2)
    r = kv.read_secret_version(path="hvac/app", version=1, mount_point="secret", raise_on_deleted_version=True)
    check("read version 1", r["data"]["data"]["password"] == "p1")
    e = raises(lambda: kv.read_secret_version(path="hvac/none", mount_point="secret", raise_on_deleted_version=True),
               exceptions.InvalidPath)
    check("missing secret is InvalidPath with empty errors", e.errors == [])

    kv.update_metadata(path="hvac/app", custom_metadata={"owner": "team"}, mount_point="secret")
    m = kv.read_secret_metadata(path="hvac/app", mount_point="secret")
    check("custom metadata round trip", m["data"]["custom_metadata"] == {"owner": "team"} and m["data"]["current_version"] == 2)
    raises(lambda: kv.update_metadata(path="hvac/app", custom_metadata={"k" * 129: "v"}, mount_point="secret"),
           exceptions.InvalidRequest)
    check("custom metadata key limit is enforced", True)

    created = client.auth.token.create(policies=["default"], ttl="10m", renewable=False, meta={"purpose": "hvac"})
    acc = created["auth"]["accessor"]
    check("token create", created["auth"]["lease_duration"] == 600 and created["auth"]["renewable"] is False)
    looked = client.auth.token.lookup_accessor(acc)
    check("lookup accessor hides the id", looked["data"]["id"] == "" and looked["data"]["meta"] == {"purpose": "hvac"})
    child = hvac.Client(url=url, token=created["auth"]["client_token"])
    check("child token authenticates", child.is_authenticated())
    raises(lambda: child.secrets.kv.v2.read_secret_version(path="hvac/app", mount_point="secret",
                                                          raise_on_deleted_version=True), exceptions.Forbidden)
    check("child without a policy is Forbidden", True)

    client.auth.token.revoke_accessor(acc)
    check("revoked token no longer authenticates", not child.is_authenticated())
    e = raises(lambda: client.auth.token.lookup_accessor(acc), exceptions.InvalidRequest)
    check("lookup of a revoked accessor is InvalidRequest 'invalid accessor'", e.errors == ["invalid accessor"])
    again = client.auth.token.revoke_accessor(acc)
    check("revoking again succeeds with a warning", again["warnings"] == ["No token found with this accessor"])

    caps = client.sys.get_capabilities(paths=["secret/data/hvac/app"])
    check("capabilities-self", caps["capabilities"] == ["root"])
    resp = client.sys.revoke_prefix(prefix="database/creds/readonly")
    check("revoke prefix answers 204", getattr(resp, "status_code", None) == 204)

    bad = hvac.Client(url=url, token="hvs.not-a-real-token")
    check("unknown token is not authenticated", not bad.is_authenticated())
    print("ALL OK", flush=True)


if __name__ == "__main__":
    main()
