#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Fault-injecting HTTP/1.1 proxy for the S3 tests (127.0.0.1 only). Forwards each request unchanged (Host and
signature intact) to UPSTREAM and, for about RATE of them, misbehaves instead:
  drop-before  close the connection without forwarding
  drop-after   forward (the server applies it), then close without answering: the client cannot know
  cut-body     forward, then send the head and half the body, then close
  503          answer 503 SlowDown without forwarding
  500          answer 500 InternalError without forwarding
and delays another RATE/2 of them by 0.1-0.6 s. Prints "PORT <n>" when listening; exits when stdin closes, or after --max-seconds.
--sequence "NEEDLE=A1,A2,..." scripts the answers to the requests whose "METHOD target" contains NEEDLE: the
first such request gets A1, the second A2, ..., later ones pass (several sequences: separate them with ';').
Besides the kinds above (and pass): 301:CODE / 400:CODE / 403:CODE / 404:CODE / 501:CODE / 200:CODE answer that status with an S3 <Error> of
that CODE without forwarding (301 with x-amz-bucket-region: eu-west-1, as AWS answers for a bucket of
another region; 200: the error document some S3 calls send after their status line);
no-etag forwards and drops the ETag header; half-body forwards and answers the first half of the body (with
a Content-Length that says so: a malformed document, not a broken transfer); long-body forwards and answers
the whole body under a Content-Length of half of it, keeping the connection: the rest is junk in front of the
next answer on that connection; not-http answers an SSH banner and closes (a wrong port); other-etag forwards and replaces the ETag by another one of the same shape
(a store, or an encryption, that makes ETags its own way); dup-list forwards a ListObjectsV2 and repeats its
first and last <Contents> at the end of the page; slowdown-after:N answers 503 SlowDown with Retry-After: N; list-token:T forwards a ListObjectsV2 and answers its page as truncated, continued by token T;
pause-body:S forwards and sends the
answer's head, then pauses S seconds before its body; shift-range forwards a ranged GET
and answers it as the range one byte further (Content-Range a+1-b+1, the body shifted: another range, same length); 307>ORIGIN answers 307 TemporaryRedirect with Location
ORIGIN + the request's target, 301>HOST 301 PermanentRedirect whose <Endpoint> is HOST (no Location) (a store that lists a key twice, or pages that overlap).
Usage: faultproxy.py UPSTREAM_PORT [--port P] [--rate 0.1] [--seed 1] [--max-seconds 600] [--log FILE] [--sequence S]"""
import argparse, http.client, os, random, socket, sys, threading, time
from socketserver import ThreadingMixIn, TCPServer, StreamRequestHandler

ap = argparse.ArgumentParser()
ap.add_argument("upstream", type=int)
ap.add_argument("--rate", type=float, default=0.1)
ap.add_argument("--seed", type=int, default=1)
ap.add_argument("--max-seconds", type=float, default=600)
ap.add_argument("--log")
ap.add_argument("--port", type=int, default=0, help="listen on this port (default: any free one)")
ap.add_argument("--fail-match", help="answer 500 to every request whose target contains this")
ap.add_argument("--ignore-conditional", action="store_true",
                help="turn a 412 answer to a conditional PUT into 200, as a store ignoring If-None-Match would")
ap.add_argument("--sequence", help="NEEDLE=ACTION,ACTION,...[;NEEDLE=...]: scripted answers (see above)")
args = ap.parse_args()
sequences = []  # [needle, [actions], used]
for part in (args.sequence or "").split(";"):
    if part:
        needle, _, acts = part.partition("=")
        sequences.append([needle, acts.split(","), 0])
rng = random.Random(args.seed)
lock = threading.Lock()
counts = {}
logf = open(args.log, "a") if args.log else None

def scripted(method, target):
    with lock:
        for seq in sequences:
            if seq[0] in method + " " + target:
                seq[2] += 1
                if seq[2] <= len(seq[1]):
                    return seq[1][seq[2] - 1]
                return None
    return None

def decide():
    with lock:
        r = rng.random()
        rate = args.rate
        if r < rate * 0.25: k = "drop-before"
        elif r < rate * 0.5: k = "drop-after"
        elif r < rate * 0.6: k = "cut-body"
        elif r < rate * 0.8: k = "503"
        elif r < rate: k = "500"
        elif r < rate * 1.5: k = "delay"
        else: k = "pass"
        counts[k] = counts.get(k, 0) + 1
        return k, 0.1 + rng.random() * 0.5

ERR = ('<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code><Message>injected by faultproxy</Message>'
       '<RequestId>faultproxy</RequestId></Error>')

class Handler(StreamRequestHandler):
    def handle(self):
        up = None
        try:
            while True:
                line = self.rfile.readline(65537)
                if not line or line in (b"\r\n", b"\n"):
                    return
                method, target, _ = line.decode("latin-1").split(" ", 2)
                headers = []
                length = 0
                while True:
                    h = self.rfile.readline(65537)
                    if h in (b"\r\n", b"\n", b""):
                        break
                    name, _, value = h.decode("latin-1").partition(":")
                    value = value.strip()
                    if name.lower() == "content-length":
                        length = int(value)
                    headers.append((name, value))
                body = self.rfile.read(length) if length else b""
                kind, delay = decide()
                if args.fail_match and args.fail_match in target:
                    kind = "500"
                sc = scripted(method, target)
                if sc is not None:
                    kind = sc
                if logf:
                    logf.write("%s %s %s\n" % (kind, method, target[:120])); logf.flush()
                if kind == "drop-before":
                    return
                if kind == "not-http":
                    self.wfile.write(b"SSH-2.0-OpenSSH_9.2\r\n"); self.wfile.flush()
                    return
                if kind[:4] in ("307>", "301>"):
                    if kind[:3] == "307":
                        b = (ERR % "TemporaryRedirect").encode()
                        head = "HTTP/1.1 307 Temporary Redirect\r\nLocation: %s%s\r\n" % (kind[4:], target)
                    else:
                        b = (ERR % "PermanentRedirect").replace("</Error>", "<Endpoint>%s</Endpoint></Error>" % kind[4:]).encode()
                        head = "HTTP/1.1 301 Moved Permanently\r\n"
                    self.wfile.write(("%sContent-Type: application/xml\r\nContent-Length: %d\r\n\r\n" % (head, len(b))).encode())
                    if method != "HEAD":
                        self.wfile.write(b)
                    self.wfile.flush()
                    continue
                if kind.startswith("slowdown-after:"):
                    b = (ERR % "SlowDown").encode()
                    self.wfile.write(("HTTP/1.1 503 Slow Down\r\nContent-Type: application/xml\r\nRetry-After: %s\r\n"
                                      "Content-Length: %d\r\n\r\n" % (kind.split(":", 1)[1], len(b))).encode())
                    if method != "HEAD":
                        self.wfile.write(b)
                    self.wfile.flush()
                    continue
                if kind in ("503", "500") or kind[:4] in ("301:", "400:", "403:", "404:", "501:", "200:"):
                    status, code = (kind, "SlowDown" if kind == "503" else "InternalError") if kind in ("503", "500") \
                        else kind.split(":", 1)
                    b = (ERR % code).encode()
                    region = "x-amz-bucket-region: eu-west-1\r\n" if status == "301" else ""
                    self.wfile.write(("HTTP/1.1 %s %s\r\nContent-Type: application/xml\r\n%sContent-Length: %d\r\n\r\n"
                                      % (status, "Injected", region, len(b))).encode())
                    if method != "HEAD":
                        self.wfile.write(b)
                    self.wfile.flush()
                    continue
                if kind == "delay":
                    time.sleep(delay)
                if up is None:
                    up = http.client.HTTPConnection("127.0.0.1", args.upstream, timeout=60)
                up.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
                for n, v in headers:
                    up.putheader(n, v)
                up.endheaders(body if body else None)
                resp = up.getresponse()
                data = resp.read()
                if kind == "drop-after":
                    return
                if kind == "half-body":
                    data = data[: len(data) // 2]
                if kind == "dup-list" and b"<Contents>" in data:
                    first = data[data.index(b"<Contents>"): data.index(b"</Contents>") + 11]
                    last = data[data.rindex(b"<Contents>"): data.rindex(b"</Contents>") + 11]
                    end = data.rindex(b"</Contents>") + 11
                    data = data[:end] + last + first + data[end:]
                if kind.startswith("list-token:") and b"<ListBucketResult" in data:
                    import re
                    tok = kind.split(":", 1)[1].encode()
                    data = re.sub(rb"<IsTruncated>[a-z]*</IsTruncated>", b"<IsTruncated>true</IsTruncated>", data)
                    data = re.sub(rb"<NextContinuationToken>[^<]*</NextContinuationToken>", b"", data)
                    data = data.replace(b"</ListBucketResult>",
                                        b"<NextContinuationToken>" + tok + b"</NextContinuationToken></ListBucketResult>")
                status, reason = resp.status, resp.reason
                if args.ignore_conditional and method == "PUT" and status == 412:
                    status, reason, data = 200, "OK", b""
                out = ["HTTP/1.1 %d %s" % (status, reason)]
                for n, v in resp.getheaders():
                    if n.lower() in ("transfer-encoding", "connection", "content-length"):
                        continue
                    if kind == "no-etag" and n.lower() == "etag":
                        continue
                    if kind == "shift-range" and n.lower() == "content-range":
                        r, _, total = v.split(" ")[1].partition("/")
                        a, b = r.split("-")
                        v = "bytes %d-%d/%s" % (int(a) + 1, int(b) + 1, total)
                        data = data[1:] + b"?"
                    if kind == "other-etag" and n.lower() == "etag":
                        dash = v.find("-")
                        v = '"0123456789abcdef0123456789abcdef%s"' % (v[dash:].strip('"') if dash >= 0 else "")
                    out.append("%s: %s" % (n, v))
                if method == "HEAD":
                    cl = resp.getheader("Content-Length")
                    if cl is not None:
                        out.append("Content-Length: %s" % cl)
                else:
                    out.append("Content-Length: %d" % (len(data) // 2 if kind == "long-body" else len(data)))
                self.wfile.write(("\r\n".join(out) + "\r\n\r\n").encode("latin-1"))
                if method != "HEAD":
                    if kind == "cut-body" and len(data) > 1:
                        self.wfile.write(data[: len(data) // 2])
                        self.wfile.flush()
                        return
                    if kind.startswith("pause-body:"):
                        self.wfile.flush()
                        time.sleep(float(kind.split(":", 1)[1]))
                    self.wfile.write(data)
                self.wfile.flush()
        except (ConnectionError, socket.timeout, ValueError, http.client.HTTPException):
            return
        finally:
            if up is not None:
                up.close()

class Server(ThreadingMixIn, TCPServer):
    daemon_threads = True
    allow_reuse_address = True

srv = Server(("127.0.0.1", args.port), Handler)
print("PORT %d" % srv.server_address[1], flush=True)
threading.Thread(target=srv.serve_forever, daemon=True).start()
timer = threading.Timer(args.max_seconds, lambda: os._exit(3))  # bounded in time, whatever happens
timer.daemon = True
timer.start()
try:
    sys.stdin.read()  # the test closes our stdin when it is done
finally:
    srv.shutdown()
    print("faultproxy: " + " ".join("%s=%d" % kv for kv in sorted(counts.items())), file=sys.stderr, flush=True)
