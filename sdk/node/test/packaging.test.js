'use strict';

// The package as users get it: `npm pack`, `npm install` of the tarball and of the folder
// (offline), require and import, `tsc --noEmit --strict` on the declarations, and the README's
// Node.js snippet run as written against a local-mode server.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync, spawnSync, spawn } = require('node:child_process');
const { startServer, portFree } = require('./support/server');

const PKG = path.resolve(__dirname, '..');
const ROOT = path.resolve(PKG, '..', '..');
const EXAMPLES = path.join(ROOT, 'examples', 'node');
const SEED_README = process.env.FARAMESH_SEED_README || path.join(ROOT, '..', 'shared', 'seed', 'faramesh-core-README.md');
const EXAMPLE_PORT = Number(process.env.FARAMESH_EXAMPLE_PORT || 8000);

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'faramesh-node-pack-'));
const npmEnv = { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' };
let tarball;
let app;

test.after(() => fs.rmSync(work, { recursive: true, force: true }));

function run(cmd, args, cwd) {
  return execFileSync(cmd, args, { cwd, env: npmEnv, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function newApp(name) {
  const dir = path.join(work, name);
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', private: true }));
  return dir;
}

function checkImports(dir) {
  const cjs = run(process.execPath, ['-e', "const s = require('@faramesh/sdk'); console.log(typeof s.ExecutionGovernorClient, s.VERSION)"], dir);
  assert.match(cjs, /^function \d+\.\d+\.\d+\n$/);
  const esm = run(process.execPath, ['--input-type=module', '-e',
    "import { ExecutionGovernorClient } from '@faramesh/sdk'; import { createRequire } from 'node:module'; const r = createRequire(process.cwd() + '/'); console.log(ExecutionGovernorClient === r('@faramesh/sdk').ExecutionGovernorClient)"], dir);
  assert.equal(esm.trim(), 'true');
}

test('npm pack: only the runtime files, zero dependencies', () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(PKG, 'package.json'), 'utf8'));
  assert.equal(manifest.name, '@faramesh/sdk');
  for (const key of ['dependencies', 'peerDependencies', 'optionalDependencies', 'bundleDependencies']) {
    assert.equal(manifest[key], undefined, `no ${key}`);
  }
  assert.equal(manifest.engines.node, '>=18');
  const out = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', work], PKG));
  tarball = path.join(work, out[0].filename);
  const files = out[0].files.map((f) => f.path).sort();
  assert.deepEqual(files, ['README.md', 'index.d.mts', 'index.d.ts', 'index.js', 'index.mjs', 'lib/canonical.js', 'lib/client.js', 'lib/errors.js', 'lib/sse.js', 'package.json']);
});

test('npm install of the tarball, offline: require and import work', () => {
  app = newApp('app-tarball');
  run('npm', ['install', '--offline', '--no-audit', '--no-fund', tarball], app);
  checkImports(app);
  const lock = JSON.parse(fs.readFileSync(path.join(app, 'package-lock.json'), 'utf8'));
  assert.deepEqual(Object.keys(lock.packages).sort(), ['', 'node_modules/@faramesh/sdk'], 'nothing else was installed');
});

test('npm install ./sdk/node (the folder), offline: require and import work', () => {
  const dir = newApp('app-folder');
  fs.symlinkSync(PKG, path.join(dir, 'sdk-node'));
  run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--install-links', './sdk-node'], dir);
  checkImports(dir);
});

test('tsc --noEmit --strict accepts the declarations and the usage files (CJS and ESM views)', (t) => {
  const tsc = spawnSync('tsc', ['--version'], { encoding: 'utf8' });
  if (tsc.error) {
    if (process.env.FARAMESH_SKIP_TSC === '1') return t.skip('tsc not installed (FARAMESH_SKIP_TSC=1)');
    assert.fail('tsc not found: install Debian node-typescript (scripts/test-node-sdk.sh does) or set FARAMESH_SKIP_TSC=1');
  }
  const dir = path.join(app, 'types');
  fs.mkdirSync(dir);
  for (const f of ['tsconfig.json', 'usage.cts', 'usage.mts']) fs.copyFileSync(path.join(PKG, 'test', 'types', f), path.join(dir, f));
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  const result = spawnSync('tsc', ['-p', 'tsconfig.json'], { cwd: dir, encoding: 'utf8' });
  assert.equal(result.status, 0, `${tsc.stdout.trim()}: ${result.stdout}${result.stderr}`);
  // The check can fail: a wrong call is reported.
  fs.appendFileSync(path.join(dir, 'usage.mts'), "\nawait client.startAction(42);\n");
  const broken = spawnSync('tsc', ['-p', 'tsconfig.json'], { cwd: dir, encoding: 'utf8' });
  assert.notEqual(broken.status, 0);
  assert.match(broken.stdout, /usage\.mts.*TS2345/);
});

test('the README Node.js snippet runs as written against a local-mode server on 127.0.0.1:8000', async (t) => {
  const source = fs.readFileSync(path.join(EXAMPLES, 'readme-snippet.mjs'), 'utf8');
  if (fs.existsSync(SEED_README)) {
    const readme = fs.readFileSync(SEED_README, 'utf8');
    const block = readme.split('### Node.js SDK')[1].split('```javascript\n')[1].split('```')[0];
    assert.equal(source, block, 'examples/node/readme-snippet.mjs is the README block byte for byte');
  } else {
    t.diagnostic(`seed README not found at ${SEED_README}; compared against the copy in examples/ only`);
  }
  assert.ok(source.includes("new ExecutionGovernorClient('http://127.0.0.1:8000')"));
  if (!(await portFree(EXAMPLE_PORT))) {
    assert.fail(`port ${EXAMPLE_PORT} on 127.0.0.1 is in use: the README snippet talks to http://127.0.0.1:8000, so this test starts a local-mode server there. ` +
      'Stop whatever listens on it, or set FARAMESH_EXAMPLE_PORT to run a copy of the snippet in which only the URL differs.');
  }
  const server = await startServer({ port: EXAMPLE_PORT, local: true });
  try {
    const text = EXAMPLE_PORT === 8000 ? source : source.replace('http://127.0.0.1:8000', `http://127.0.0.1:${EXAMPLE_PORT}`);
    if (EXAMPLE_PORT !== 8000) t.diagnostic(`ran a copy with the URL changed to port ${EXAMPLE_PORT} (FARAMESH_EXAMPLE_PORT)`);
    fs.writeFileSync(path.join(app, 'readme-snippet.mjs'), text);
    fs.copyFileSync(path.join(EXAMPLES, 'require-global.cjs'), path.join(app, 'require-global.cjs'));
    const env = { ...process.env };
    for (const k of ['FARAMESH_BASE_URL', 'FARAMESH_TOKEN', 'FARA_AUTH_TOKEN', 'FARA_API_BASE']) delete env[k];
    const result = spawnSync(process.execPath, ['-r', './require-global.cjs', 'readme-snippet.mjs'], { cwd: app, env, encoding: 'utf8', timeout: 30_000 });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, 'Status: pending_approval\nRisk Level: medium\nEvent count: 2\n');

    // examples/node/governed.mjs: pending until approved over the API, then it runs and reports.
    fs.copyFileSync(path.join(EXAMPLES, 'governed.mjs'), path.join(app, 'governed.mjs'));
    const { ExecutionGovernorClient } = require('..');
    const local = new ExecutionGovernorClient(server.baseUrl, { token: null, env: {} });
    const earlier = new Set((await local.listActions({ limit: 1000 })).map((a) => a.id));
    const child = spawn(process.execPath, ['governed.mjs'], { cwd: app, env: { ...env, FARAMESH_BASE_URL: server.baseUrl }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => { stdout += c; });
    child.stderr.on('data', (c) => { stderr += c; });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    let approved = null;
    for (let i = 0; i < 200 && !approved; i++) {
      const fresh = (await local.listActions({ tool: 'shell', status: 'pending_approval', limit: 10 })).find((a) => !earlier.has(a.id));
      if (fresh) approved = await local.approveAction(fresh.id, { reason: 'example run' });
      else await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(approved, 'the example submitted a pending shell action');
    assert.equal(await exited, 0, stderr);
    assert.equal(stdout, 'Hello World\n\n');
    assert.equal((await local.getAction(approved.id)).status, 'succeeded');
  } finally {
    await server.stop();
  }
});
