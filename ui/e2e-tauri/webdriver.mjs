// A minimal W3C WebDriver client for tauri-driver (which forwards to WebKitWebDriver).
//
// Known here: every request goes over ONE persistent keep-alive connection. Requests sent
// with `Connection: close` get dropped by tauri-driver and leave stuck sessions behind.

import { spawn } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';

const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';

/** Resolves once something accepts TCP connections on 127.0.0.1:port. */
export async function waitForPort(port, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port }, () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on port ${port}`);
    await sleep(200);
  }
}

/** A free TCP port on this machine (bound, then released). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts tauri-driver (`command`, with `env` for the app it starts) on two free ports and waits
 * until it and the WebKitWebDriver it starts both answer; returns the driver's process and a
 * WebDriver client for it.
 */
export async function startDriver(command, env = process.env) {
  const port = await freePort();
  const nativePort = await freePort();
  const driver = spawn(command, ['--port', String(port), '--native-port', String(nativePort)], {
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  await waitForPort(port);
  await waitForPort(nativePort);
  return { driver, wd: new WebDriver(port) };
}

export class WebDriver {
  /** Talks to tauri-driver on 127.0.0.1:`port`, or through the Unix socket `socketPath`. */
  constructor(port, socketPath = null) {
    this.port = port;
    this.socketPath = socketPath;
    // One socket, kept alive for the whole run.
    this.agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    this.session = null;
  }

  request(method, path, body) {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          ...(this.socketPath ? { socketPath: this.socketPath } : { host: '127.0.0.1', port: this.port }),
          method,
          path,
          agent: this.agent,
          headers: {
            'Content-Type': 'application/json; charset=utf-8',
            ...(payload ? { 'Content-Length': Buffer.byteLength(payload) } : {}),
          },
        },
        (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let json;
            try {
              json = JSON.parse(text);
            } catch {
              return reject(new Error(`${method} ${path}: HTTP ${res.statusCode}: ${text.slice(0, 300)}`));
            }
            const value = json.value;
            if (res.statusCode >= 400 || (value && value.error)) {
              return reject(new Error(`${method} ${path}: ${value?.error}: ${value?.message ?? text}`));
            }
            resolve(value);
          });
        },
      );
      req.on('error', reject);
      if (payload) req.write(payload);
      req.end();
    });
  }

  s(path) {
    return `/session/${this.session}${path}`;
  }

  /** Starts the app under test. */
  async start(application, args = []) {
    const value = await this.request('POST', '/session', {
      capabilities: {
        alwaysMatch: {
          browserName: 'wry',
          'tauri:options': { application, args },
        },
      },
    });
    this.session = value.sessionId;
    return value;
  }

  /** Ends the session (this closes the app). Always call it before stopping the driver. */
  async stop() {
    if (!this.session) return;
    const id = this.session;
    this.session = null;
    await this.request('DELETE', `/session/${id}`);
  }

  close() {
    this.agent.destroy();
  }

  /** Runs `script` (a function body) in the page; elements come back as references. */
  exec(script, ...args) {
    return this.request('POST', this.s('/execute/sync'), { script, args });
  }

  execAsync(script, ...args) {
    return this.request('POST', this.s('/execute/async'), { script, args });
  }

  async click(el) {
    await this.request('POST', this.s(`/element/${el[ELEMENT]}/click`), {});
  }

  async clear(el) {
    await this.request('POST', this.s(`/element/${el[ELEMENT]}/clear`), {});
  }

  async type(el, text) {
    await this.request('POST', this.s(`/element/${el[ELEMENT]}/value`), { text });
  }

  async fill(el, text) {
    await this.clear(el);
    await this.type(el, text);
  }

  /** Polls `script` until it returns something truthy (an element, text, true). */
  async waitFor(what, script, args = [], timeoutMs = 15_000) {
    const deadline = Date.now() + timeoutMs;
    let last;
    for (;;) {
      try {
        last = await this.exec(script, ...args);
        if (last) return last;
      } catch (e) {
        last = e;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last: ${last})`);
      await sleep(150);
    }
  }

  /** Waits two animation frames, so what was just rendered is painted. */
  async settle() {
    await this.execAsync(
      'const done = arguments[arguments.length - 1]; requestAnimationFrame(() => requestAnimationFrame(() => done(true)));',
    );
  }
}
