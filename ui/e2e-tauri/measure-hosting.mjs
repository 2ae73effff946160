// Puts the desktop app into a state for scripts/measure-app.sh to measure, through
// tauri-driver + WebKitWebDriver (as run.mjs drives it), and holds it there:
//
//   MEASURE_MODE=hosting (default): the app hosts a room (the owner registers, opens the
//       lobby and creates the room "games", where it stays); FRIENDS (default 4) hearth-cli
//       friends join with the join code shown in the app, register, log in, enter "games"
//       and say two lines each. Ready once the app shows every friend's lines;
//   MEASURE_MODE=idle: the start screen, as the script's default mode measures it without
//       WebDriver, so the automation's own cost is known.
//
// With MEASURE_STEPS=1 (STAGES=1 in the script) it also stops after each step on the way (the
// start screen, the host form, the host panel, the lobby, the room, the friends' lines): it
// writes the step's name to MEASURE_DIR/step and goes on once the script has measured and
// removed that file.
//
// When ready it writes MEASURE_DIR/ready and keeps everything running (the friends stay
// connected) until MEASURE_DIR/done appears: the script measures in between. Then it ends
// the WebDriver session (which closes the app), the friends and the driver.
//
// Run it through scripts/measure-app.sh (HOSTING=1 or WEBDRIVER=1), which provides Xvfb, a
// D-Bus session and a network namespace with only loopback, kills whatever is left and
// measures. Environment: HEARTH_APP, HEARTH_CLI, TAURI_DRIVER, MEASURE_DIR, MEASURE_MODE,
// FRIENDS, MEASURE_STEPS, DISPLAY. The app gets the environment as it is: unlike run.mjs it sets no
// WEBKIT_* variables, so it starts as in the script's idle mode.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { js, startHosting } from './page.mjs';
import { freePort, sleep, startDriver } from './webdriver.mjs';

const need = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set (run scripts/measure-app.sh with HOSTING=1)`);
  return v;
};
const APP = need('HEARTH_APP');
const DIR = need('MEASURE_DIR');
const MODE = process.env.MEASURE_MODE ?? 'hosting';
const CLI = MODE === 'hosting' ? need('HEARTH_CLI') : null;
const DRIVER = process.env.TAURI_DRIVER ?? 'tauri-driver';
const FRIENDS = Number(process.env.FRIENDS ?? 4);
// How long the state is held at most, should the script never say it is done.
const HOLD_MS = 10 * 60_000;
const STEPS = process.env.MEASURE_STEPS === '1';
// How long the script may take to measure a step.
const STEP_MS = 60_000;

const log = (...a) => console.log('[measure]', ...a);
const children = [];

async function main() {
  const { driver, wd } = await startDriver(DRIVER);
  children.push(driver);
  try {
    log('starting', APP);
    await wd.start(APP);
    const host = await wd.waitFor('the start screen', js(`return byRole('button', 're:Host a room');`), [], 60_000);
    if (MODE === 'hosting') {
      await step('start');
      const friends = await hostWithFriends(wd, host);
      await hold(() => {
        // A friend that dropped out would make the numbers those of a smaller party.
        const gone = friends.find((f) => f.child.exitCode !== null);
        if (gone) throw new Error(`${gone.name} disconnected:\n${gone.out()}`);
      });
      for (const f of friends) f.child.stdin.end(); // end of input: the CLI logs out and quits
    } else {
      await hold(() => {});
    }
  } finally {
    // The session first: ending it closes the app. Then the driver.
    await wd.stop().catch((e) => log('closing the session failed:', e.message));
    wd.close();
    driver.kill('SIGTERM');
  }
}

/** Hosts a room, creates "games" and has FRIENDS hearth-cli friends chat in it. */
async function hostWithFriends(wd, host) {
  // Host as the owner, then into the lobby and a room of the owner's.
  await wd.click(host);
  await step('host-form');
  const roomPort = await freePort();
  const code = await startHosting(wd, { name: 'owner', password: 'pass1234', port: roomPort });
  if (!/^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/.test(code ?? '')) throw new Error(`no join code shown: ${code}`);
  log('hosting on', roomPort, 'with code', code);
  await step('host-panel');
  await wd.click(await wd.exec(js(`return byRole('button', 're:Open the lobby');`)));
  await wd.waitFor('the lobby', js(`return byRole('heading', 'Lobby');`));
  await step('lobby');
  await wd.fill(await wd.waitFor('room name field', js(`return byLabel('New room name') ?? document.querySelector('input[aria-label="New room name"]');`)), 'games');
  await wd.click(await wd.exec(js(`return byRole('button', 'Create room');`)));
  await wd.waitFor('the room', js(`return byRole('heading', '# games');`));
  await step('room');

  // The friends join at once, as at a LAN party; each keeps its own known-hosts file.
  const friends = [];
  const said = [];
  for (let i = 1; i <= FRIENDS; i++) {
    const name = `friend${i}`;
    const lines = [`hello from ${name}`, `${name} is ready when you are`];
    said.push(...lines);
    const child = spawn(
      CLI,
      [`127.0.0.1:${roomPort}`, '--code', code, '--user', name, '--register', '--password-stdin', '--known-hosts', path.join(DIR, `${name}-known-hosts`)],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    children.push(child);
    let out = '';
    // Read everything it prints: a full pipe would stall it.
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.stdin.write(`${name}pass1\n/join games\n${lines.join('\n')}\n`);
    friends.push({ name, child, out: () => out });
  }
  await wd
    .waitFor(
      "every friend's lines in the room",
      js(`
        const shown = new Set([...document.querySelectorAll('[data-testid=messages] .msg .text')].map((t) => norm(t.textContent)));
        return arguments[0].every((line) => shown.has(line));
      `),
      [said],
      60_000,
    )
    .catch((e) => {
      throw new Error(`${e.message}\n${friends.map((f) => `${f.name} said:\n${f.out()}`).join('\n')}`);
    });
  log(`${FRIENDS} friends connected, ${said.length} lines in #games`);
  await step('friends');
  return friends;
}

/** With MEASURE_STEPS=1: has the script measure the app after step `name`, and waits for it. */
async function step(name) {
  if (!STEPS) return;
  const file = path.join(DIR, 'step');
  // Whole or not at all: the script polls for it.
  fs.writeFileSync(`${file}.new`, name);
  fs.renameSync(`${file}.new`, file);
  const deadline = Date.now() + STEP_MS;
  while (fs.existsSync(file)) {
    if (Date.now() > deadline) throw new Error(`the script never measured step ${name}`);
    await sleep(100);
  }
}

/** Says it is ready, then waits for MEASURE_DIR/done, running `check` meanwhile. */
async function hold(check) {
  fs.writeFileSync(path.join(DIR, 'ready'), `${MODE}\n`);
  log('ready; holding until', path.join(DIR, 'done'));
  const deadline = Date.now() + HOLD_MS;
  while (!fs.existsSync(path.join(DIR, 'done'))) {
    check();
    if (Date.now() > deadline) throw new Error('never told the measuring was done');
    await sleep(200);
  }
}

let failed = false;
try {
  await main();
} catch (e) {
  failed = true;
  console.error('[measure] FAILED:', e.stack ?? e);
} finally {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
}
process.exit(failed ? 1 : 0);
