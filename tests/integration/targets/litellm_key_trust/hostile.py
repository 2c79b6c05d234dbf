"""Servers that are not the LiteLLM proxy api_url claims: a redirector, an HTML login page, empty
answers. Prints its base URL; records every request that reaches it, and every request that reaches
the redirect target, one JSON line each, to the file given as argv[1]."""
import http.server
import json
import sys
import threading

LOG = open(sys.argv[1], "a", buffering=1)


def record(server, handler):
    n = int(handler.headers.get("Content-Length") or 0)
    body = handler.rfile.read(n).decode() if n else ""
    LOG.write(json.dumps({"server": server, "method": handler.command, "path": handler.path,
                          "authorization": handler.headers.get("Authorization", ""), "body": body}) + "\n")


class Target(http.server.BaseHTTPRequestHandler):
    """Another origin: whatever reaches it was sent where it must not go."""

    def do_any(self):
        record("target", self)
        self.send_response(404)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"detail": "Not Found"}')

    do_GET = do_POST = do_any

    def log_message(self, *a):
        pass


TOKEN = "0" * 63 + "1"
LISTS = {"n": 0}


class Hostile(http.server.BaseHTTPRequestHandler):
    target = ""

    def send_json(self, status, body):
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_any(self):
        record("hostile", self)
        kind = self.path.split("/")[1]
        if kind == "verifyfail":
            # A proxy that lists one key, confirms its delete, then fails every lookup.
            if self.command == "POST":
                return self.send_json(200, json.dumps({"deleted_keys": [TOKEN]}).encode())
            LISTS["n"] += 1
            if LISTS["n"] > 1:
                return self.send_json(500, b'{"error":{"message":"db down","type":"internal_server_error","param":"None","code":"500"}}')
            key = {"token": TOKEN, "key_alias": "trust-verifyfail", "key_name": "sk-...abcd", "models": []}
            return self.send_json(200, json.dumps({"keys": [key], "total_count": 1, "current_page": 1, "total_pages": 1}).encode())
        if kind == "redirectpost" and self.command == "GET":
            body, ctype = b'{"keys": [], "total_count": 0, "current_page": 1, "total_pages": 0}', "application/json"
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        if kind in ("redirect", "redirectpost"):
            self.send_response(307)
            self.send_header("Location", self.target + "/" + "/".join(self.path.split("/")[2:]))
            self.end_headers()
            return
        if kind == "html":
            body, ctype = b"<html><body><form>Sign in</form></body></html>", "text/html; charset=utf-8"
        else:  # empty: a 200 that says nothing
            body, ctype = b"{}", "application/json"
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_any

    def log_message(self, *a):
        pass


target = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Target)
Hostile.target = "http://127.0.0.1:%d" % target.server_address[1]
hostile = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hostile)
threading.Thread(target=target.serve_forever, daemon=True).start()
print("http://127.0.0.1:%d %s" % (hostile.server_address[1], Hostile.target), flush=True)
hostile.serve_forever()
