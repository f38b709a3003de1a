#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A stand-in for Garage's admin API v2 on 127.0.0.1 (Garage cannot be installed here), strict the way Garage
is (src/api/admin/router_v2.rs, api.rs, error.rs of Garage v2.0): /v2/<Operation> with the method the router
declares, "Authorization: Bearer <token>" (403 otherwise), JSON bodies with camelCase fields (400 when one is
missing or mistyped, or the body has unknown fields), query parameters id/globalAlias/search/showSecretKey,
errors as {"code","message","path","region"}. Keeps its state in memory; GET /debug/state dumps it (no auth).
Prints "PORT <n>"; exits when stdin closes or after --max-seconds.
Usage: fake-garage-admin.py TOKEN [--max-seconds 120] [--log FILE]"""
import argparse, json, os, re, secrets, sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

ap = argparse.ArgumentParser()
ap.add_argument("token")
ap.add_argument("--max-seconds", type=float, default=120)
ap.add_argument("--log")
args = ap.parse_args()
lock = threading.Lock()
keys = {}     # id -> {name, secret, createBucket}
buckets = {}  # id -> {globalAliases: [], keys: {keyid: {read, write, owner}}}
logf = open(args.log, "a") if args.log else None

ROUTES = {  # operation -> method, as in router_v2.rs
    "GetClusterHealth": "GET", "GetClusterStatus": "GET", "ListKeys": "GET", "GetKeyInfo": "GET",
    "CreateKey": "POST", "ImportKey": "POST", "UpdateKey": "POST", "DeleteKey": "POST",
    "ListBuckets": "GET", "GetBucketInfo": "GET", "CreateBucket": "POST", "DeleteBucket": "POST",
    "UpdateBucket": "POST", "AllowBucketKey": "POST", "DenyBucketKey": "POST",
    "AddBucketAlias": "POST", "RemoveBucketAlias": "POST",
}
BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")

class Err(Exception):
    def __init__(self, status, code, message):
        self.status, self.code, self.message = status, code, message

def need(body, field, typ):
    if not isinstance(body, dict) or field not in body:
        raise Err(400, "InvalidRequest", "Bad request: missing field `%s`" % field)
    if not isinstance(body[field], typ):
        raise Err(400, "InvalidRequest", "Bad request: invalid type for `%s`" % field)
    return body[field]

def only(body, allowed):
    extra = set(body) - set(allowed)
    if extra:
        raise Err(400, "InvalidRequest", "Bad request: unknown field `%s`" % sorted(extra)[0])

def bucket_info(bid):
    b = buckets[bid]
    return {"id": bid, "created": "2026-01-01T00:00:00Z", "globalAliases": b["globalAliases"], "websiteAccess": False,
            "websiteConfig": None,
            "keys": [{"accessKeyId": k, "name": keys[k]["name"], "permissions": p, "bucketLocalAliases": []}
                     for k, p in b["keys"].items()],
            "objects": 0, "bytes": 0, "unfinishedUploads": 0, "unfinishedMultipartUploads": 0,
            "unfinishedMultipartUploadParts": 0, "unfinishedMultipartUploadBytes": 0,
            "quotas": {"maxSize": None, "maxObjects": None}}

def key_info(kid, show_secret):
    k = keys[kid]
    out = {"name": k["name"], "accessKeyId": kid, "permissions": {"createBucket": k["createBucket"]},
           "buckets": [{"id": bid, "globalAliases": b["globalAliases"], "localAliases": [],
                        "permissions": b["keys"][kid]} for bid, b in buckets.items() if kid in b["keys"]]}
    if show_secret:
        out["secretAccessKey"] = k["secret"]
    return out

def find_bucket(q):
    if "id" in q:
        if q["id"] not in buckets:
            raise Err(404, "NoSuchBucket", "Bucket not found: %s" % q["id"])
        return q["id"]
    if "globalAlias" in q:
        for bid, b in buckets.items():
            if q["globalAlias"] in b["globalAliases"]:
                return bid
        raise Err(404, "NoSuchBucket", "Bucket not found: %s" % q["globalAlias"])
    raise Err(400, "InvalidRequest", "Bad request: Either id, globalAlias or search must be provided")

def handle(op, method, q, body):
    if op == "GetClusterHealth":
        return {"status": "healthy", "knownNodes": 1, "connectedNodes": 1, "storageNodes": 1, "storageNodesOk": 1,
                "partitions": 256, "partitionsQuorum": 256, "partitionsAllOk": 256}
    if op == "ListKeys":
        return [{"id": kid, "name": k["name"]} for kid, k in keys.items()]
    if op == "GetKeyInfo":
        kid = q.get("id")
        if kid is None:
            raise Err(400, "InvalidRequest", "Bad request: Either id or search must be provided")
        if kid not in keys:
            raise Err(404, "NoSuchAccessKey", "Access key not found: %s" % kid)
        return key_info(kid, q.get("showSecretKey") == "true")
    if op == "CreateKey":
        only(body, ["name"])
        name = body.get("name")
        if name is not None and not isinstance(name, str):
            raise Err(400, "InvalidRequest", "Bad request: invalid type for `name`")
        kid = "GK" + secrets.token_hex(12)
        keys[kid] = {"name": name or "Unnamed key", "secret": secrets.token_hex(32), "createBucket": False}
        return key_info(kid, True)
    if op == "GetBucketInfo":
        return bucket_info(find_bucket(q))
    if op == "ListBuckets":
        return [{"id": bid, "globalAliases": b["globalAliases"], "localAliases": []} for bid, b in buckets.items()]
    if op == "CreateBucket":
        only(body, ["globalAlias", "localAlias"])
        alias = body.get("globalAlias")
        if not isinstance(alias, str):
            raise Err(400, "InvalidRequest", "Bad request: globalAlias or localAlias is required")
        if not BUCKET_NAME.match(alias):
            raise Err(400, "InvalidBucketName", "Invalid bucket name: %s" % alias)
        for b in buckets.values():
            if alias in b["globalAliases"]:
                raise Err(409, "BucketAlreadyExists", "Bucket already exists")
        bid = secrets.token_hex(32)
        buckets[bid] = {"globalAliases": [alias], "keys": {}}
        return bucket_info(bid)
    if op in ("AllowBucketKey", "DenyBucketKey"):
        only(body, ["bucketId", "accessKeyId", "permissions"])
        bid = need(body, "bucketId", str)
        kid = need(body, "accessKeyId", str)
        perm = need(body, "permissions", dict)
        only(perm, ["read", "write", "owner"])
        for f in perm:
            if not isinstance(perm[f], bool):
                raise Err(400, "InvalidRequest", "Bad request: invalid type for `%s`" % f)
        if bid not in buckets:
            raise Err(404, "NoSuchBucket", "Bucket not found: %s" % bid)
        if kid not in keys:
            raise Err(404, "NoSuchAccessKey", "Access key not found: %s" % kid)
        cur = buckets[bid]["keys"].setdefault(kid, {"read": False, "write": False, "owner": False})
        for f, v in perm.items():
            if v:  # only flags set to true change (Garage's rule)
                cur[f] = op == "AllowBucketKey"
        return bucket_info(bid)
    raise Err(400, "InvalidRequest", "Bad request: operation %s is not emulated" % op)

class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def reply(self, status, obj):
        b = json.dumps(obj, indent=2).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(b)))
        self.end_headers()
        self.wfile.write(b)

    def any(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        url = urlsplit(self.path)
        if logf:
            logf.write("%s %s %s\n" % (self.command, self.path, raw.decode("utf-8", "replace"))); logf.flush()
        if url.path == "/debug/state":
            with lock:
                return self.reply(200, {"keys": keys, "buckets": buckets})
        try:
            m = re.fullmatch(r"/v2/([A-Za-z]+)", url.path)
            if not m or m.group(1) not in ROUTES:
                raise Err(404, "NoSuchEndpoint", "Unknown API endpoint: %s" % url.path)
            op = m.group(1)
            auth = self.headers.get("Authorization")
            if auth is None:
                raise Err(403, "AccessDenied", "Forbidden: Authorization token must be provided")
            if auth.strip() != "Bearer " + args.token:
                raise Err(403, "AccessDenied", "Forbidden: Invalid authorization token provided")
            if self.command != ROUTES[op]:
                raise Err(400, "InvalidRequest", "Bad request: %s %s is not a valid endpoint" % (self.command, op))
            q = dict(parse_qsl(url.query, keep_blank_values=True))
            body = None
            if ROUTES[op] == "POST" and op not in ("DeleteKey", "DeleteBucket"):
                try:
                    body = json.loads(raw.decode("utf-8"))
                except ValueError:
                    raise Err(400, "InvalidRequest", "Bad request: invalid JSON body")
                if not isinstance(body, dict):
                    raise Err(400, "InvalidRequest", "Bad request: JSON object expected")
            with lock:
                self.reply(200, handle(op, self.command, q, body))
        except Err as e:
            self.reply(e.status, {"code": e.code, "message": e.message, "region": "garage", "path": url.path})

    do_GET = do_POST = do_PUT = do_DELETE = any

    def log_message(self, *a):
        pass

srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
srv.daemon_threads = True
print("PORT %d" % srv.server_address[1], flush=True)
threading.Thread(target=srv.serve_forever, daemon=True).start()
timer = threading.Timer(args.max_seconds, lambda: os._exit(3))
timer.daemon = True
timer.start()
sys.stdin.read()
srv.shutdown()
