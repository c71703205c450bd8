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
- the routes the load profile's mix sends (packages/loadtest DEFAULT_MIX), each on the real data
  tier: POST /api/auth/login {email, password} reads the user from MySQL (salted SHA-256; the
  real API's BCrypt costs far more CPU), records the login (UPDATE) and writes a new refresh token
  to the cache (SET ... EX 14 days); POST /api/auth/reissue {refreshToken} reads the refresh token
  from the cache (401 when absent), slides its expiry (EXPIRE) and answers a new HS256 access
  token; GET /api/places?page=N reads a page of places from MySQL; GET /api/plans/{owner} reads
  an owner's latest plans; POST /api/plans {owner, title, days} inserts one (201). The tables are
  created at the first data request (CREATE TABLE IF NOT EXISTS, as schema migration would).
  MySQL connections come from a pool of E2E_API_DB_POOL (default 10, Hikari's maximumPoolSize),
  the cache's from redis-py's own pool;
- test controls, answered only to 127.0.0.1 (a `docker exec` into the container; never through
  nginx, whose requests come from another container): POST /e2e/fixtures {users, email,
  password, refreshToken} creates users 1..N (`{n}` in each pattern is the number) and their
  refresh tokens; POST /e2e/stall {everySeconds, stallMs} makes every request that arrives in the
  first stallMs of each everySeconds wait until that window ends, as a stop-the-world pause does
  (stallMs 0 turns it off);
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

import base64
import hashlib
import hmac
import json
import os
import queue
import re
import secrets
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


SCHEMA = (
    """CREATE TABLE IF NOT EXISTS users (
        id BIGINT PRIMARY KEY, email VARCHAR(191) NOT NULL UNIQUE, salt CHAR(32) NOT NULL,
        password_hash CHAR(64) NOT NULL, last_login_at DATETIME(3) NULL)""",
    """CREATE TABLE IF NOT EXISTS places (
        id BIGINT PRIMARY KEY, name VARCHAR(100) NOT NULL, city VARCHAR(50) NOT NULL, rating DECIMAL(2,1) NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS plans (
        id BIGINT AUTO_INCREMENT PRIMARY KEY, owner BIGINT NOT NULL, title VARCHAR(100) NOT NULL,
        days INT NOT NULL, created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3), KEY owner_id (owner, id))""",
)
PLACE_COUNT = 200
PAGE_SIZE = 20
REFRESH_TOKEN_SECONDS = 14 * 24 * 3600
ACCESS_TOKEN_SECONDS = 30 * 60
# Signs the access tokens; a key per process is enough for a stand-in nobody verifies against.
TOKEN_KEY = os.urandom(32)


def password_hash(salt, password):
    return hashlib.sha256((salt + password).encode()).hexdigest()


def access_token(user_id):
    def part(value):
        return base64.urlsafe_b64encode(json.dumps(value, separators=(",", ":")).encode()).rstrip(b"=")

    now = int(time.time())
    signing_input = part({"alg": "HS256", "typ": "JWT"}) + b"." + part({"sub": str(user_id), "iat": now, "exp": now + ACCESS_TOKEN_SECONDS})
    signature = base64.urlsafe_b64encode(hmac.new(TOKEN_KEY, signing_input, hashlib.sha256).digest()).rstrip(b"=")
    return (signing_input + b"." + signature).decode()


class Data:
    """What the API routes use: a pool of MySQL connections (Hikari-like) and the cache's client."""

    def __init__(self):
        self.pool = queue.LifoQueue()
        self.size = int(os.environ.get("E2E_API_DB_POOL", "10"))
        self.opened = 0
        self.lock = threading.Lock()
        self.schema_ready = False
        self.cache_client = None

    def connection(self):
        try:
            return self.pool.get_nowait()
        except queue.Empty:
            pass
        with self.lock:
            grow = self.opened < self.size
            if grow:
                self.opened += 1
        if not grow:
            return self.pool.get(timeout=30)  # Hikari's connectionTimeout
        try:
            connection = Database().connect()
            connection.autocommit(True)
            return connection
        except Exception:
            with self.lock:
                self.opened -= 1
            raise

    def query(self, sql, args=None, many=False):
        """Runs one statement on a pooled connection: (rows, lastrowid). A broken connection is dropped."""
        self.ensure_schema()
        connection = self.connection()
        try:
            with connection.cursor() as cursor:
                if many:
                    cursor.executemany(sql, args)
                else:
                    cursor.execute(sql, args)
                result = (cursor.fetchall(), cursor.lastrowid)
        except Exception:
            try:
                connection.close()
            except Exception:
                pass
            with self.lock:
                self.opened -= 1
            raise
        self.pool.put(connection)
        return result

    def ensure_schema(self):
        if self.schema_ready:
            return
        with self.lock:
            if self.schema_ready:
                return
            connection = Database().connect()
            try:
                connection.autocommit(True)
                with connection.cursor() as cursor:
                    for statement in SCHEMA:
                        cursor.execute(statement)
                    cities = ("Seoul", "Busan", "Jeju", "Gyeongju", "Incheon")
                    cursor.executemany(
                        "INSERT IGNORE INTO places (id, name, city, rating) VALUES (%s, %s, %s, %s)",
                        [(i, f"Place {i}", cities[i % len(cities)], 3 + (i % 20) / 10) for i in range(1, PLACE_COUNT + 1)],
                    )
            finally:
                connection.close()
            self.schema_ready = True

    def cache(self):
        with self.lock:
            if self.cache_client is None:
                self.cache_client = Cache().new_client()
            return self.cache_client


data = Data()


class Stall:
    """A stop-the-world pause: requests arriving in the first `stall` seconds of every `every` wait until it ends."""

    def __init__(self):
        self.every = 0.0
        self.stall = 0.0
        self.origin = time.monotonic()

    def set(self, every_seconds, stall_ms):
        self.origin = time.monotonic()
        self.every, self.stall = float(every_seconds), float(stall_ms) / 1000

    def wait(self):
        if self.stall <= 0 or self.every <= 0:
            return
        into = (time.monotonic() - self.origin) % self.every
        if into < self.stall:
            time.sleep(self.stall - into)


stall = Stall()
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
        # Tomcat's default (tcpNoDelay=true): headers and body go out as two writes, and Nagle
        # would hold the body until the peer's delayed ACK, 40 ms on Linux.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
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
            path = urllib.parse.urlsplit(self.path).path
            if path.startswith("/e2e/"):
                self.control(path, received)
                return
            stall.wait()
            if path == "/api/echo":
                self.send_json(200, {**self.info(), "method": "POST", "receivedBytes": len(received)})
            elif path in ("/api/auth/login", "/api/auth/reissue", "/api/plans"):
                try:
                    body = json.loads(received or b"{}")
                except ValueError:
                    self.send_json(400, {"status": 400, "error": "Bad Request", "message": "the body is not JSON"})
                    return
                self.data_route(lambda: self.post_data(path, body))
            else:
                self.send_json(405, {"status": 405, "error": "Method Not Allowed", "path": self.path})
        finally:
            with state_lock:
                state["active"] -= 1

    def data_route(self, answer):
        """Answers (status, body) from `answer`; the data tier failing is a 503, as Spring's would be a 5xx."""
        try:
            status, body = answer()
        except Exception as error:
            log(f"data route {self.path}: {type(error).__name__}: {error}")
            status, body = 503, {"status": 503, "error": "Service Unavailable", "message": type(error).__name__}
        self.send_json(status, body)

    def post_data(self, path, body):
        if path == "/api/auth/login":
            email, password = str(body.get("email", "")), str(body.get("password", ""))
            rows, _ = data.query("SELECT id, salt, password_hash FROM users WHERE email = %s", (email,))
            if not rows or not hmac.compare_digest(rows[0][2], password_hash(rows[0][1], password)):
                return 401, {"status": 401, "error": "Unauthorized"}
            user_id = rows[0][0]
            data.query("UPDATE users SET last_login_at = CURRENT_TIMESTAMP(3) WHERE id = %s", (user_id,))
            refresh = secrets.token_urlsafe(32)
            data.cache().set(f"refresh:{refresh}", user_id, ex=REFRESH_TOKEN_SECONDS)
            return 200, {"userId": user_id, "accessToken": access_token(user_id), "refreshToken": refresh}
        if path == "/api/auth/reissue":
            key = f"refresh:{body.get('refreshToken', '')}"
            cache = data.cache()
            user_id = cache.get(key)
            if user_id is None:
                return 401, {"status": 401, "error": "Unauthorized"}
            cache.expire(key, REFRESH_TOKEN_SECONDS)  # sliding: a used refresh token lives on
            return 200, {"userId": int(user_id), "accessToken": access_token(user_id.decode())}
        owner, title, days = body.get("owner"), body.get("title"), body.get("days")
        if not isinstance(owner, int) or not isinstance(title, str) or not 0 < len(title) <= 100 or not isinstance(days, int) or not 0 < days <= 365:
            return 400, {"status": 400, "error": "Bad Request", "message": "owner (a number), title (1 to 100 characters) and days (1 to 365) are required"}
        _, plan_id = data.query("INSERT INTO plans (owner, title, days) VALUES (%s, %s, %s)", (owner, title, days))
        return 201, {"id": plan_id, "owner": owner, "title": title, "days": days}

    def control(self, path, received):
        """Test controls: only from inside the container (nginx's requests come from another address)."""
        if self.client_address[0] != "127.0.0.1":
            self.send_json(403, {"status": 403, "error": "Forbidden"})
            return
        body = json.loads(received or b"{}")
        if path == "/e2e/stall":
            stall.set(body.get("everySeconds", 0), body.get("stallMs", 0))
            log(f"stall: {stall.stall * 1000:g} ms every {stall.every:g} s")
            self.send_json(200, {"everySeconds": stall.every, "stallMs": stall.stall * 1000})
        elif path == "/e2e/fixtures":
            self.data_route(lambda: (200, fixtures(int(body["users"]), body["email"], body["password"], body["refreshToken"])))
        else:
            self.send_json(404, {"status": 404, "error": "Not Found", "path": path})

    def route(self, head):
        url = urllib.parse.urlsplit(self.path)
        if url.path.startswith("/api/"):
            stall.wait()
        plan = re.fullmatch(r"/api/plans/(\d+)", url.path)
        if url.path == "/api/places":
            page = max(1, int((urllib.parse.parse_qs(url.query).get("page") or ["1"])[0] or 1))

            def places():
                rows, _ = data.query("SELECT id, name, city, rating FROM places ORDER BY id LIMIT %s OFFSET %s", (PAGE_SIZE, (page - 1) * PAGE_SIZE))
                return 200, {"page": page, "places": [{"id": r[0], "name": r[1], "city": r[2], "rating": float(r[3])} for r in rows]}

            self.data_route(places)
        elif plan:

            def plans():
                rows, _ = data.query("SELECT id, title, days FROM plans WHERE owner = %s ORDER BY id DESC LIMIT 10", (int(plan.group(1)),))
                return 200, {"owner": int(plan.group(1)), "plans": [{"id": r[0], "title": r[1], "days": r[2]} for r in rows]}

            self.data_route(plans)
        elif url.path == "/actuator/health":
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


def fixtures(users, email, password, refresh_token):
    """Users 1..N with their passwords and refresh tokens: the accounts a load test logs in as."""
    if not 0 < users <= 1_000_000:
        raise ValueError("users: 1 to 1,000,000")
    batch = 2000
    for start in range(1, users + 1, batch):
        rows = []
        for n in range(start, min(users, start + batch - 1) + 1):
            salt = secrets.token_hex(16)
            rows.append((n, email.replace("{n}", str(n)), salt, password_hash(salt, password.replace("{n}", str(n)))))
        data.query("REPLACE INTO users (id, email, salt, password_hash) VALUES (%s, %s, %s, %s)", rows, many=True)
        pipeline = data.cache().pipeline(transaction=False)
        for n in range(start, min(users, start + batch - 1) + 1):
            pipeline.set(f"refresh:{refresh_token.replace('{n}', str(n))}", n, ex=REFRESH_TOKEN_SECONDS)
        pipeline.execute()
    return {"users": users}


class Server(ThreadingHTTPServer):
    # Tomcat's acceptCount (100). socketserver's default backlog is 5: when nginx opens a burst of
    # connections to a colour that has just joined, the kernel drops SYNs past it, and the client's
    # retransmission (1 s, then 2 s more) shows up as a request slower than wrk's 2 s timeout.
    request_queue_size = 100

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
