#!/usr/bin/env python3
"""A stand-in for the trafficlab Spring Boot 3 API, for the end-to-end tier.

It reads what Spring Boot reads from the environment and behaves like the parts of the app the
deploy depends on:
- listens on 8080 (SERVER_PORT) on every address (SERVER_ADDRESS, e.g. 127.0.0.1), HTTP/1.1 with keep-alive (nginx reuses upstream connections),
  closing idle connections after 20 s like Tomcat;
- GET /actuator/health: 200 {"status":"UP"} only when MySQL (SPRING_DATASOURCE_*) answers a
  query over TLS and the cache (SPRING_DATA_REDIS_*) answers PING over TLS after AUTH; else 503
  {"status":"DOWN"}. /actuator/health/db and /actuator/health/redis say why;
- GET / and GET /api/info: 200 JSON with the image's version, the mode, SPRING_PROFILES_ACTIVE
  and TZ, so a test sees which version serves; GET /api/slow?ms=N answers after N ms (<= 30 s);
  POST /api/echo (a body of at most 64 KiB) answers 200 with the info and the body's length: a
  request nginx must not retry on another container (not idempotent);
- GET /actuator/prometheus, when MANAGEMENT_ENDPOINTS_WEB_EXPOSURE_INCLUDE names prometheus (as
  in Spring Boot, whose default exposes health only; else 404): Micrometer's Prometheus text, with the names and labels Spring Boot 3
  emits, answered without MySQL or the cache. Measured here: http_server_requests_seconds
  (histogram with Micrometer's percentile buckets, 1 ms to 30 s, plus the 500 ms SLO bound;
  _count, _sum, a 2-minute _max; labels error, exception, method, outcome, status and uri, the
  route's template such as /api/plans/{owner}, /** for a 404) recorded per request in the handler;
  hikaricp_connections_* of the MySQL pool below (active, idle, pending, max, min, timeouts,
  acquire time); jvm_threads_live_threads (Python threads); process_cpu_usage (this process's
  CPU time over all cores since the last scrape). Synthetic but plausible, as Python has no JVM:
  jvm_gc_pause_seconds is the duration of Python's own cyclic collections (gc callbacks), by
  generation; jvm_memory_used_bytes{area="heap",id="G1 Old Gen"} is the process's resident memory
  and its max the JVM's default heap (25 % of the container's memory limit), beside eden and
  survivor pools at 0 used, max -1, as G1 reports them;
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
import gc
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
ADDRESS = os.environ.get("SERVER_ADDRESS", "0.0.0.0")  # Spring Boot's server.address
PROFILE = os.environ.get("SPRING_PROFILES_ACTIVE", "default")
TIME_ZONE = os.environ.get("TZ", "")
# management.endpoints.web.exposure.include: Spring Boot serves only health over HTTP unless told more.
EXPOSED_ENDPOINTS = {name.strip() for name in os.environ.get("MANAGEMENT_ENDPOINTS_WEB_EXPOSURE_INCLUDE", "health").split(",")}
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
        # What Hikari's metrics report: threads waiting, timeouts, and the time to get a connection.
        self.pending = 0
        self.timeouts = 0
        self.acquired = 0
        self.acquire_nanos = 0
        self.acquire_max = WindowMax()

    def connection(self):
        started = time.perf_counter_ns()
        connection = self.take()
        elapsed = time.perf_counter_ns() - started
        with self.lock:
            self.acquired += 1
            self.acquire_nanos += elapsed
            self.acquire_max.record(elapsed / NANOS)
        return connection

    def take(self):
        try:
            return self.pool.get_nowait()
        except queue.Empty:
            pass
        with self.lock:
            grow = self.opened < self.size
            if grow:
                self.opened += 1
        if not grow:
            with self.lock:
                self.pending += 1
            try:
                return self.pool.get(timeout=30)  # Hikari's connectionTimeout
            except queue.Empty:
                with self.lock:
                    self.timeouts += 1
                raise
            finally:
                with self.lock:
                    self.pending -= 1
        try:
            connection = Database().connect()
            connection.autocommit(True)
            return connection
        except Exception:
            with self.lock:
                self.opened -= 1
            raise

    def pool_state(self):
        """The pool as HikariCP's Micrometer gauges see it (a connection being opened counts as active)."""
        with self.lock:
            idle = self.pool.qsize()
            return {
                "active": max(0, self.opened - idle),
                "idle": idle,
                "pending": self.pending,
                "max": self.size,
                "min": self.size,  # minimumIdle defaults to maximumPoolSize
                "timeouts": self.timeouts,
                "acquired": self.acquired,
                "acquire_nanos": self.acquire_nanos,
                "acquire_max": self.acquire_max.value(),
            }

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


# --- Micrometer-shaped metrics (GET /actuator/prometheus) -------------------------------------
# Names, labels and bucket bounds are those Spring Boot 3 / Micrometer emit with
# management.metrics.distribution.percentiles-histogram.http.server.requests=true and
# slo.http.server.requests=500ms, so the dashboards and alert rules read the stand-in as they
# would read the real API. Timings are measured here; what Python has no JVM for is approximated
# (see the module docstring).
NANOS = 1_000_000_000


def micrometer_percentile_buckets():
    """Micrometer's PercentileHistogramBuckets (nanoseconds), kept between a timer's 1 ms and 30 s."""
    buckets = {1, 2, 3}
    exp = 2
    while exp < 64:
        current = 1 << exp
        delta = current // 3
        following = (current << 2) - delta
        while current < following:
            buckets.add(current)
            current += delta
        exp += 2
    return sorted(b for b in buckets if 1_000_000 <= b <= 30 * NANOS)


# The SLO bound sits exactly on the 500 ms p99 target, as the application's configuration puts it.
HTTP_BUCKETS = sorted(set(micrometer_percentile_buckets()) | {500_000_000})
MAX_EXPIRY_SECONDS = 120.0  # Micrometer's distribution expiry: a _max forgets after 2 minutes
MAX_BUFFERS = 3  # ... rotating through 3 buffers (bufferLength)


def go_float(value):
    """A sample value as Micrometer's text format writes it (Java's Double.toString, near enough)."""
    if value == float("inf"):
        return "+Inf"
    if value == float("-inf"):
        return "-Inf"
    if value != value:
        return "NaN"
    return repr(float(value))


def label_text(labels):
    def escape(value):
        return str(value).replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')

    return ",".join(f'{key}="{escape(value)}"' for key, value in labels)


class WindowMax:
    """Micrometer's TimeWindowMax: the largest value of the last 2 minutes, over rotating buffers."""

    def __init__(self):
        self.buffers = [0.0] * MAX_BUFFERS
        self.index = 0
        self.rotated_at = time.monotonic()

    def rotate(self):
        step = MAX_EXPIRY_SECONDS / MAX_BUFFERS
        now = time.monotonic()
        while now - self.rotated_at >= step:
            self.buffers[self.index] = 0.0
            self.index = (self.index + 1) % MAX_BUFFERS
            self.rotated_at += step
            if now - self.rotated_at > MAX_EXPIRY_SECONDS:
                self.buffers = [0.0] * MAX_BUFFERS
                self.rotated_at = now

    def record(self, value):
        self.rotate()
        self.buffers = [max(b, value) for b in self.buffers]

    def value(self):
        self.rotate()
        return self.buffers[self.index]


class Timer:
    """One Micrometer timer series: count, total, window max, and (optionally) histogram buckets."""

    def __init__(self, buckets=None):
        self.count = 0
        self.total_nanos = 0
        self.max = WindowMax()
        self.buckets = buckets
        self.bucket_counts = [0] * len(buckets) if buckets else None

    def record(self, nanos):
        self.count += 1
        self.total_nanos += nanos
        self.max.record(nanos / NANOS)
        if self.buckets:
            for i, bound in enumerate(self.buckets):
                if nanos <= bound:
                    self.bucket_counts[i] += 1  # cumulative below: each bucket counts every value <= its bound


class Metrics:
    """The stand-in's meter registry; every recording and the scrape share one lock."""

    def __init__(self):
        self.lock = threading.Lock()
        self.http = {}  # label tuple -> Timer
        # The keys on_gc records under exist from the start: a collection can run while a scrape
        # copies this dict, and a key added then would break the copy.
        self.gc = {self.gc_key(generation): Timer() for generation in range(3)}
        self.gc_started = {}
        self.started_at = time.time()
        self.cpu_at = (time.monotonic(), sum(os.times()[:2]))
        gc.callbacks.append(self.on_gc)

    def record_request(self, method, uri, status, exception, nanos):
        outcome = {1: "INFORMATIONAL", 2: "SUCCESS", 3: "REDIRECTION", 4: "CLIENT_ERROR", 5: "SERVER_ERROR"}.get(status // 100, "UNKNOWN")
        error = exception or "none"
        key = (("error", error), ("exception", error), ("method", method), ("outcome", outcome), ("status", str(status)), ("uri", uri))
        with self.lock:
            timer = self.http.get(key)
            if timer is None:
                timer = self.http[key] = Timer(HTTP_BUCKETS)
            timer.record(nanos)

    def on_gc(self, phase, info):
        # Python's cyclic collector stops the interpreter's threads (the GIL is held) while it runs:
        # the nearest thing to a JVM's GC pause, measured the same way, start to end.
        generation = info.get("generation", 0)
        if phase == "start":
            self.gc_started[generation] = time.perf_counter_ns()
            return
        started = self.gc_started.pop(generation, None)
        if started is None:
            return
        # Not under self.lock: a collection can start while this thread holds it (a deadlock);
        # a count off by one in a race between two threads' collections is harmless.
        timer = self.gc.get(self.gc_key(generation))
        if timer is not None:
            timer.record(time.perf_counter_ns() - started)

    @staticmethod
    def gc_key(generation):
        action = "end of major GC" if generation == 2 else "end of minor GC"
        return (("action", action), ("cause", "Allocation Threshold"), ("gc", f"Python generation {generation}"))

    def render(self):
        lines = []

        def family(name, kind, help_text, samples):
            lines.append(f"# HELP {name} {help_text}")
            lines.append(f"# TYPE {name} {kind}")
            for sample_name, labels, value in samples:
                lines.append(f"{sample_name}{{{label_text(labels)}}} {go_float(value)}" if labels else f"{sample_name} {go_float(value)}")

        with self.lock:
            http = [(key, timer.count, timer.total_nanos, timer.max.value(), list(timer.bucket_counts)) for key, timer in self.http.items()]
        # Micrometer registers a GC timer at its first pause: one that never paused is not written.
        gcs = [(key, timer.count, timer.total_nanos, timer.max.value()) for key, timer in list(self.gc.items()) if timer.count]

        samples = []
        for key, count, total, _, buckets in http:
            for bound, bucket_count in zip(HTTP_BUCKETS, buckets):
                samples.append(("http_server_requests_seconds_bucket", key + (("le", go_float(bound / NANOS)),), bucket_count))
            samples.append(("http_server_requests_seconds_bucket", key + (("le", "+Inf"),), count))
            samples.append(("http_server_requests_seconds_count", key, count))
            samples.append(("http_server_requests_seconds_sum", key, total / NANOS))
        family("http_server_requests_seconds", "histogram", "Duration of HTTP server request handling", samples)
        family("http_server_requests_seconds_max", "gauge", "Duration of HTTP server request handling", [("http_server_requests_seconds_max", key, peak) for key, _, _, peak, _ in http])

        samples = []
        for key, count, total, _ in gcs:
            samples.append(("jvm_gc_pause_seconds_count", key, count))
            samples.append(("jvm_gc_pause_seconds_sum", key, total / NANOS))
        family("jvm_gc_pause_seconds", "summary", "Time spent in GC pause", samples)
        family("jvm_gc_pause_seconds_max", "gauge", "Time spent in GC pause", [("jvm_gc_pause_seconds_max", key, peak) for key, _, _, peak in gcs])

        # Heap: the process's resident memory stands for the old generation's use, and the
        # maximum is the JVM's default (MaxRAMPercentage 25 % of the container's memory limit).
        # Eden and survivor report max -1 as G1's do, which the heap rules must leave out.
        heap = [
            ((("area", "heap"), ("id", "G1 Eden Space")), 0, -1),
            ((("area", "heap"), ("id", "G1 Old Gen")), resident_bytes(), memory_limit_bytes() // 4),
            ((("area", "heap"), ("id", "G1 Survivor Space")), 0, -1),
        ]
        family("jvm_memory_used_bytes", "gauge", "The amount of used memory", [("jvm_memory_used_bytes", key, used) for key, used, _ in heap])
        family("jvm_memory_max_bytes", "gauge", "The maximum amount of memory in bytes that can be used for memory management", [("jvm_memory_max_bytes", key, limit) for key, _, limit in heap])
        family("jvm_threads_live_threads", "gauge", "The current number of live threads including both daemon and non-daemon threads", [("jvm_threads_live_threads", (), threading.active_count())])

        pool = data.pool_state()
        tag = (("pool", POOL_NAME),)
        family("hikaricp_connections", "gauge", "Total connections", [("hikaricp_connections", tag, pool["active"] + pool["idle"])])
        for name, help_text in (("active", "Active connections"), ("idle", "Idle connections"), ("pending", "Pending threads"), ("max", "Max connections"), ("min", "Min connections")):
            family(f"hikaricp_connections_{name}", "gauge", help_text, [(f"hikaricp_connections_{name}", tag, pool[name])])
        family("hikaricp_connections_timeout_total", "counter", "Connection timeout total count", [("hikaricp_connections_timeout_total", tag, pool["timeouts"])])
        family("hikaricp_connections_acquire_seconds", "summary", "Connection acquire time", [("hikaricp_connections_acquire_seconds_count", tag, pool["acquired"]), ("hikaricp_connections_acquire_seconds_sum", tag, pool["acquire_nanos"] / NANOS)])
        family("hikaricp_connections_acquire_seconds_max", "gauge", "Connection acquire time", [("hikaricp_connections_acquire_seconds_max", tag, pool["acquire_max"])])

        now, cpu = time.monotonic(), sum(os.times()[:2])
        with self.lock:
            before_at, before_cpu = self.cpu_at
            self.cpu_at = (now, cpu)
        cores = os.cpu_count() or 1
        # As OperatingSystemMXBean.getProcessCpuLoad: this process's share of all cores, since the last scrape.
        usage = (cpu - before_cpu) / ((now - before_at) * cores) if now > before_at else 0.0
        family("process_cpu_usage", "gauge", "The recent cpu usage for the Java Virtual Machine process", [("process_cpu_usage", (), max(0.0, min(1.0, usage)))])
        family("system_cpu_count", "gauge", "The number of processors available to the Java virtual machine", [("system_cpu_count", (), cores)])
        family("process_start_time_seconds", "gauge", "Start time of the process since unix epoch.", [("process_start_time_seconds", (), self.started_at)])
        family("process_uptime_seconds", "gauge", "The uptime of the Java virtual machine", [("process_uptime_seconds", (), time.time() - self.started_at)])
        return ("\n".join(lines) + "\n").encode()


def resident_bytes():
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def memory_limit_bytes():
    """The container's memory limit (cgroup v2, then v1), else the machine's memory."""
    for path in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            with open(path) as limit:
                value = limit.read().strip()
            if value.isdigit() and int(value) < 1 << 60:
                return int(value)
        except OSError:
            pass
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


metrics = Metrics()


POOL_NAME = "HikariPool-1"  # Hikari's name for a Spring Boot application's only pool
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
# Routes as Spring MVC names them in the `uri` tag: the pattern that matched, never the raw path
# (an owner's id in it would make a series per owner).
ROUTE_TEMPLATES = {
    "/": "/",
    "/api/info": "/api/info",
    "/api/slow": "/api/slow",
    "/api/echo": "/api/echo",
    "/api/auth/login": "/api/auth/login",
    "/api/auth/reissue": "/api/auth/reissue",
    "/api/places": "/api/places",
    "/api/plans": "/api/plans",
    "/actuator/health": "/actuator/health",
    "/actuator/health/db": "/actuator/health/{*path}",
    "/actuator/health/redis": "/actuator/health/{*path}",
    "/actuator/prometheus": "/actuator/prometheus",
    "/e2e/stall": "/e2e/stall",
    "/e2e/fixtures": "/e2e/fixtures",
}


def uri_template(path):
    if re.fullmatch(r"/api/plans/\d+", path):
        return "/api/plans/{owner}"
    # Anything else falls to Spring Boot's static resource handler, whose pattern is /** (a 404).
    return ROUTE_TEMPLATES.get(path, "/**")


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

    def send_response(self, code, message=None):
        self.metric_status = code
        super().send_response(code, message)

    def measured(self, handle):
        """Runs one request and records it as Spring's http.server.requests timer does: from the
        handler's start to the response written, by method, route, status and exception."""
        self.metric_status = None
        self.metric_exception = None
        started = time.perf_counter_ns()
        try:
            handle()
        finally:
            if self.metric_status is not None:  # no response at all (the client left): nothing to time
                path = urllib.parse.urlsplit(self.path).path
                metrics.record_request(self.command, uri_template(path), self.metric_status, self.metric_exception, time.perf_counter_ns() - started)

    def send_text(self, status, data, content_type, head=False):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        if state["stopping"]:
            self.close_connection = True
            self.send_header("Connection", "close")
        self.end_headers()
        if not head:
            self.wfile.write(data)

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
            self.measured(lambda: self.route(head))
        finally:
            with state_lock:
                state["active"] -= 1

    def do_POST(self):
        with state_lock:
            state["active"] += 1
        try:
            self.measured(self.post)
        finally:
            with state_lock:
                state["active"] -= 1

    def post(self):
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

    def data_route(self, answer):
        """Answers (status, body) from `answer`; the data tier failing is a 503, as Spring's would be a 5xx."""
        try:
            status, body = answer()
        except Exception as error:
            log(f"data route {self.path}: {type(error).__name__}: {error}")
            self.metric_exception = type(error).__name__
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
        elif url.path == "/actuator/prometheus" and ({"prometheus", "*"} & EXPOSED_ENDPOINTS):
            # Needs neither MySQL nor the cache: a scrape answers while the data tier is down.
            self.send_text(200, metrics.render(), "text/plain; version=0.0.4; charset=utf-8", head)
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
    server = Server((ADDRESS, PORT), Handler)
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

    log(f"Started: listening on {ADDRESS}:{PORT}")
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
