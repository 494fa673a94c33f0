#!/usr/bin/env python3
"""Seeds and inspects a running moto server for qrun's AWS tests (needs boto3, as moto does).

  moto_tool.py seed URL SPEC_JSON
      SPEC: {"users": {"name": key_count}, "roles": ["name"], "secrets": {"name": "value"}}
      Creates an `admin` user (inline policy Allow * on *) and a `limited` user (no policy), each
      with one access key, then the spec's users, keys, roles and secrets; then switches moto's
      request-signature checking on (POST /moto-api/reset-auth with a text/plain body, as moto
      requires). Prints {"admin": {...}, "limited": {...}, "keys": {"user": ["AKIA…"]}}.
  moto_tool.py call URL KEY_ID SECRET SERVICE METHOD KWARGS_JSON
      Calls boto3 <SERVICE>.<METHOD>(**KWARGS) with the given key and prints the answer as JSON
      (errors as {"Error": {...}, "status": N}).
"""
import json
import sys
import urllib.request

import boto3
import botocore


def client(url, service, key_id="testing", secret="testing"):
    return boto3.client(service, endpoint_url=url, region_name="us-east-1",
                        aws_access_key_id=key_id, aws_secret_access_key=secret,
                        config=botocore.config.Config(retries={"max_attempts": 1}))


def seed(url, spec):
    iam = client(url, "iam")
    sm = client(url, "secretsmanager")
    out = {"keys": {}}
    for name, policy in (("admin", True), ("limited", False)):
        iam.create_user(UserName=name)
        if policy:
            iam.put_user_policy(UserName=name, PolicyName="everything", PolicyDocument=json.dumps(
                {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
        k = iam.create_access_key(UserName=name)["AccessKey"]
        out[name] = {"id": k["AccessKeyId"], "secret": k["SecretAccessKey"]}
    for user, count in spec.get("users", {}).items():
        iam.create_user(UserName=user)
        out["keys"][user] = [iam.create_access_key(UserName=user)["AccessKey"]["AccessKeyId"] for _ in range(count)]
    for role in spec.get("roles", []):
        iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "sts:AssumeRole"}]}))
    for name, value in spec.get("secrets", {}).items():
        sm.create_secret(Name=name, SecretString=value)
    req = urllib.request.Request(url + "/moto-api/reset-auth", data=b"0", headers={"Content-Type": "text/plain"}, method="POST")
    urllib.request.urlopen(req).read()
    return out


def call(url, key_id, secret, service, method, kwargs):
    c = client(url, service, key_id, secret)
    try:
        r = getattr(c, method)(**kwargs)
        r.pop("ResponseMetadata", None)
        return r
    except botocore.exceptions.ClientError as e:
        return {"Error": e.response.get("Error", {}), "status": e.response["ResponseMetadata"]["HTTPStatusCode"]}


def main():
    cmd, url = sys.argv[1], sys.argv[2]
    if cmd == "seed":
        result = seed(url, json.loads(sys.argv[3]))
    else:
        result = call(url, sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6], json.loads(sys.argv[7]))
    print(json.dumps(result, default=str))


if __name__ == "__main__":
    main()
