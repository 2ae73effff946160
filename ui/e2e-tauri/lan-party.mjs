// The LAN-party test's driver (run by scripts/lan-party-e2e.sh, which makes the network
// namespaces and removes them). Four computers on one switch, nobody types an address:
//
//   1. lp-host starts the real app and clicks "Host a room" (room "LAN party"), opens the
//      room "games";
//   2. lp-app starts the real app, opens Join: the host appears in the list by discovery,
//      with the host's join code; one click joins with no dialog; it registers and enters
//      "games";
//   3. lp-cli1 and lp-cli2 run `hearth-cli --discover`, then join with what it printed;
//   4. each friend says hello, the host sees all three and answers, every friend sees the
//      answer. The time from start to that last message is printed;
//   5. multicast dropped on the switch: the UDP broadcast beacon alone still finds the host
//      (hearth-cli and the app's Join list);
//   6. broadcast dropped too: hearth-cli finds nothing and says which interface it searched;
//      the app's Join list says nothing was found and which interfaces it searched.
//
// Each app runs in its namespace with its own Xvfb display and D-Bus session under its own
// tauri-driver; this driver reaches each through a Unix socket (forward.mjs). Screenshots:
// artifacts/screenshots/lan-party-*.png. Environment: HEARTH_APP, HEARTH_CLI,
// TAURI_DRIVER, SCREENSHOT_DIR, LP_SWITCH, LP_SUFFIX.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as page from './page.mjs';
import { WebDriver, sleep } from './webdriver.mjs';

const need = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set (run scripts/lan-party-e2e.sh)`);
  return v;
};
const APP = need('HEARTH_APP');
const CLI = need('HEARTH_CLI');
const DRIVER = need('TAURI_DRIVER');
const SWITCH = need('LP_SWITCH');
const SUFFIX = need('LP_SUFFIX');
const SHOTS = path.resolve(process.env.SCREENSHOT_DIR ?? 'artifacts/screenshots');
const FORWARD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'forward.mjs');

const HOST_IP = '10.77.0.1';
const ROOM_PORT = 7878;
const HOST_ADDR = `${HOST_IP}:${ROOM_PORT}`;
const ROOM_NAME = 'LAN party';
const IPS = { 'lp-host': HOST_IP, 'lp-app': '10.77.0.2', 'lp-cli1': '10.77.0.3', 'lp-cli2': '10.77.0.4' };
const ENTER = '\uE007';

// The room's messages as {from, text}, on top of the shared page helpers.
const MESSAGES = `
const messages = () => [...document.querySelectorAll('[data-testid=messages] .msg')].map((m) => ({
  from: norm(m.querySelector('.username')?.textContent), text: norm(m.querySelector('.text')?.textContent),
}));
`;
const js = (body) => page.js(`${MESSAGES}\n${body}`);

const log = (...a) => console.log('[lan-party]', ...a);
const ns = (machine) => `${machine}-${SUFFIX}`;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-lan-party-'));
const children = [];
fs.mkdirSync(SHOTS, { recursive: true });

/** Spawns `cmd` inside `machine`'s network namespace. */
function inNs(machine, cmd, args, opts = {}) {
  const child = spawn('ip', ['netns', 'exec', ns(machine), cmd, ...args], opts);
  children.push(child);
  return child;
}

/** The switch's nftables: drop what `rules` names on the bridge (nothing when empty). */
function switchDrops(rules) {
  spawnSync('ip', ['netns', 'exec', SWITCH, 'nft', 'delete', 'table', 'bridge', 'lp']);
  if (rules.length === 0) return;
  const ruleset = `table bridge lp {\n  chain forward_filter {\n    type filter hook forward priority 0; policy accept;\n${rules
    .map((r) => `    ${r} drop\n`)
    .join('')}  }\n}\n`;
  const r = spawnSync('ip', ['netns', 'exec', SWITCH, 'nft', '-f', '-'], { input: ruleset, encoding: 'utf8' });
  assert.equal(r.status, 0, `nft on the switch: ${r.stderr}`);
}

/** One computer running the desktop app, driven through its own tauri-driver. */
class Desktop {
  constructor(machine, display) {
    this.machine = machine;
    this.display = display;
    const home = path.join(work, machine);
    this.env = {
      ...process.env,
      DISPLAY: `:${display}`,
      XDG_DATA_HOME: path.join(home, 'data'),
      XDG_CONFIG_HOME: path.join(home, 'config'),
      XDG_CACHE_HOME: path.join(home, 'cache'),
      WEBKIT_DISABLE_COMPOSITING_MODE: '1',
      WEBKIT_DISABLE_DMABUF_RENDERER: '1',
    };
    this.socket = path.join(work, `${machine}.sock`);
    this.wd = new WebDriver(null, this.socket);
  }

  async boot() {
    const x = inNs(this.machine, 'Xvfb', [`:${this.display}`, '-screen', '0', '1100x740x24', '-nolisten', 'tcp'], {
      stdio: 'ignore',
    });
    const xsock = `/tmp/.X11-unix/X${this.display}`;
    for (let i = 0; !fs.existsSync(xsock); i++) {
      if (i > 100 || x.exitCode !== null) throw new Error(`Xvfb :${this.display} did not start`);
      await sleep(100);
    }
    inNs(this.machine, 'dbus-run-session', ['--', DRIVER, '--port', '4444', '--native-port', '4445'], {
      env: this.env,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    inNs(this.machine, process.execPath, [FORWARD, this.socket, '4444'], { stdio: 'inherit' });
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        await this.wd.request('GET', '/status');
        return;
      } catch (e) {
        if (Date.now() > deadline) throw new Error(`tauri-driver in ${this.machine} did not answer: ${e.message}`);
        await sleep(200);
      }
    }
  }

  async screenshot(name) {
    await this.wd.settle();
    const file = path.join(SHOTS, `lan-party-${name}.png`);
    const r = spawnSync('import', ['-display', `:${this.display}`, '-window', 'root', file]);
    if (r.status !== 0) {
      const b64 = await this.wd.request('GET', this.wd.s('/screenshot'));
      fs.writeFileSync(file, Buffer.from(b64, 'base64'));
    }
    log('screenshot', file);
  }

  async noDialog(when) {
    const open = await this.wd.exec(js(`const d = [...document.querySelectorAll('[role=dialog],dialog[open]')].find(visible); return d ? nameOf(d) || 'a dialog' : null;`));
    assert.equal(open, null, `no dialog ${when}`);
  }

  /** The app's log (tauri-plugin-log), for failures. */
  logText() {
    const dir = path.join(this.env.XDG_DATA_HOME, 'app.hearth.desktop', 'logs');
    try {
      return fs.readdirSync(dir).map((f) => fs.readFileSync(path.join(dir, f), 'utf8')).join('\n');
    } catch {
      return '(no app log)';
    }
  }
}

async function typeMessage(wd, room, text) {
  const box = await wd.waitFor('the composer', js(`return document.querySelector('textarea[aria-label="Message #' + arguments[0] + '"]');`), [room]);
  await wd.type(box, text + ENTER);
}

async function waitMessage(wd, what, from, text, timeoutMs = 20_000) {
  await wd.waitFor(what, js(`return messages().some((m) => m.from === arguments[0] && m.text === arguments[1]);`), [from, text], timeoutMs);
}

async function hostTheRoom(host) {
  const wd = host.wd;
  await wd.start(APP);
  await wd.click(await wd.waitFor('the start screen', js(`return byRole('button', 're:Host a room');`), [], 30_000));
  const code = await page.startHosting(wd, { name: 'zed', password: 'zedpass12', port: ROOM_PORT, roomName: ROOM_NAME });
  assert.match(code, /^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
  await wd.waitFor('the QR code', js(`
    const qr = document.querySelector('[data-testid=host-qr]');
    return qr?.getBoundingClientRect().width >= 148 && /^(M\\d+ \\d+h\\d+v1h-\\d+z)+$/.test(qr.querySelector('path')?.getAttribute('d') ?? '');
  `));
  // The self-check ran and found the LAN adapter it announces on.
  await wd.waitFor('the self-check', js(`
    return [...document.querySelectorAll('[data-testid=host-finding]')].some((f) => f.dataset.code === 'lan_ready' && norm(f.textContent).includes('lan0 (10.77.0.1)'));
  `), [], 20_000);
  await host.screenshot('host');
  await wd.click(await wd.exec(js(`return byRole('button', 're:Open the lobby');`)));
  await wd.fill(await wd.waitFor('room name field', js(`return byLabel('New room name') ?? document.querySelector('input[aria-label="New room name"]');`)), 'games');
  await wd.click(await wd.exec(js(`return byRole('button', 'Create room');`)));
  await wd.waitFor('the room', js(`return byRole('heading', '# games');`));
  log('hosting', ROOM_NAME, 'with code', code);
  return code;
}

/** Opens the Join screen and waits for the host in the list; returns the row's text. */
async function findHostInJoinList(friend, shot) {
  const wd = friend.wd;
  await wd.click(await wd.waitFor('the start screen', js(`return byRole('button', 're:Join a room');`), [], 30_000));
  const row = await wd.waitFor(
    'the host in the Join list',
    js(`return norm(document.querySelector('[data-testid=discovered-host][data-address="' + arguments[0] + '"]')?.textContent) || null;`),
    [HOST_ADDR],
    20_000,
  );
  await friend.screenshot(shot);
  return row;
}

async function appFriendJoins(friend, code) {
  const wd = friend.wd;
  await wd.start(APP);
  const row = await findHostInJoinList(friend, 'join-list');
  assert.ok(row.includes(ROOM_NAME), `the row names the room: ${row}`);
  assert.ok(row.includes(code), `the row shows the join code to compare: ${row}`);
  await wd.click(await wd.exec(js(`return document.querySelector('[data-testid=discovered-host][data-address="' + arguments[0] + '"] [data-testid=discovered-join]');`), HOST_ADDR));
  await wd.click(await wd.waitFor('the account screen', js(`return byRole('tab', 're:New here');`), [], 20_000));
  await friend.noDialog('after joining through the list');
  await wd.fill(await wd.waitFor('name field', js(`return byLabel('Name');`)), 'inna');
  await wd.fill(await wd.exec(js(`return byLabel('Password');`)), 'innapass1');
  // No OS keychain in the namespace's D-Bus session: do not ask to remember.
  const remember = await wd.exec(js(`return byLabel('Remember me');`));
  if (await wd.exec('return arguments[0].checked;', remember)) await wd.click(remember);
  await wd.click(await wd.exec(js(`return byRole('button', 'Create account');`)));
  await wd.click(await wd.waitFor('games in the lobby', js(`return byRole('button', 'Enter games');`), [], 20_000));
  await wd.waitFor('the room', js(`return byRole('heading', '# games');`));
  await typeMessage(wd, 'games', 'hello from inna');
}

/** `hearth-cli --discover` in `machine`: its status, stdout lines and stderr. */
function discover(machine, seconds) {
  const child = inNs(machine, CLI, ['--discover', '--timeout', String(seconds)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) =>
    child.on('exit', (status) => resolve({ status, lines: stdout.split('\n').filter(Boolean), stderr })),
  );
}

/** A terminal friend: discovers the host, joins with the printed address and code, says hello. */
async function cliFriend(machine, user, code) {
  const found = await discover(machine, 4);
  assert.equal(found.status, 0, `${machine} found a host:\n${found.stderr}`);
  const line = found.lines.find((l) => l.includes(` ${HOST_ADDR} `));
  assert.ok(line, `${machine} found ${HOST_ADDR}: ${found.lines.join(' | ')}`);
  assert.equal(line, `${ROOM_NAME} ${HOST_ADDR} ${code}`);
  const [addr, foundCode] = line.split(' ').slice(-2);
  const cli = inNs(
    machine,
    CLI,
    [`hearth://${addr}/${foundCode}`, '--user', user, '--register', '--password-stdin', '--known-hosts', path.join(work, `${machine}-known`)],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let out = '';
  cli.stdout.on('data', (d) => (out += d));
  cli.stderr.on('data', (d) => (out += d));
  cli.stdin.write(`${user}pass12\n/join games\nhello from ${user}\n`);
  return { cli, output: () => out, user };
}

async function waitOutput(friend, text, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!friend.output().includes(text)) {
    if (Date.now() > deadline) throw new Error(`${friend.user} never saw "${text}":\n${friend.output()}`);
    await sleep(100);
  }
}

async function party(host, friend) {
  const start = Date.now();
  await Promise.all([host.boot(), friend.boot()]);
  const code = await hostTheRoom(host);
  const [carol, dave] = await Promise.all([
    cliFriend('lp-cli1', 'carol', code),
    cliFriend('lp-cli2', 'dave', code),
    appFriendJoins(friend, code),
  ]);
  const clis = [carol, dave];
  for (const who of ['inna', 'carol', 'dave']) await waitMessage(host.wd, `${who}'s hello`, who, `hello from ${who}`);
  const answer = 'welcome, all three of you';
  await typeMessage(host.wd, 'games', answer);
  await waitMessage(friend.wd, "the host's answer in the app", 'zed', answer);
  for (const c of clis) await waitOutput(c, answer);
  const seconds = (Date.now() - start) / 1000;
  log(`one host and three friends chatting: ${seconds.toFixed(1)} s from start to the last message`);
  await host.screenshot('room');
  await friend.screenshot('friend-room');
  for (const c of clis) c.cli.stdin.end('/quit\n');
  return code;
}

async function multicastDropped(friend) {
  switchDrops(['ip daddr 224.0.0.0/4']);
  log('multicast dropped on the switch (mDNS and the multicast beacon)');
  const found = await discover('lp-cli1', 5);
  assert.equal(found.status, 0, `the broadcast beacon still finds the host:\n${found.stderr}`);
  assert.ok(found.lines.some((l) => l.includes(` ${HOST_ADDR} `)), found.lines.join(' | '));
  await friend.wd.stop();
  await friend.wd.start(APP);
  await findHostInJoinList(friend, 'join-list-broadcast-only');
  log('the UDP broadcast beacon alone found the host (hearth-cli and the app)');
}

async function everythingDropped(friend) {
  switchDrops(['ip daddr 224.0.0.0/4', `ip daddr 10.77.0.255`]);
  log('multicast and broadcast dropped on the switch');
  const found = await discover('lp-cli1', 3);
  assert.equal(found.status, 1, `nothing is found: ${found.lines.join(' | ')}`);
  assert.match(found.stderr, /no Hearth host found/);
  assert.ok(found.stderr.includes('lan0 (10.77.0.3)'), `it says what it searched:\n${found.stderr}`);
  const wd = friend.wd;
  await wd.stop();
  await wd.start(APP);
  await wd.click(await wd.waitFor('the start screen', js(`return byRole('button', 're:Join a room');`), [], 30_000));
  const searched = await wd.waitFor(
    'the nothing-found explanation',
    js(`return document.querySelector('[data-testid=discovery-nothing-found]') && norm(document.querySelector('[data-testid=discovery-searched]')?.textContent);`),
    [],
    20_000,
  );
  assert.ok(searched.includes(`lan0 (${IPS['lp-app']})`), `the app says which interface it searched: ${searched}`);
  await friend.screenshot('nothing-found');
  log('nothing found: hearth-cli and the app say which interfaces they searched');
}

let failed = false;
const host = new Desktop('lp-host', 71);
const friend = new Desktop('lp-app', 72);
try {
  switchDrops([]);
  await party(host, friend);
  await multicastDropped(friend);
  await everythingDropped(friend);
  log('passed');
} catch (e) {
  failed = true;
  console.error('[lan-party] FAILED:', e.stack ?? e);
  for (const d of [host, friend]) console.error(`[lan-party] ${d.machine}'s app log ends with:\n${d.logText().split('\n').slice(-30).join('\n')}`);
} finally {
  for (const d of [host, friend]) {
    await d.wd.stop().catch(() => {});
    d.wd.close();
  }
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  await sleep(300);
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  fs.rmSync(work, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
