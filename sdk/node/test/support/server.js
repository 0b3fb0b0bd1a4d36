'use strict';

// Starts a real `faramesh serve` (FARAMESH_BIN) on a loopback port with tokens on, for one test file.

const { spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const net = require('node:net');
const { randomBytes } = require('node:crypto');

const BIN = process.env.FARAMESH_BIN;
const POLICY = path.join(__dirname, 'policy.yaml');

function requireBin() {
  if (!BIN || !fs.existsSync(BIN)) throw new Error('FARAMESH_BIN must point at a faramesh binary (scripts/test-node-sdk.sh BIN sets it)');
  return BIN;
}

/** Whether a TCP port on 127.0.0.1 is free right now. */
function portFree(port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function waitReady(baseUrl, child, log, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`faramesh serve exited (${child.exitCode}):\n${fs.readFileSync(log, 'utf8')}`);
    try {
      const res = await fetch(`${baseUrl}/ready`);
      if (res.ok) return;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`faramesh serve not ready after ${timeoutMs} ms:\n${fs.readFileSync(log, 'utf8')}`);
}

/**
 * Starts a server. `tokens`: {name: role} created before start; `local: true` starts without any
 * token (local mode). Returns {baseUrl, port, adminToken, tokens: {name: secret}, stop()}.
 */
async function startServer({ port, tokens = {}, local = false, env = {} } = {}) {
  const bin = requireBin();
  if (!(await portFree(port))) throw new Error(`port ${port} on 127.0.0.1 is in use`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faramesh-node-sdk-'));
  const db = path.join(dir, 'actions.db');
  const baseEnv = { ...process.env, FARA_DB_BACKEND: 'sqlite', FARAMESH_SQLITE_PATH: db, ...env };
  for (const key of ['FARAMESH_TOKEN', 'FARA_AUTH_TOKEN', 'FARAMESH_POSTGRES_DSN', 'FARA_POSTGRES_DSN', 'FARAMESH_DB_BACKEND']) delete baseEnv[key];
  const secrets = {};
  for (const [name, role] of Object.entries(tokens)) {
    const out = execFileSync(bin, ['token', 'create', '--name', name, '--role', role, '--json', '--sqlite-path', db], { cwd: dir, env: baseEnv });
    secrets[name] = JSON.parse(out.toString()).token;
  }
  const adminToken = local ? null : `node-sdk-admin-${randomBytes(16).toString('hex')}`;
  const serveEnv = { ...baseEnv };
  if (adminToken) serveEnv.FARAMESH_TOKEN = adminToken;
  const log = path.join(dir, 'serve.log');
  const out = fs.openSync(log, 'a');
  const child = spawn(bin, ['serve', '--host', '127.0.0.1', '--port', String(port), '--policy', POLICY, '--sqlite-path', db, '--log-level', 'warning'],
    { cwd: dir, env: serveEnv, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  const baseUrl = `http://127.0.0.1:${port}`;
  try {
    await waitReady(baseUrl, child, log);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  let stopped = false;
  async function stop() {
    if (stopped) return;
    stopped = true;
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    const text = fs.readFileSync(log, 'utf8');
    fs.rmSync(dir, { recursive: true, force: true });
    const leaked = [adminToken, ...Object.values(secrets)].filter((t) => t && text.includes(t));
    if (leaked.length) throw new Error('a token leaked into the server log');
  }
  return { baseUrl, port, adminToken, tokens: secrets, stop, log, child };
}

module.exports = { startServer, portFree, BIN };
