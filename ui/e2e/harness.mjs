// A tiny browser test harness: a static server for ui/dist, one Chromium
// (playwright-core + the system /usr/bin/chromium), tests run one after
// another, each in a fresh browser context, and a final "N passed, M failed".

import { createServer } from 'node:http';
import { readFile, mkdir, readdir, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { extname, join, normalize, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const DIST = join(here, '..', 'dist');
export const SHOTS = process.env.HEARTH_SCREENSHOTS ?? join(here, '..', '..', 'artifacts', 'screenshots');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'";

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
};

/** Serve `DIST` on 127.0.0.1 on a free port. */
export async function serve() {
  if (!existsSync(join(DIST, 'index.html'))) throw new Error(`no build in ${DIST}: run vite build first`);
  const server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
    const file = join(DIST, path === '/' ? 'index.html' : path);
    try {
      const body = await readFile(file);
      res.writeHead(200, {
        'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
        // As strict as the app's own CSP: a violation shows up as a console error and fails the test.
        'content-security-policy': CSP,
      });
      res.end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise((r) => server.close(r)) };
}

const tests = [];
/** Register a test: fn({ page, mock, shot, base }). */
export function test(name, fn) {
  tests.push({ name, fn });
}

/** Poll `fn` until it returns truthy (or throw with `what`). */
export async function until(fn, what, timeoutMs = 5000) {
  const end = Date.now() + timeoutMs;
  let last;
  while (Date.now() < end) {
    try {
      last = await fn();
      if (last) return last;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what} (last: ${last})`);
}

export async function run() {
  await mkdir(SHOTS, { recursive: true });
  for (const f of await readdir(SHOTS)) if (f.startsWith('FAILED-')) await rm(join(SHOTS, f));
  const site = await serve();
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  let passed = 0;
  let failed = 0;
  const only = process.env.E2E_ONLY;
  try {
    for (const t of tests) {
      if (only && !t.name.includes(only)) continue;
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'dark' });
      context.setDefaultTimeout(8000);
      const page = await context.newPage();
      const errors = [];
      page.on('pageerror', (err) => errors.push(String(err)));
      page.on('console', (msg) => msg.type() === 'error' && errors.push(msg.text()));
      const mock = (method, ...args) =>
        page.evaluate(([m, a]) => window.__hearthMock[m](...a), [method, args]);
      const shot = async (name) => {
        await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
        await page.screenshot({ path: join(SHOTS, `${name}.png`), animations: 'disabled' });
      };
      const started = Date.now();
      try {
        await t.fn({ page, mock, shot, base: site.url, context });
        if (errors.length) throw new Error(`page errors:\n  ${errors.join('\n  ')}`);
        passed++;
        console.log(`✓ ${t.name} (${Date.now() - started} ms)`);
      } catch (err) {
        failed++;
        console.log(`✗ ${t.name}\n  ${String(err?.stack ?? err).split('\n').slice(0, 6).join('\n  ')}`);
        await page.screenshot({ path: join(SHOTS, `FAILED-${t.name.replace(/\W+/g, '-')}.png`) }).catch(() => {});
      } finally {
        await context.close();
      }
    }
  } finally {
    await browser.close();
    await site.close();
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed > 0 || passed === 0 ? 1 : 0;
}
