// The real end-to-end test: the built desktop app (Rust shell + this UI in WebKitGTK),
// driven through tauri-driver + WebKitWebDriver, with `hearth-cli` as a friend.
//
//   1. start the app;
//   2. click "Host a room" and register the owner;
//   3. hearth-cli joins with the join code shown in the app and sends a message;
//   4. the message appears in the WebView, the sender's name in the sender's color; the owner
//      pastes an image, its thumbnail shows, and hearth-cli saves it with the same SHA-256;
//      bob's mention while a fullscreen window (openbox + xcalc) is active is held, then one
//      digest; away from the room, bob's mention raises the room's badge;
//   5. the owner kicks the CLI user from the member list; the CLI exits with the reason;
//   6. the app is killed with SIGKILL while hosting, started again, and hosting again brings
//      back the join code, the accounts, the room and its history;
//   7. asked to stop (SIGTERM), it stops hosting before it exits;
//   8. started again with a hearth:// link (as the desktop file does), the app opens the
//      Join screen with the link's address and code filled in.
//
// Run it through scripts/desktop-e2e.sh, which builds everything and provides Xvfb and a
// D-Bus session. Environment: HEARTH_APP (the `hearth` binary), HEARTH_CLI (`hearth-cli`),
// TAURI_DRIVER (tauri-driver), SCREENSHOT_DIR, DISPLAY.
//
// Known here: one persistent HTTP connection to tauri-driver (see webdriver.mjs); wait
// until both the tauri-driver and WebKitWebDriver ports answer; wait two animation frames
// before a screenshot; close the WebDriver session before stopping the driver, or the app
// is orphaned.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { png } from '../e2e/png.mjs';
import { js, startHosting } from './page.mjs';
import { freePort, sleep, startDriver } from './webdriver.mjs';

const need = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set (run scripts/desktop-e2e.sh)`);
  return v;
};
const APP = need('HEARTH_APP');
const CLI = need('HEARTH_CLI');
const DRIVER = process.env.TAURI_DRIVER ?? 'tauri-driver';
const SHOTS = path.resolve(process.env.SCREENSHOT_DIR ?? 'artifacts/screenshots');
const BOB_COLOR = '#3b82f6';
const BOB_RGB = 'rgb(59, 130, 246)';
const MESSAGE = 'hello from the terminal <b>not bold</b>';


fs.mkdirSync(SHOTS, { recursive: true });
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-e2e-'));
// The app keeps its data, settings, known hosts and logs under these.
const appEnv = {
  ...process.env,
  XDG_DATA_HOME: path.join(home, 'data'),
  XDG_CONFIG_HOME: path.join(home, 'config'),
  XDG_CACHE_HOME: path.join(home, 'cache'),
  // No GPU under Xvfb.
  WEBKIT_DISABLE_COMPOSITING_MODE: '1',
  WEBKIT_DISABLE_DMABUF_RENDERER: '1',
};

const log = (...a) => console.log('[tauri-e2e]', ...a);
const children = [];

async function screenshot(wd, name) {
  await wd.settle();
  const file = path.join(SHOTS, `tauri-${name}.png`);
  const r = spawnSync('import', ['-window', 'root', file], { env: process.env });
  if (r.status !== 0) {
    // Fall back on the WebView's own screenshot.
    const b64 = await wd.request('GET', wd.s('/screenshot'));
    fs.writeFileSync(file, Buffer.from(b64, 'base64'));
  }
  log('screenshot', file);
}

async function main() {
  const { driver, wd } = await startDriver(DRIVER, appEnv);
  children.push(driver);
  try {
    const hosted = await flow(wd);
    await powerCut(wd, hosted);
    // Asked to stop (SIGTERM, as when the desktop session ends), the app stops hosting
    // before it exits (RunEvent::ExitRequested). Closing the WebDriver session instead
    // would kill it outright.
    for (const pid of appPids()) process.kill(pid, 'SIGTERM');
    await appGone();
    assert.match(appLog(), /stopped hosting \(the app is closing\)/, `the app stopped the server on exit:\n${appLog()}`);
    await wd.stop().catch(() => {}); // its app is gone already
    await deepLink(wd);
    log('passed');
  } finally {
    // The session first: ending it closes the app. Then the driver.
    await wd.stop().catch((e) => log('closing the session failed:', e.message));
    wd.close();
    driver.kill('SIGTERM');
  }
}

async function flow(wd) {
  log('starting', APP);
  await wd.start(APP);

  // 1. The start screen.
  const host = await wd.waitFor('the start screen', js(`return byRole('button', 're:Host a room');`), [], 30_000);
  await screenshot(wd, 'start');
  await wd.click(host);

  // 2. Host a room, registering the owner.
  const roomPort = await freePort();
  const code = await startHosting(wd, { name: 'owner', password: 'pass1234', port: roomPort });
  assert.match(code, /^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/, 'a join code is shown');
  const shown = await wd.exec(js(`return norm(document.querySelector('section[aria-label="Hosting details"]')?.textContent);`));
  assert.ok(shown.includes(`port ${roomPort}`), `the panel shows the port: ${shown}`);
  log('hosting on', roomPort, 'with code', code);
  await screenshot(wd, 'host');

  await wd.click(await wd.exec(js(`return byRole('button', 're:Open the lobby');`)));
  await wd.waitFor('the lobby', js(`return byRole('heading', 'Lobby');`));
  await wd.fill(await wd.waitFor('room name field', js(`return byLabel('New room name') ?? document.querySelector('input[aria-label="New room name"]');`)), 'games');
  await wd.click(await wd.exec(js(`return byRole('button', 'Create room');`)));
  await wd.waitFor('the room', js(`return byRole('heading', '# games');`));

  // 3. A friend in a terminal joins with the code and says hello.
  const cli = spawn(
    CLI,
    [`127.0.0.1:${roomPort}`, '--code', code, '--user', 'bob', '--register', '--password-stdin', '--known-hosts', path.join(home, 'cli-known-hosts')],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  children.push(cli);
  let cliOut = '';
  cli.stdout.on('data', (d) => (cliOut += d));
  cli.stderr.on('data', (d) => (cliOut += d));
  const cliExit = new Promise((resolve) => cli.on('exit', (status) => resolve(status)));
  cli.stdin.write(`bobpass1\n/color ${BOB_COLOR}\n/join games\n${MESSAGE}\n`);

  // 4. The message shows up, as text, with bob's name in bob's color.
  const seen = await wd.waitFor(
    "bob's message",
    js(`
      const msg = [...document.querySelectorAll('[data-testid=messages] .msg')]
        .find((m) => norm(m.querySelector('.text')?.textContent) === arguments[0]);
      if (!msg) return null;
      const name = msg.querySelector('.username');
      return { from: norm(name.textContent), color: getComputedStyle(name).color, bold: msg.querySelector('.text b') !== null };
    `),
    [MESSAGE],
    20_000,
  ).catch((e) => {
    throw new Error(`${e.message}\nhearth-cli said:\n${cliOut}`);
  });
  assert.equal(seen.from, 'bob');
  assert.equal(seen.color, BOB_RGB, "the sender's name is in the sender's color");
  assert.equal(seen.bold, false, 'markup in a message is shown as text');
  await wd.waitFor('bob in the member list', js(`
    const list = byRole('list', 'Room members');
    return list && byRole('button', 'Actions for bob', list);
  `));
  await screenshot(wd, 'room');

  // 4b. The owner pastes a screenshot; bob sees it as a file and saves it: same bytes.
  await sendImage(wd, () => cliOut, (line) => cli.stdin.write(line));

  // 4c. Notifications never disturb a game: while another app is fullscreen, bob's
  // mention is held; when that app leaves fullscreen, one digest is shown.
  await fullscreenDigest((line) => cli.stdin.write(line));

  // 4d. Away from the room, bob's mention raises the room's badge in the room list.
  await wd.click(await wd.exec(js(`return byRole('button', 'Leave room');`)));
  await wd.waitFor('the lobby', js(`return byRole('heading', 'Lobby');`));
  cli.stdin.write('@owner come back to games\n');
  const badge = await wd.waitFor('the mention badge on #games', js(`
    const nav = document.querySelector('nav[aria-labelledby=rooms-title]');
    const item = nav && [...nav.querySelectorAll('button')].find((b) => norm(b.querySelector('.nm')?.textContent) === 'games');
    return item?.querySelector('[data-testid=unread-badge]')?.getAttribute('aria-label') ?? null;
  `), [], 20_000);
  // The fullscreen step's mention may still be unread too (the window had no focus then).
  assert.match(badge, /^[12] unread, [12] mentioning you$/, `the badge counts the mention: ${badge}`);
  await screenshot(wd, 'mention-badge');
  await wd.click(await wd.exec(js(`
    const nav = document.querySelector('nav[aria-labelledby=rooms-title]');
    return [...nav.querySelectorAll('button')].find((b) => norm(b.querySelector('.nm')?.textContent) === 'games');
  `)));
  await wd.waitFor('the room again', js(`return byRole('heading', '# games');`));

  // 5. Kick bob from the member list, with a reason.
  const list = await wd.exec(js(`return byRole('list', 'Room members');`));
  await wd.click(await wd.exec(js(`return byRole('button', 'Actions for bob', arguments[0]);`), list));
  await wd.click(await wd.waitFor('the kick menu item', js(`return byRole('menuitem', 'Kick…');`)));
  const dialog = await wd.waitFor('the kick dialog', js(`return byRole('dialog', 'Kick bob');`));
  await wd.type(await wd.exec(js(`return byLabel('Reason', arguments[0]);`), dialog), 'spamming the chat');
  await screenshot(wd, 'kick-dialog');
  await wd.click(await wd.exec(js(`return byRole('button', 'Kick bob', arguments[0]);`), dialog));

  const status = await Promise.race([cliExit, sleep(15_000).then(() => 'timeout')]);
  assert.notEqual(status, 'timeout', `hearth-cli did not exit after the kick:\n${cliOut}`);
  assert.match(cliOut, /kicked by owner: spamming the chat/, `hearth-cli shows who kicked and why:\n${cliOut}`);
  log('hearth-cli exited with status', status, 'saying:', cliOut.trim().split('\n').filter((l) => /kicked/.test(l)).join(' | '));
  await wd.waitFor('the kick notice', js(`
    return [...document.querySelectorAll('[data-testid=messages] [role=note]')]
      .some((n) => norm(n.textContent).includes('bob was kicked by owner: spamming the chat'));
  `));
  await wd.waitFor('bob gone from the member list', js(`
    const list = byRole('list', 'Room members');
    return list && !byRole('button', 'Actions for bob', list);
  `));
  await screenshot(wd, 'kicked');
  return { roomPort, code };
}

/**
 * Pastes a PNG into the composer (the WebView's own paste event, as Ctrl+V gives it), waits
 * for its thumbnail, then has hearth-cli `/save` it and checks the SHA-256 it prints and the
 * bytes it wrote.
 */
async function sendImage(wd, cliOut, cliSay) {
  const image = png(480, 270);
  const sha256 = createHash('sha256').update(image).digest('hex');
  await wd.exec(
    js(`
      const box = document.querySelector('textarea[aria-label="Message #games"]');
      const data = new DataTransfer();
      data.items.add(new File([Uint8Array.from(arguments[0])], 'lan-party.png', { type: 'image/png' }));
      box.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
      return true;
    `),
    [...image],
  );
  await wd.waitFor(
    'the thumbnail of the pasted image',
    js(`
      const img = document.querySelector('[data-testid=messages] [data-testid=file-image] img[alt="lan-party.png"]');
      return img && img.complete && img.naturalWidth > 0 ? img.naturalWidth : null;
    `),
    [],
    20_000,
  );
  await screenshot(wd, 'file');
  const line = await waitForText(cliOut, /\[file (\d+)\] lan-party\.png \(([\d.]+ KiB)\)/, 'bob sees the file');
  const saved = path.join(home, 'bob-saved.png');
  cliSay(`/save ${line[1]} ${saved}\n`);
  const done = await waitForText(cliOut, /saved (\S+) \(([^)]+)\) sha256 ([0-9a-f]{64})/, 'bob saves it');
  assert.equal(done[3], sha256, 'hearth-cli prints the SHA-256 of the bytes sent');
  assert.equal(createHash('sha256').update(fs.readFileSync(saved)).digest('hex'), sha256, 'the saved file is the pasted image');
  log('bob saved', saved, 'sha256', sha256);
}

/** Waits until `text()` matches `re`; returns the match. */
/**
 * Runs a window manager and a stand-in game (xcalc: unlike xclock it takes the input focus,
 * as a game does) set fullscreen with wmctrl, has bob mention the owner, checks the app held
 * the notification, then takes the game out of fullscreen and checks the app showed one
 * digest (both read from the app's log: this D-Bus session has no notification server to
 * look at). The window manager stops after.
 */
async function fullscreenDigest(cliSay) {
  const wm = spawn('openbox', ['--sm-disable'], { stdio: 'ignore' });
  children.push(wm);
  const game = spawn('xcalc', [], { stdio: 'ignore' });
  children.push(game);
  const wmctrl = (...args) => spawnSync('wmctrl', args, { encoding: 'utf8' });
  for (let i = 0; !/Calculator/.test(wmctrl('-l').stdout ?? ''); i++) {
    if (i > 100) throw new Error(`xcalc never showed under the window manager:\n${wmctrl('-l').stdout}`);
    await sleep(100);
  }
  wmctrl('-a', 'Calculator');
  wmctrl('-r', 'Calculator', '-b', 'add,fullscreen');
  await sleep(500);
  const before = appLog().length;
  cliSay('@owner your turn\n');
  await waitForText(() => appLog().slice(before), /notification \(Mention\): held/, 'the held notification');
  wmctrl('-r', 'Calculator', '-b', 'remove,fullscreen');
  await waitForText(() => appLog().slice(before), /fullscreen app left: showing one digest/, 'the digest');
  log('a mention during a fullscreen app was held, then shown as one digest');
  game.kill('SIGTERM');
  wm.kill('SIGTERM');
}

async function waitForText(text, re, what, timeoutMs = 20_000) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const m = re.exec(text());
    if (m) return m;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}; got:\n${text()}`);
}

/** Clicks "Host a room" and starts hosting as the owner on `roomPort`; returns the join code. */
async function hostAgain(wd, roomPort) {
  const host = await wd.waitFor('the start screen', js(`return byRole('button', 're:Host a room');`), [], 30_000);
  await wd.click(host);
  return startHosting(wd, { name: 'owner', password: 'pass1234', port: roomPort });
}

// 6. A power cut while hosting: the app is killed with SIGKILL (no shutdown code runs),
//    started again, and hosting again brings everything back: the same join code (the
//    key), the owner's account, the room with its history, bob's account and his kick.
async function powerCut(wd, { roomPort, code }) {
  for (const pid of appPids()) process.kill(pid, 'SIGKILL');
  await appGone();
  await wd.stop().catch(() => {}); // its app is gone already
  log('killed the hosting app with SIGKILL; starting it again');
  await wd.start(APP);
  const again = await hostAgain(wd, roomPort);
  assert.equal(again, code, 'the same key, so the same join code, after the power cut');
  await wd.click(await wd.exec(js(`return byRole('button', 're:Open the lobby');`)));
  await wd.click(await wd.waitFor('the games room in the lobby', js(`return byRole('button', 'Enter games');`)));
  await wd.waitFor("bob's message in the room's history", js(`
    return [...document.querySelectorAll('[data-testid=messages] .msg')]
      .some((m) => norm(m.querySelector('.text')?.textContent) === arguments[0]
        && norm(m.querySelector('.username')?.textContent) === 'bob');
  `), [MESSAGE], 20_000);
  await screenshot(wd, 'after-power-cut');

  // bob's account is back, and so is his cooldown: logging in is refused with the kick.
  const r = spawnSync(
    CLI,
    [`127.0.0.1:${roomPort}`, '--code', code, '--user', 'bob', '--password-stdin', '--known-hosts', path.join(home, 'cli-known-hosts')],
    { input: 'bobpass1\n', encoding: 'utf8', timeout: 20_000 },
  );
  const said = `${r.stdout}${r.stderr}`;
  assert.notEqual(r.status, 0, `bob may not log in during his cooldown:\n${said}`);
  assert.match(said, /kicked by owner: spamming the chat/, `bob's account and kick survived:\n${said}`);
  log('after the power cut: same code, the room and its history, and bob (still kicked) are back');
}

/** The app's log file (tauri-plugin-log, in the app log dir). */
function appLog() {
  const file = path.join(appEnv.XDG_DATA_HOME, 'app.hearth.desktop', 'logs', 'hearth.log');
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
}

/** The ids of the processes running the app binary. */
function appPids() {
  const app = fs.realpathSync(APP);
  return fs
    .readdirSync('/proc')
    .filter((pid) => /^\d+$/.test(pid))
    .filter((pid) => {
      try {
        return fs.readlinkSync(`/proc/${pid}/exe`) === app;
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** Waits until no process runs the app binary (a second instance would hand over to it). */
async function appGone(timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (appPids().length > 0) {
    if (Date.now() > deadline) throw new Error('the app did not exit after its session was closed');
    await sleep(100);
  }
}

async function deepLink(wd) {
  const code = 'Q9W1-DFWF-077Y-MGA1';
  await wd.start(APP, [`hearth://192.0.2.7:7000/${code}`]);
  await wd.waitFor('the prefilled join screen', js(`
    const a = byLabel('Address');
    return a && a.value === '192.0.2.7:7000' && byLabel('Join code')?.value === arguments[0];
  `), [code], 20_000);
  await screenshot(wd, 'join-link');
  log('a hearth:// link opened the Join screen, prefilled');
}

let failed = false;
try {
  await main();
} catch (e) {
  failed = true;
  console.error('[tauri-e2e] FAILED:', e.stack ?? e);
  console.error('[tauri-e2e] the app log ends with:\n' + appLog().split('\n').slice(-40).join('\n'));
} finally {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  fs.rmSync(home, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
