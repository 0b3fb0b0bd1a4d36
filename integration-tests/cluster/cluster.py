"""A real Faramesh cluster on loopback for tests and benchmarks: N `faramesh serve` replicas over one
PostgreSQL, nginx in front (round robin, unbuffered SSE), plus helpers to stream events, drive the
API, restart PostgreSQL and kill replicas. Standard library only.

Environment (set by scripts/cluster-test.sh / scripts/bench-cluster.sh):
  FARAMESH_BIN           the faramesh binary
  FARAMESH_CLUSTER_DSN   postgres://…/db of a database for this run (created by the script)
  FARAMESH_PG_DIR        the throwaway cluster's directory (data/, postgres.log) for restarts
  FARAMESH_PG_BIN        PostgreSQL's bin directory (pg_ctl)
  FARAMESH_CLUSTER_DIR   scratch directory (logs, nginx config)
"""
import hashlib
import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import threading
import time
import uuid

ADMIN_TOKEN = "cluster-admin-" + secrets.token_hex(12)
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
POLICY = os.path.join(REPO, "integration-tests", "cluster", "policy.yaml")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_until(condition, timeout, interval=0.05, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


class Response:
    def __init__(self, status, body, headers):
        self.status = status
        self.body = body
        self.headers = headers

    def json(self):
        return json.loads(self.body) if self.body else None


def request(port, method, path, body=None, token=ADMIN_TOKEN, headers=None, timeout=15):
    """One HTTP request on a fresh connection. Connection errors raise OSError."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        h = {"Connection": "close"}
        if token:
            h["Authorization"] = f"Bearer {token}"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
        if body is not None or method == "POST":
            # Every POST is JSON, even without a body (the server answers 415 otherwise).
            h["Content-Type"] = "application/json"
        h.update(headers or {})
        conn.request(method, path, body=data, headers=h)
        resp = conn.getresponse()
        return Response(resp.status, resp.read(), dict(resp.getheaders()))
    finally:
        conn.close()


class Postgres:
    """Controls the throwaway PostgreSQL cluster started by scripts/start-postgres.sh."""

    def __init__(self, pg_dir, pg_bin, dsn):
        self.data = os.path.join(pg_dir, "data")
        self.log = os.path.join(pg_dir, "postgres.log")
        self.pg_ctl = os.path.join(pg_bin, "pg_ctl")
        self.dsn = dsn
        self.prefix = ["runuser", "-u", "faramesh-ci", "--"] if os.getuid() == 0 else []

    def _ctl(self, *args):
        subprocess.run(self.prefix + [self.pg_ctl, "-D", self.data, *args], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)

    def restart(self):
        self._ctl("-m", "fast", "-w", "-t", "60", "-l", self.log, "restart")

    def stop(self):
        self._ctl("-m", "fast", "-w", "-t", "60", "stop")

    def start(self):
        self._ctl("-w", "-t", "60", "-l", self.log, "start")

    def sql(self, statement):
        """Runs one statement with psql; returns the unaligned rows."""
        out = subprocess.run(["psql", self.dsn, "-qAtX", "-v", "ON_ERROR_STOP=1", "-c", statement], check=True,
                             capture_output=True, text=True, timeout=60)
        return [line for line in out.stdout.splitlines() if line]


class HeldTransaction:
    """A psql session that starts the action like the store does (row lock, a chained `started`
    event, the row updated), then waits: its seq is taken but not visible until `commit()` (or
    never, after `rollback()`). The event is a valid link of the action's hash chain."""

    def __init__(self, pg, action_id, channel="faramesh_events"):
        self.proc = subprocess.Popen(["psql", pg.dsn, "-qAtX", "-v", "ON_ERROR_STOP=1"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1)
        self.channel = channel
        self._send(f"BEGIN;\nSELECT last_event_hash FROM actions WHERE id = '{action_id}' FOR UPDATE;\n")
        prev_hash = self._line()
        event_id = str(uuid.uuid4())
        micros = time.time_ns() // 1000
        created = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(micros // 1_000_000)) + f".{micros % 1_000_000:06d}Z"
        canonical = json.dumps({"action_id": action_id, "created_at": created, "event_type": "started",
                                "id": event_id, "meta": {}}, separators=(",", ":"), sort_keys=True)
        record_hash = hashlib.sha256((canonical + prev_hash).encode()).hexdigest()
        self._send(
            "INSERT INTO action_events (id, action_id, event_type, meta_json, actor, created_at, prev_hash, record_hash) "
            f"VALUES ('{event_id}', '{action_id}', 'started', '{{}}', 'held-writer', '{created}', '{prev_hash}', "
            f"'{record_hash}') RETURNING seq;\n"
            f"UPDATE actions SET status = 'executing', version = version + 1, last_event_hash = '{record_hash}', "
            f"updated_at = '{created}' WHERE id = '{action_id}';\n")
        self.seq = int(self._line())

    def _send(self, text):
        self.proc.stdin.write(text)
        self.proc.stdin.flush()

    def _line(self):
        line = self.proc.stdout.readline()
        if not line:
            raise AssertionError("psql ended: " + self.proc.stderr.read())
        return line.strip()

    def _finish(self, text):
        self.proc.stdin.write(text)
        self.proc.stdin.close()
        self.proc.wait(timeout=30)

    def commit(self):
        self._finish(f"SELECT pg_notify('{self.channel}', 'held');\nCOMMIT;\n")

    def rollback(self):
        self._finish("ROLLBACK;\n")


class Replica:
    def __init__(self, cluster, index, port=None):
        self.cluster = cluster
        self.index = index
        self.port = port or free_port()
        self.proc = None
        self.log_path = os.path.join(cluster.workdir, f"replica-{index}.log")

    def start(self, wait=True):
        env = dict(os.environ)
        env.update({
            "FARAMESH_DB_BACKEND": "postgres",
            "FARAMESH_POSTGRES_DSN": self.cluster.dsn,
            "FARAMESH_TOKEN": ADMIN_TOKEN,
            "FARAMESH_POLICY_FILE": POLICY,
            "FARAMESH_SSE_HEARTBEAT": self.cluster.heartbeat,
            "FARAMESH_SHUTDOWN_GRACE": self.cluster.shutdown_grace,
            "FARAMESH_REQUEST_TIMEOUT": "5s",
            "FARAMESH_LOG_LEVEL": "info",
        })
        env.update(self.cluster.extra_env)
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([self.cluster.bin, "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                                     env=env, stdout=log, stderr=subprocess.STDOUT, cwd=self.cluster.workdir)
        log.close()
        self.cluster.track(self.proc)
        if wait:
            self.wait_ready()
        return self

    def ready(self):
        try:
            return request(self.port, "GET", "/ready", token=None, timeout=3).status == 200
        except OSError:
            return False

    def wait_ready(self, timeout=60):
        def check():
            if self.proc.poll() is not None:
                raise AssertionError(f"replica {self.index} exited ({self.proc.returncode}):\n" + self.log_tail())
            return self.ready()
        wait_until(check, timeout, what=f"replica {self.index} ready")

    def signal(self, sig):
        self.proc.send_signal(sig)

    def wait_exit(self, timeout):
        return self.proc.wait(timeout=timeout)

    def kill9(self):
        self.proc.kill()
        self.proc.wait(timeout=10)

    def log_tail(self, lines=40):
        try:
            with open(self.log_path, errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return ""


class Nginx:
    def __init__(self, cluster, ports):
        self.cluster = cluster
        self.port = free_port()
        self.dir = os.path.join(cluster.workdir, f"nginx-{self.port}")
        os.makedirs(os.path.join(self.dir, "logs"), exist_ok=True)
        self.conf = os.path.join(self.dir, "nginx.conf")
        self.write(ports)
        self.proc = subprocess.Popen([shutil.which("nginx") or "/usr/sbin/nginx", "-p", self.dir, "-c", self.conf],
                                     stdout=subprocess.DEVNULL, stderr=open(os.path.join(self.dir, "stderr.log"), "ab"))
        cluster.track(self.proc)
        wait_until(self.up, 15, what="nginx")

    def write(self, ports):
        servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=2s;" for p in ports)
        d = self.dir
        with open(self.conf, "w") as f:
            f.write(f"""daemon off;
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/logs/error.log warn;
events {{ worker_connections 12000; }}
worker_rlimit_nofile 30000;
http {{
    access_log off;
    client_body_temp_path {d}/client_body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    upstream faramesh {{
{servers}
        keepalive 64;
    }}
    server {{
        listen 127.0.0.1:{self.port};
        location / {{
            proxy_pass http://faramesh;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_buffering off;
            proxy_request_buffering off;
            proxy_read_timeout 60s;
            proxy_next_upstream error timeout http_502 http_503;
            proxy_next_upstream_tries 3;
            proxy_connect_timeout 2s;
        }}
    }}
}}
""")

    def up(self):
        try:
            request(self.port, "GET", "/health", token=None, timeout=2)
            return True
        except OSError:
            return False

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


class Cluster:
    def __init__(self, replicas=3, heartbeat="2s", shutdown_grace="8s", extra_env=None, nginx=True):
        self.bin = os.environ["FARAMESH_BIN"]
        self.dsn = os.environ["FARAMESH_CLUSTER_DSN"]
        self.workdir = os.environ.get("FARAMESH_CLUSTER_DIR") or "/tmp"
        os.makedirs(self.workdir, exist_ok=True)
        self.pg = Postgres(os.environ["FARAMESH_PG_DIR"], os.environ.get("FARAMESH_PG_BIN", "/usr/lib/postgresql/15/bin"),
                           self.dsn)
        self.heartbeat = heartbeat
        self.shutdown_grace = shutdown_grace
        self.extra_env = extra_env or {}
        self.procs = []
        self.replicas = [Replica(self, i) for i in range(replicas)]
        # The first replica creates the shared ledger signing key (data/ in the work directory).
        self.replicas[0].start()
        for r in self.replicas[1:]:
            r.start(wait=False)
        for r in self.replicas[1:]:
            r.wait_ready()
        self.nginx = Nginx(self, [r.port for r in self.replicas]) if nginx else None

    @property
    def lb(self):
        return self.nginx.port

    def track(self, proc):
        self.procs.append(proc)
        pids = os.environ.get("FARAMESH_CLUSTER_PIDS")
        if pids:
            with open(pids, "a") as f:
                f.write(f"{proc.pid}\n")

    def cli(self, *args, check=True):
        env = dict(os.environ)
        env.update({"FARAMESH_DB_BACKEND": "postgres", "FARAMESH_POSTGRES_DSN": self.dsn})
        return subprocess.run([self.bin, *args], env=env, capture_output=True, text=True, timeout=120, check=check)

    def token(self, name, role):
        out = self.cli("token", "create", "--name", name, "--role", role, "--json")
        return json.loads(out.stdout)["token"]

    def verify_log(self):
        out = self.cli("verify-log", "--json", check=False)
        report = json.loads(out.stdout.strip().splitlines()[-1])
        assert out.returncode == 0 and report["ok"], f"verify-log failed: {out.stdout} {out.stderr}"
        return report

    def all_seqs(self):
        return [int(x) for x in self.pg.sql("SELECT seq FROM action_events ORDER BY seq")]

    def close(self):
        if self.nginx:
            self.nginx.stop()
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        deadline = time.monotonic() + 15
        for proc in self.procs:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)


def submit(port, tool="http", operation="get", agent="cluster-agent", token=ADMIN_TOKEN, key=None, timeout=15):
    headers = {"Idempotency-Key": key} if key else None
    return request(port, "POST", "/v1/actions", {"agent_id": agent, "tool": tool, "operation": operation,
                                                  "params": {"n": secrets.token_hex(4)}, "context": {}},
                   token=token, headers=headers, timeout=timeout)


class EventStream(threading.Thread):
    """An SSE client in a thread. Records every frame (seq, parsed JSON, monotonic receive time).
    With `reconnect`, a lost stream is reopened on the next port of `ports` with Last-Event-ID."""

    def __init__(self, ports, path="/v1/events", token=ADMIN_TOKEN, last_event_id=None, reconnect=False,
                 read_timeout=20):
        super().__init__(daemon=True)
        self.ports = list(ports) if isinstance(ports, (list, tuple)) else [ports]
        self.path = path
        self.token = token
        self.last_id = last_event_id
        self.reconnect = reconnect
        self.read_timeout = read_timeout
        self.frames = []
        self.comments = 0
        self.connections = 0
        self.ended = threading.Event()
        self.connected = threading.Event()
        self.stop_flag = threading.Event()
        self.error = None
        self.lock = threading.Lock()
        self.sock = None

    def seqs(self):
        with self.lock:
            return [f[0] for f in self.frames]

    def wait_for(self, count, timeout=20):
        wait_until(lambda: len(self.frames) >= count, timeout, what=f"{count} frames (have {len(self.frames)})")
        return self.seqs()

    def run(self):
        attempt = 0
        while not self.stop_flag.is_set():
            port = self.ports[attempt % len(self.ports)]
            attempt += 1
            try:
                self._stream(port)
                if not self.reconnect:
                    break
            except OSError as e:
                self.error = e
                if not self.reconnect or self.stop_flag.is_set():
                    break
            time.sleep(0.2)
        self.ended.set()

    def _stream(self, port):
        sock = socket.create_connection(("127.0.0.1", port), timeout=self.read_timeout)
        self.sock = sock
        try:
            headers = f"GET {self.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
            if self.token:
                headers += f"Authorization: Bearer {self.token}\r\n"
            if self.last_id is not None:
                headers += f"Last-Event-ID: {self.last_id}\r\n"
            sock.sendall((headers + "\r\n").encode())
            reader = _ChunkedReader(sock)
            status = reader.read_head()
            if status != 200:
                raise OSError(f"status {status}")
            self.connections += 1
            self.connected.set()
            buffer = b""
            while not self.stop_flag.is_set():
                chunk = reader.read()
                if chunk is None:
                    return
                buffer += chunk
                while b"\n\n" in buffer:
                    block, buffer = buffer.split(b"\n\n", 1)
                    self._frame(block)
        finally:
            self.connected.clear()
            try:
                sock.close()
            except OSError:
                pass

    def _frame(self, block):
        seq = None
        data = None
        for line in block.split(b"\n"):
            if line.startswith(b":"):
                self.comments += 1
            elif line.startswith(b"id: "):
                seq = int(line[4:])
            elif line.startswith(b"data: "):
                data = line[6:]
        if data is not None:
            now = time.time()
            with self.lock:
                self.frames.append((seq, json.loads(data), now))
            self.last_id = seq

    def close(self):
        self.stop_flag.set()
        if self.sock:
            try:
                self.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self.ended.wait(10)


class _ChunkedReader:
    """Reads an HTTP/1.1 response head, then the body's chunks (or raw bytes until EOF)."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""
        self.chunked = False
        self.done = False

    def _fill(self):
        data = self.sock.recv(65536)
        if not data:
            raise EOFError
        self.buf += data

    def read_head(self):
        while b"\r\n\r\n" not in self.buf:
            try:
                self._fill()
            except EOFError:
                raise OSError("connection closed before the response head")
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ")[1])
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "transfer-encoding" and "chunked" in value.lower():
                self.chunked = True
        return status

    def read(self):
        """Next piece of body, or None at the end of the body / connection."""
        if self.done:
            return None
        try:
            if not self.chunked:
                if not self.buf:
                    self._fill()
                data, self.buf = self.buf, b""
                return data
            while b"\r\n" not in self.buf:
                self._fill()
            size_line, rest = self.buf.split(b"\r\n", 1)
            size = int(size_line.split(b";")[0], 16)
            if size == 0:
                self.done = True
                return None
            self.buf = rest
            while len(self.buf) < size + 2:
                self._fill()
            data, self.buf = self.buf[:size], self.buf[size + 2:]
            return data
        except EOFError:
            self.done = True
            return None


class SubmitLoad(threading.Thread):
    """Steady submits through `port` from several threads. Each submission carries an
    Idempotency-Key and is retried with the same key until acknowledged (200), so a reply lost
    with a dying replica never creates a duplicate. Records acknowledged action ids."""

    def __init__(self, port, threads=4, pause=0.02, tool="http", operation="get"):
        super().__init__(daemon=True)
        self.port = port
        self.threads = threads
        self.pause = pause
        self.tool = tool
        self.operation = operation
        self.stop_flag = threading.Event()
        self.lock = threading.Lock()
        self.acked = {}
        self.failures = {}

    def _note(self, what):
        with self.lock:
            self.failures[what] = self.failures.get(what, 0) + 1

    def _worker(self):
        while not self.stop_flag.is_set():
            key = "load-" + uuid.uuid4().hex
            while True:
                try:
                    r = submit(self.port, self.tool, self.operation, key=key, timeout=10)
                    if r.status == 200:
                        with self.lock:
                            self.acked[key] = r.json()["id"]
                        break
                    self._note(r.status)
                except OSError as e:
                    self._note(type(e).__name__)
                if self.stop_flag.is_set() and self._give_up(key):
                    break
                time.sleep(0.05)
            time.sleep(self.pause)

    def _give_up(self, key):
        # After stop: an unacknowledged key is not a loss (nobody was told it succeeded).
        return True

    def run(self):
        workers = [threading.Thread(target=self._worker, daemon=True) for _ in range(self.threads)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()

    def stop(self):
        self.stop_flag.set()
        self.join(timeout=60)
        return dict(self.acked)
