"""A small JSON API on the standard library's HTTP server, for the `http_worker` example and its
test (`tests/integration/http.rs`).

    python http_api.py --port 8000

- ``GET /users/1`` answers a user; any other id but 2 is 404;
- ``GET /users/2`` answers 503 with ``Retry-After: 2`` the first time, then the user;
- ``POST /orders`` (JSON ``{"sku", "quantity"}``, header ``Idempotency-Key``) creates an order,
  once per key; the first request of each key answers 502 *after* creating it, as a gateway that
  lost the response would;
- ``GET /stats`` answers what happened: orders created, requests per path, the idempotency keys
  and user agents seen.

Prints ``listening on PORT`` once it accepts connections.
"""

import argparse
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

USERS = {
    1: {"id": 1, "name": "Ada", "email": "ada@example.com"},
    2: {"id": 2, "name": "Grace", "email": "grace@example.com"},
}

lock = threading.Lock()
state = {"orders": {}, "requests": {}, "keys": [], "user_agents": set(), "flaky_served": False}


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):  # quiet: the test prints what matters
        pass

    def answer(self, status, body, headers=()):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def count(self):
        with lock:
            state["requests"][self.path] = state["requests"].get(self.path, 0) + 1
            state["user_agents"].add(self.headers.get("User-Agent", ""))

    def do_GET(self):
        self.count()
        if self.path == "/stats":
            with lock:
                stats = {
                    "orders_created": len(state["orders"]),
                    "requests": state["requests"],
                    "keys": state["keys"],
                    "user_agents": sorted(state["user_agents"]),
                }
            return self.answer(200, stats)
        if self.path.startswith("/users/"):
            try:
                user_id = int(self.path.removeprefix("/users/"))
            except ValueError:
                return self.answer(400, {"error": "not a user id"})
            if user_id == 2:
                with lock:
                    first, state["flaky_served"] = not state["flaky_served"], True
                if first:
                    return self.answer(503, {"error": "overloaded"}, [("Retry-After", "2")])
            if user_id in USERS:
                return self.answer(200, USERS[user_id])
            return self.answer(404, {"error": f"no user {user_id}"})
        self.answer(404, {"error": "no such path"})

    def do_POST(self):
        self.count()
        if self.path != "/orders":
            return self.answer(404, {"error": "no such path"})
        key = self.headers.get("Idempotency-Key")
        if not key:
            return self.answer(400, {"error": "Idempotency-Key missing"})
        order = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
        with lock:
            state["keys"].append(key)
            created = key not in state["orders"]
            if created:
                state["orders"][key] = {"order_id": f"order-{len(state['orders']) + 1}", **order}
            stored = state["orders"][key]
        if created:
            return self.answer(502, {"error": "bad gateway (the order was created)"})
        self.answer(200, {"order_id": stored["order_id"]})


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    print(f"listening on {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
