'use strict';

// A loopback HTTP server that answers the three allow-path calls at once with fixed JSON, so the
// benchmark can time the client side alone (run in its own process: argv[2] = port).

const http = require('node:http');

const action = (status) => JSON.stringify({
  id: '7f3c2a9e-1b4d-4e8f-9a6b-0c5d3e2f1a7b', agent_id: 'bench-agent', tool: 'http', operation: 'get',
  params: { url: 'https://example.com/bench', n: 1 }, context: {}, status, decision: 'allow', outcome: 'EXECUTE',
  reason: 'Allow HTTP GET requests', reason_code: 'POLICY_ALLOW', risk_level: 'low', approval_token: null,
  approval_expires_at: null, request_hash: 'b55dfda1052bb4ae97d90ab12c09a3770c41b05ac14a7d8d5f70eee00018fbf4',
  policy_version: '1', policy_hash: 'e2c356bcbec889b27524026186b688657da56dbe758d1851ddaa25f17fe85af0',
  runtime_version: '0.4.0', profile_id: null, profile_version: null, profile_hash: null,
  provenance_id: 'fd3058d90847e2b00cbb24696a963feaa04572dc14c06eb381c4394fcbe58a53',
  created_at: '2026-12-03T09:00:00.000000Z', updated_at: '2026-12-03T09:00:00.000000Z',
});
const answers = { allowed: action('allowed'), executing: action('executing'), succeeded: action('succeeded') };

http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    const body = req.url.endsWith('/start') ? answers.executing : req.url.endsWith('/result') ? answers.succeeded : answers.allowed;
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
}).listen(Number(process.argv[2]), '127.0.0.1', () => process.send && process.send('ready'));
