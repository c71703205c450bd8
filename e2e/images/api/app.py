#!/usr/bin/env python3
"""A stand-in for the trafficlab Spring Boot 3 API, for the end-to-end tier.

It reads what Spring Boot reads from the environment and behaves like the parts of the app the
deploy depends on:
- listens on 8080 (SERVER_PORT), HTTP/1.1 with keep-alive (nginx reuses upstream connections),
  closing idle connections after 20 s like Tomcat;
- GET /actuator/health: 200 {"status":"UP"} only when MySQL (SPRING_DATASOURCE_*) answers a
  query over TLS and the cache (SPRING_DATA_REDIS_*) answers PING over TLS after AUTH; else 503
  {"status":"DOWN"}. /actuator/health/db and /actuator/health/redis say why;
- GET / and GET /api/info: 200 JSON with the image's version, the mode, SPRING_PROFILES_ACTIVE
  and TZ, so a test sees which version serves; GET /api/slow?ms=N answers after N ms (<= 30 s);
  POST /api/echo (a body of at most 64 KiB) answers 200 with the info and the body's length: a
  request nginx must not retry on another container (not idempotent);
- SIGTERM: graceful shutdown like Spring's: no new connections, requests in flight finish,
  idle keep-alive connections close, then exit 0 (at most 30 s).
API_MODE (baked in per variant): healthy | never-healthy (health always 503) | crashing (exits 1
after E2E_API_CRASH_AFTER_SECONDS, default 3).

TLS trust is the system store (/etc/ssl/certs), as a JVM's cacerts. MySQL: sslMode DISABLED
sends plaintext (the server refuses it); PREFERRED, REQUIRED and VERIFY_CA encrypt and verify the
chain (stricter than Connector/J, which checks nothing below VERIFY_CA); VERIFY_IDENTITY also
checks the host name. The cache: chain and host name, as Lettuce does by default.
Connections are kept and reused like Hikari's pool and Lettuce's connection, so a password
change does not affect a connection already open; E2E_API_CONNECTIONS=fresh opens new ones for
every check instead.
"""

import json
import os
import signal
import socket
import ssl
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pymysql
import redis

MODE = os.environ.get("API_MODE", "healthy")
VERSION = os.environ.get("API_VERSION", "v1")
PORT = int(os.environ.get("SERVER_PORT", "8080"))
PROFILE = os.environ.get("SPRING_PROFILES_ACTIVE", "default")
TIME_ZONE = os.environ.get("TZ", "")
CONNECTIONS = os.environ.get("E2E_API_CONNECTIONS", "pooled")
SHUTDOWN_SECONDS = 30  # spring.lifecycle.timeout-per-shutdown-phase
KEEP_ALIVE_SECONDS = 20  # Tomcat's keepAliveTimeout (connectionTimeout) default
HEALTH_CACHE_SECONDS = 1.0  # concurrent probes share one check instead of piling up


def log(message):
    print(f"{time.strftime('%Y-%m-%dT%H:%M:%S%z')} {VERSION} {message}", flush=True)


def parse_datasource_url(url):
    """jdbc:mysql://host[:port]/database[?key=value&...] -> (host, port, database, params)."""
    prefix = "jdbc:mysql://"
    if not url.startswith(prefix):
        raise ValueError(f"SPRING_DATASOURCE_URL must start with {prefix}")
    parts = urllib.parse.urlsplit("mysql://" + url[len(prefix):])
    params = {key.lower(): value for key, value in urllib.parse.parse_qsl(parts.query)}
    return parts.hostname, parts.port or 3306, parts.path.lstrip("/"), params


def mysql_tls_context(params):
    mode = params.get("sslmode", "").upper()
    if not mode:
        mode = "DISABLED" if params.get("usessl", "").lower() == "false" else "PREFERRED"
    if mode == "DISABLED":
        return None
    context = ssl.create_default_context()
    context.check_hostname = mode == "VERIFY_IDENTITY"
    return context


class Database:
    """One kept connection, checked with a query and replaced when it fails (Hikari-like)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.connection = None

    def connect(self):
        host, port, database, params = parse_datasource_url(os.environ["SPRING_DATASOURCE_URL"])
        return pymysql.connect(
            host=host,
            port=port,
            user=os.environ.get("SPRING_DATASOURCE_USERNAME", ""),
            password=os.environ.get("SPRING_DATASOURCE_PASSWORD", ""),
            database=database,
            ssl=mysql_tls_context(params),
            charset="utf8mb4",
            connect_timeout=3,
            read_timeout=5,
            write_timeout=5,
        )

    @staticmethod
    def query(connection):
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
            cursor.execute("SHOW SESSION STATUS LIKE 'Ssl_version'")
            row = cursor.fetchone()
        return {"database": connection.get_server_info(), "tls": row[1] if row and row[1] else "none"}

    def check(self):
        with self.lock:
            if CONNECTIONS == "fresh":
                connection = self.connect()
                try:
                    return self.query(connection)
                finally:
                    connection.close()
            if self.connection is not None:
                try:
                    return self.query(self.connection)
                except Exception:  # a broken pooled connection is replaced, as Hikari does
                    self.close()
            self.connection = self.connect()
            return self.query(self.connection)

    def close(self):
        try:
            if self.connection is not None:
                self.connection.close()
        except Exception:
            pass
        self.connection = None


class Cache:
    """The cache client, with its own kept connection, PINGed after AUTH over TLS."""

    def __init__(self):
        self.lock = threading.Lock()
        self.client = None

    def new_client(self):
        tls = os.environ.get("SPRING_DATA_REDIS_SSL_ENABLED", "false").lower() == "true"
        options = {}
        if tls:
            options = {"ssl": True, "ssl_cert_reqs": "required", "ssl_check_hostname": True}
        return redis.Redis(
            host=os.environ.get("SPRING_DATA_REDIS_HOST", "localhost"),
            port=int(os.environ.get("SPRING_DATA_REDIS_PORT", "6379")),
            username=os.environ.get("SPRING_DATA_REDIS_USERNAME") or None,
            password=os.environ.get("SPRING_DATA_REDIS_PASSWORD") or None,
            socket_timeout=3,
            socket_connect_timeout=3,
            **options,
        )

    def check(self):
        with self.lock:
            if CONNECTIONS == "fresh" or self.client is None:
                if self.client is not None:
                    self.client.close()
                self.client = self.new_client()
            if not self.client.ping():
                raise RuntimeError("PING did not answer PONG")
            server = self.client.info("server")
            tls = os.environ.get("SPRING_DATA_REDIS_SSL_ENABLED", "false").lower() == "true"
            return {"version": server.get("valkey_version") or server.get("redis_version"), "tls": tls}


class Health:
    def __init__(self):
        self.database = Database()
        self.cache = Cache()
        self.lock = threading.Lock()
        self.checked_at = 0.0
        self.result = None
        self.last_logged = None

    def components(self):
        result = {}
        for name, component in (("db", self.database), ("redis", self.cache)):
            try:
                result[name] = {"status": "UP", "details": component.check()}
            except Exception as error:  # any failure is DOWN, with the reason for the logs
                result[name] = {"status": "DOWN", "details": {"error": f"{type(error).__name__}: {error}"}}
        return result

    def check(self):
        with self.lock:
            if self.result is None or time.monotonic() - self.checked_at > HEALTH_CACHE_SECONDS:
                components = self.components()
                if MODE == "never-healthy":
                    components["standin"] = {"status": "DOWN", "details": {"error": "API_MODE=never-healthy"}}
                status = "UP" if all(c["status"] == "UP" for c in components.values()) else "DOWN"
                self.result = {"status": status, "components": components}
                self.checked_at = time.monotonic()
                summary = json.dumps(self.result, sort_keys=True)
                if summary != self.last_logged:  # log changes, not every probe
                    log(f"health {status}: {summary}")
                    self.last_logged = summary
            return self.result


health = Health()
state = {"stopping": False, "active": 0}
state_lock = threading.Lock()
connections = set()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = KEEP_ALIVE_SECONDS
    server_version = "trafficlab-api-standin"
    sys_version = ""

    def setup(self):
        super().setup()
        with state_lock:
            connections.add(self.connection)

    def finish(self):
        with state_lock:
            connections.discard(self.connection)
        try:
            super().finish()
        except OSError:
            pass

    def log_message(self, format, *args):
        pass  # access logs would drown the health transitions; nginx logs requests

    def send_json(self, status, body, head=False):
        data = (json.dumps(body) + "\n").encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if state["stopping"]:
            self.close_connection = True
            self.send_header("Connection", "close")
        self.end_headers()
        if not head:
            self.wfile.write(data)

    def do_HEAD(self):
        self.do_GET(head=True)

    def do_GET(self, head=False):
        with state_lock:
            state["active"] += 1
        try:
            self.route(head)
        finally:
            with state_lock:
                state["active"] -= 1

    def do_POST(self):
        with state_lock:
            state["active"] += 1
        try:
            length = int(self.headers.get("Content-Length") or "0")
            if length < 0 or length > 65536:
                self.send_json(413, {"status": 413, "error": "Payload Too Large"})
                return
            received = self.rfile.read(length)
            if urllib.parse.urlsplit(self.path).path == "/api/echo":
                self.send_json(200, {**self.info(), "method": "POST", "receivedBytes": len(received)})
            else:
                self.send_json(405, {"status": 405, "error": "Method Not Allowed", "path": self.path})
        finally:
            with state_lock:
                state["active"] -= 1

    def route(self, head):
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/actuator/health":
            result = health.check()
            self.send_json(200 if result["status"] == "UP" else 503, {"status": result["status"]}, head)
        elif url.path in ("/actuator/health/db", "/actuator/health/redis"):
            component = health.check()["components"][url.path.rsplit("/", 1)[1]]
            self.send_json(200 if component["status"] == "UP" else 503, component, head)
        elif url.path in ("/", "/api/info"):
            self.send_json(200, self.info(), head)
        elif url.path == "/api/slow":
            query = urllib.parse.parse_qs(url.query)
            milliseconds = max(0, min(30000, int(query.get("ms", ["1000"])[0])))
            time.sleep(milliseconds / 1000)
            self.send_json(200, {**self.info(), "sleptMs": milliseconds}, head)
        else:
            self.send_json(404, {"status": 404, "error": "Not Found", "path": url.path}, head)

    def info(self):
        return {
            "service": "trafficlab-api-standin",
            "version": VERSION,
            "mode": MODE,
            "profile": PROFILE,
            "tz": TIME_ZONE,
            "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "hostname": socket.gethostname(),
            "forwardedFor": self.headers.get("X-Forwarded-For"),
            "realIp": self.headers.get("X-Real-IP"),
        }


class Server(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        # A client that drops its connection (curl -f stops reading at a 503, a load client
        # stops) is no error of the app: Tomcat logs it at debug level, not as a stack trace.
        if isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            return
        super().handle_error(request, client_address)


def main():
    if TIME_ZONE:
        time.tzset()
    startup = float(os.environ.get("E2E_API_STARTUP_SECONDS", "0"))
    log(f"starting trafficlab API stand-in (mode {MODE}, profile {PROFILE}, TZ {TIME_ZONE or 'unset'})")
    time.sleep(startup)  # a JVM takes a while; tests can make the stand-in do the same
    server = Server(("0.0.0.0", PORT), Handler)
    server.daemon_threads = True  # shutdown waits for requests itself, with a bound

    def stop(signum, _frame):
        if state["stopping"]:
            return
        state["stopping"] = True
        log(f"{signal.Signals(signum).name}: graceful shutdown, waiting for active requests to complete")
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    if MODE == "crashing":
        after = float(os.environ.get("E2E_API_CRASH_AFTER_SECONDS", "3"))

        def crash():
            time.sleep(after)
            log(f"fatal: crashing on purpose (API_MODE=crashing) {after:g} s after start; exit 1")
            os._exit(1)

        threading.Thread(target=crash, daemon=True).start()

    log(f"Started: listening on {PORT}")
    server.serve_forever(poll_interval=0.2)
    server.server_close()  # no new connections from here on
    # Idle keep-alive connections stop reading (their handler sees EOF and closes); a request
    # already read still gets its response, since only the read side is shut.
    with state_lock:
        for connection in list(connections):
            try:
                connection.shutdown(socket.SHUT_RD)
            except OSError:
                pass
    # Done when every connection's handler has finished, not merely when no request is counted
    # active: a request already read but not yet counted (between the request line and do_GET)
    # would otherwise be cut mid-response when the process exits (nginx: "upstream prematurely
    # closed connection while reading upstream", and the client's connection closes). Handlers
    # end on the EOF above, or after answering with "Connection: close".
    deadline = time.monotonic() + SHUTDOWN_SECONDS
    while time.monotonic() < deadline:
        with state_lock:
            if state["active"] == 0 and not connections:
                break
        time.sleep(0.05)
    with state_lock:
        left = state["active"] + len(connections)
    log("Graceful shutdown complete" if left == 0 else f"Graceful shutdown aborted with {left} active request(s) or open connection(s)")
    sys.exit(0)


if __name__ == "__main__":
    main()
