'use strict';

// A real HTTP proxy between the SDK and a real server, with faults the tests switch on:
// answer with a status, delay, forward and then drop the answer, cut an event stream.

const http = require('node:http');

class FaultProxy {
  constructor(targetBaseUrl) {
    this.target = new URL(targetBaseUrl);
    this.rules = [];
    this.hits = [];
    this.server = http.createServer((req, res) => this._handle(req, res));
    this.sockets = new Set();
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  listen(port) {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.baseUrl = `http://127.0.0.1:${port}`;
        resolve(this);
      });
    });
  }

  close() {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** `rule`: {method?, path? (prefix), times (default 1), status?, body?, headers?, delayMs?, dropAfterForward?, cutAfterFrames?, cutAfterMs?, stripResponseHeaders?} */
  add(rule) {
    this.rules.push({ times: 1, ...rule });
  }

  count(method, pathPrefix) {
    return this.hits.filter((h) => h.method === method && h.path.startsWith(pathPrefix)).length;
  }

  _rule(req) {
    const path = req.url.split('?')[0];
    const rule = this.rules.find((r) => r.times > 0 && (!r.method || r.method === req.method) && (!r.path || path.startsWith(r.path)));
    if (rule) rule.times--;
    return rule;
  }

  _handle(req, res) {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      this.hits.push({ method: req.method, path: req.url, headers: req.headers, body: body.toString() });
      const rule = this._rule(req);
      if (rule && rule.delayMs) await new Promise((r) => setTimeout(r, rule.delayMs));
      if (rule && rule.status) {
        const payload = typeof rule.body === 'string' ? rule.body : JSON.stringify(rule.body ?? { detail: 'injected by the test proxy', code: 'SERVICE_UNAVAILABLE' });
        res.writeHead(rule.status, { 'content-type': 'application/json', ...(rule.headers ?? {}) });
        res.end(payload);
        return;
      }
      this._forward(req, res, body, rule);
    });
  }

  _forward(req, res, body, rule) {
    const headers = { ...req.headers, host: this.target.host };
    const upstream = http.request({
      host: this.target.hostname, port: this.target.port, method: req.method, path: req.url, headers,
    }, (answer) => {
      if (rule && rule.dropAfterForward) {
        answer.resume();
        answer.on('end', () => req.socket.destroy());
        return;
      }
      const answerHeaders = { ...answer.headers };
      for (const name of (rule && rule.stripResponseHeaders) || []) delete answerHeaders[name];
      res.writeHead(answer.statusCode, answerHeaders);
      if (rule && rule.cutAfterMs) {
        answer.pipe(res);
        setTimeout(() => {
          answer.destroy();
          req.socket.destroy();
        }, rule.cutAfterMs);
        return;
      }
      if (rule && rule.cutAfterFrames) {
        let frames = 0;
        let cut = false;
        answer.on('data', (chunk) => {
          if (cut) return;
          frames += (chunk.toString().match(/(^|\n)data: /g) || []).length;
          if (frames < rule.cutAfterFrames) {
            res.write(chunk);
            return;
          }
          // Deliver what was sent so far, then drop the connection mid-stream.
          cut = true;
          answer.destroy();
          res.write(chunk, () => setTimeout(() => req.socket.destroy(), 50));
        });
        return;
      }
      answer.pipe(res);
    });
    upstream.on('error', () => req.socket.destroy());
    res.on('close', () => upstream.destroy());
    upstream.end(body);
  }
}

module.exports = { FaultProxy };
