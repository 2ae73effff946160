// Browser tests of the built UI against the mock backend. Run: npm run e2e
import assert from 'node:assert/strict';
import { run, test, until } from './harness.mjs';
import { png } from './png.mjs';



const APP = '?mock&manual&delay=15';

/** Host a room as `owner` and open the lobby. */
async function hostAndOpenLobby(page, base) {
  await page.goto(base + APP);
  await page.getByRole('button', { name: /Host a room/ }).click();
  await page.getByLabel('Your name').fill('owner');
  await page.getByLabel('Password').fill('pass1234');
  await page.getByRole('button', { name: 'Start hosting' }).click();
  await page.getByRole('button', { name: /Open the lobby/ }).click();
  await page.getByRole('heading', { name: 'Lobby' }).waitFor();
}

async function enterRoom(page, room) {
  await page.getByRole('button', { name: `Enter ${room}` }).click();
  await page.getByRole('heading', { name: `# ${room}` }).waitFor();
  // The room shows at once; the (mock) server has us in it when `enter_room` returns.
  await until(() => page.evaluate((r) => window.__hearthMock.state().place === r, room), `the server to have us in #${room}`);
}

const msgs = (page) => page.getByTestId('messages').locator('.msg');

/** Scroll a dialog's section to the top of the dialog (as far as it goes). */
const top = (locator) => locator.evaluate((el) => el.scrollIntoView({ block: 'start' }));

test('host a room, chat, private chat, admin, settings, reconnect, stop', async ({ page, mock, shot, base }) => {
  await page.goto(base + APP);
  await page.getByRole('heading', { name: 'Hearth' }).waitFor();
  await shot('start');

  // keyboard: the first Tab reaches "Host a room" and Enter opens it
  await page.keyboard.press('Tab');
  assert.match(await page.evaluate(() => document.activeElement?.textContent ?? ''), /Host a room/);
  await page.keyboard.press('Enter');

  // port taken: say so and offer another
  await mock('occupyPort', 7878);
  await page.getByLabel('Your name').fill('owner');
  await page.getByLabel('Password').fill('pass1234');
  await page.getByRole('radio', { name: 'Color #a070e0' }).click();
  await shot('host-setup');
  await page.getByRole('button', { name: 'Start hosting' }).click();
  await page.getByText('Port 7878 is already in use').waitFor();
  await shot('host-port-in-use');
  await page.getByRole('button', { name: 'Use port 7879 instead' }).click();
  assert.equal(await page.getByLabel('Port').inputValue(), '7879');
  await page.getByRole('button', { name: 'Start hosting' }).click();

  // host panel
  await page.getByRole('heading', { name: 'Your room is open' }).waitFor();
  const code = await page.getByTestId('join-code').textContent();
  assert.match(code ?? '', /^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
  await page.getByText('192.168.1.23:7879', { exact: true }).waitFor();
  await page.getByText('10.0.0.5:7879', { exact: true }).waitFor();
  await page.getByText(`hearth://192.168.1.23:7879/${code}`).waitFor();
  assert.match(await page.getByTestId('connected-count').textContent(), /4 people connected/);
  await page.getByRole('button', { name: 'Copy join code' }).click();
  await page.getByRole('button', { name: 'Copy join code' }).getByText('Copied').waitFor();
  await shot('host-panel');

  // lobby with live updates
  await page.getByRole('button', { name: /Open the lobby/ }).click();
  await page.getByRole('heading', { name: 'Lobby' }).waitFor();
  await page.getByRole('button', { name: 'Enter general' }).waitFor();
  await mock('join', 'jun', 'games');
  await page.getByRole('listitem').filter({ hasText: '# games' }).getByText('jun').waitFor();
  await shot('lobby');

  // create a room: we land in it
  await page.getByLabel('New room name').fill('lan-night');
  await page.getByRole('button', { name: 'Create room' }).click();
  await page.getByRole('heading', { name: '# lan-night' }).waitFor();
  await page.getByRole('button', { name: 'Leave room' }).click();
  await page.getByRole('button', { name: 'Enter lan-night' }).waitFor();

  // room: history, paging, sending, a friend's message in their color
  await enterRoom(page, 'general');
  await until(async () => (await msgs(page).count()) === 50, '50 messages of history');
  await page.getByTestId('messages').evaluate((el) => {
    el.scrollTop = 0;
    el.dispatchEvent(new Event('scroll'));
  });
  await until(async () => (await msgs(page).count()) === 100, 'an older page after scrolling up');
  // (a real click would scroll the list to the top, which loads the page by itself: press it in place)
  await page.getByRole('button', { name: 'Load older messages' }).evaluate((b) => b.click());
  await until(async () => (await msgs(page).count()) === 120, 'the oldest page');
  await page.getByText('This is the beginning of the conversation.').waitFor();

  const box = page.getByRole('textbox', { name: 'Message #general' });
  await box.fill('hello everyone');
  await box.press('Enter');
  await msgs(page).last().getByText('hello everyone').waitFor();
  await box.type('line one');
  await box.press('Shift+Enter');
  await box.type('line two');
  assert.equal(await box.inputValue(), 'line one\nline two');
  await box.press('Enter');
  await until(async () => (await msgs(page).last().locator('.text').textContent()) === 'line one\nline two', 'multi-line message');
  assert.match(await msgs(page).last().locator('.time').textContent(), /^\d\d:\d\d$/);

  await mock('join', 'jun', 'general');
  await page.getByText('jun joined the room').waitFor();
  await mock('say', 'mara', 'welcome, owner!');
  const mara = msgs(page).last();
  await mara.getByText('welcome, owner!').waitFor();
  assert.equal(await mara.locator('.username').evaluate((el) => getComputedStyle(el).color), 'rgb(224, 164, 88)');
  await page.getByRole('list', { name: 'Room members' }).getByText('jun').waitFor();
  await shot('room');

  // a private request: toast with no content, accept, a tab, unread marker, end
  await mock('requestPrivate', 'tobi');
  const toast = page.getByTestId('private-request');
  await toast.waitFor();
  assert.equal((await toast.textContent()).replace(/\s+/g, ' ').trim(), 'tobi wants to chat privately. Reject Accept');
  await shot('private-request');
  await toast.getByRole('button', { name: 'Accept' }).click();
  await page.getByRole('heading', { name: 'Private chat with tobi' }).waitFor();
  const dm = page.getByRole('textbox', { name: 'Message tobi privately' });
  await dm.fill('psst');
  await dm.press('Enter');
  await msgs(page).getByText('psst').waitFor();
  await mock('privateSay', 'tobi', 'secret plans');
  await msgs(page).getByText('secret plans').waitFor();
  await shot('private-chat');
  await page.getByRole('tab', { name: /general/ }).click();
  await mock('privateSay', 'tobi', 'are you there?');
  await page.getByRole('tab', { name: /tobi/ }).getByLabel('1 unread').waitFor();
  await page.getByRole('tab', { name: /tobi/ }).click();
  assert.equal(await page.getByRole('tab', { name: /tobi/ }).getByLabel('1 unread').count(), 0);
  await page.getByRole('button', { name: 'End chat' }).click();
  await page.getByText('This chat has ended: you ended the chat.').waitFor();
  assert.equal(await page.getByRole('textbox', { name: 'Message tobi privately' }).isDisabled(), true);
  await page.getByRole('button', { name: 'Close' }).click();

  // an outgoing request: pending until they accept
  await page.getByRole('list', { name: 'Room members' }).getByRole('button', { name: 'Actions for mara' }).click();
  await page.getByRole('menuitem', { name: 'Private chat' }).click();
  await page.getByText('Waiting for mara to accept your request…').waitFor();
  await page.getByRole('tab', { name: /mara/ }).getByText('waiting').waitFor();
  await shot('private-pending');
  await mock('acceptPrivate', 'mara');
  await page.getByRole('textbox', { name: 'Message mara privately' }).waitFor();
  await page.getByRole('tab', { name: /general/ }).click();

  // kick from the member list: reason required, cooldown choice
  await page.getByRole('list', { name: 'Room members' }).getByRole('button', { name: 'Actions for tobi' }).click();
  await page.getByRole('menuitem', { name: 'Kick…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Kick tobi' });
  await dialog.getByRole('button', { name: 'Kick tobi' }).click();
  await dialog.getByText('Say why').waitFor();
  await dialog.getByLabel(/Reason/).fill('spamming the chat');
  await dialog.getByLabel('15 min').check();
  await shot('kick-dialog');
  await dialog.getByRole('button', { name: 'Kick tobi' }).click();
  await page.getByText('tobi was kicked by owner: spamming the chat').waitFor();
  assert.equal(await page.getByRole('list', { name: 'Room members' }).getByText('tobi').count(), 0);

  // promote from the sidebar, then the audit log
  await page.getByRole('complementary', { name: 'Rooms and people' }).getByRole('button', { name: 'Actions for jun' }).click();
  await page.getByRole('menuitem', { name: 'Make admin' }).click();
  await page.getByText('jun is now an admin.').waitFor();
  await page.getByRole('button', { name: 'Admin' }).click();
  const admin = page.getByRole('dialog', { name: 'Admin' });
  await admin.getByRole('cell', { name: 'spamming the chat' }).waitFor();
  await admin.getByRole('cell', { name: 'admin', exact: true }).waitFor();
  await shot('audit');
  await admin.getByLabel('Name').fill('tobi');
  await admin.getByRole('button', { name: 'Let them back' }).click();
  await admin.getByText('tobi may rejoin now.').waitFor();
  await page.keyboard.press('Escape');
  await admin.waitFor({ state: 'detached' });

  // settings: color, notifications
  await page.getByRole('button', { name: /Profile and settings/ }).click();
  const settings = page.getByRole('dialog', { name: 'Profile and settings' });
  await settings.getByRole('radio', { name: 'Color #3fb6a8' }).click();
  await settings.getByRole('button', { name: 'Save color' }).click();
  await settings.getByText('Color saved.').waitFor();
  const levels = settings.getByRole('group', { name: 'Desktop notifications' });
  assert.equal(await levels.getByRole('radio', { name: 'Mentions and private messages' }).isChecked(), true);
  await levels.getByRole('radio', { name: 'All messages' }).check();
  await until(async () => (await mock('settings')).notifications === 'all', 'notifications for all messages');
  const sharing = settings.getByRole('switch', { name: 'Share that I am typing' });
  assert.equal(await sharing.isChecked(), true);
  await settings.getByText('Share that I am typing').click();
  await until(async () => (await mock('settings')).share_typing === false, 'typing not shared');
  await settings.getByText('A sound when someone mentions me').click();
  await until(async () => (await mock('settings')).mention_sound === true, 'the mention sound on');
  await top(settings.getByRole('region', { name: 'Notifications' }));
  await shot('settings');
  await page.emulateMedia({ colorScheme: 'light' });
  await shot('settings-light');
  await page.emulateMedia({ colorScheme: 'dark' });
  // and back on for the rest of the test
  await settings.getByText('Share that I am typing').click();
  await until(async () => (await mock('settings')).share_typing === true, 'typing shared again');
  await settings.getByRole('button', { name: 'Close' }).click();
  await box.fill('my new color');
  await box.press('Enter');
  await until(
    async () => (await msgs(page).last().locator('.username').evaluate((el) => getComputedStyle(el).color)) === 'rgb(63, 182, 168)',
    'own message in the new color',
  );

  // reconnect banner
  await mock('dropConnection', 4000, 2000);
  const banner = page.getByTestId('connection-banner');
  await banner.waitFor();
  await banner.getByText(/Reconnecting in \ds \(attempt [12]\)/).waitFor();
  // the banner takes room, but the newest message stays in view
  await until(
    () => msgs(page).last().evaluate((el) => el.getBoundingClientRect().bottom <= el.closest('[role=log]').getBoundingClientRect().bottom + 1),
    'the newest message to stay visible under the banner',
  );
  await shot('reconnecting');
  await banner.waitFor({ state: 'detached', timeout: 9000 });

  // host panel from the top bar, then stop hosting
  await page.getByRole('button', { name: /Hosting, \d+ connected/ }).click();
  await page.getByRole('button', { name: 'Stop hosting' }).click();
  await page.getByRole('button', { name: 'Stop now' }).click();
  await page.getByRole('button', { name: /Host a room/ }).waitFor();
});

test('join: TOFU prompt, register, keychain notice, kicked countdown, key changed, wrong code', async ({ page, mock, shot, base }) => {
  await page.goto(base + APP);
  await page.getByRole('button', { name: /Join a room/ }).click();
  await until(async () => (await page.getByTestId('discovered-host').count()) === 2, 'the hosts on the network');
  await page.getByRole('button', { name: 'Join by address' }).click();
  await shot('join');
  const addr = '192.168.1.50:7878';
  await page.getByLabel('Address').fill('not an address!');
  await page.getByRole('button', { name: 'Join', exact: true }).click();
  await page.getByText('Enter an address like').waitFor();

  // no code: trust on first use with the full fingerprint
  await page.getByLabel('Address').fill(addr);
  await page.getByRole('button', { name: 'Join', exact: true }).click();
  const fp = await mock('fingerprintFor', addr);
  const shown = await page.getByTestId('fingerprint').textContent();
  assert.equal(shown.replace(/\s+/g, ''), fp.replace(':', ''));
  await shot('join-trust');
  await page.getByRole('button', { name: 'Cancel' }).click();
  await page.getByRole('button', { name: 'Join', exact: true }).click();
  await page.getByRole('button', { name: 'Trust and connect' }).click();

  // register with a color; no keychain: offer to go on without remembering
  await page.getByRole('tab', { name: /Register/ }).click();
  await page.getByLabel('Name', { exact: true }).fill('guest');
  await page.getByLabel('Password').fill('pw1234');
  await page.getByRole('radio', { name: 'Color #4aa3df' }).click();
  await shot('register');
  await mock('setKeychainAvailable', false);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByTestId('keychain-notice').waitFor();
  await shot('keychain-unavailable');
  await page.getByRole('button', { name: 'Continue without remembering' }).click();
  await page.getByRole('heading', { name: 'Lobby' }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Admin' }).count(), 0, 'members see no admin button');
  await shot('lobby-member');

  // kicked: who, why, live countdown
  await mock('kickMe', 'mara', 'too loud', 5);
  await page.getByRole('heading', { name: 'You were kicked' }).waitFor();
  assert.equal(await page.getByTestId('kicked-by').textContent(), 'mara');
  assert.equal(await page.getByTestId('kicked-reason').textContent(), 'too loud');
  const first = await page.getByTestId('kick-countdown').textContent();
  assert.match(first, /^[45]:\d\d$/);
  await until(async () => (await page.getByTestId('kick-countdown').textContent()) !== first, 'the countdown to tick', 3000);
  assert.equal(await page.getByRole('button', { name: 'Rejoin' }).isDisabled(), true);
  await shot('kicked');

  // logging in again during the cooldown lands on the kicked screen too
  await page.getByRole('button', { name: 'Back to start' }).click();
  await page.getByRole('button', { name: /Join a room/ }).click();
  await page.getByRole('button', { name: `Join ${addr}` }).click();
  await page.getByLabel('Name', { exact: true }).fill('guest');
  await page.getByLabel('Password').fill('pw1234');
  await page.getByLabel('Remember me on this computer').uncheck();
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'You were kicked' }).waitFor();
  await page.getByRole('button', { name: 'Back to start' }).click();

  // the remembered host's key changed: hard refusal
  await mock('changeHostKey', addr);
  await page.getByRole('button', { name: /Join a room/ }).click();
  await page.getByRole('button', { name: `Join ${addr}` }).click();
  await page.getByTestId('key-changed').waitFor();
  await page.getByText("This host's identity has changed.").waitFor();
  await shot('key-changed');
  await page.getByRole('button', { name: 'Back' }).click();

  // a code for another host: refusal
  await page.getByRole('button', { name: 'Join by address' }).click();
  await page.getByLabel('Address').fill('10.0.0.9:7878');
  await page.getByLabel(/Join code/).fill('ABCD-EFGH-JKMN-PQRS');
  await page.getByRole('button', { name: 'Join', exact: true }).click();
  await page.getByText('This is not the host you were given the code for.').waitFor();
  await shot('wrong-code');
  await page.getByRole('button', { name: 'Back' }).click();

  // a pasted join link with the right code: straight to login, no prompt
  const code = await mock('codeFor', '10.0.0.9:7878');
  await page.getByLabel(/Join code/).fill('');
  await page.getByLabel('Address').fill(`hearth://10.0.0.9:7878/${code}`);
  assert.equal(await page.getByLabel(/Join code/).inputValue(), code);
  await page.getByRole('button', { name: 'Join', exact: true }).click();
  await page.getByRole('heading', { name: 'Log in' }).waitFor();
  await shot('login');
  await mock('setKeychainAvailable', true);
  await page.getByLabel('Name', { exact: true }).fill('tobi');
  await page.getByLabel('Password').fill('wrong');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByText('Wrong name or password.').waitFor();

  // the host closes the room
  await page.getByLabel('Password').fill('secret');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Lobby' }).waitFor();
  await mock('bye', 'The host stopped hosting. Goodbye!');
  await page.getByTestId('ended-message').getByText('The host stopped hosting. Goodbye!').waitFor();
  await shot('disconnected');
});

/** A screenshot in the dark theme, then the same in the light one. */
async function bothThemes(page, shot, name) {
  await shot(name);
  await page.emulateMedia({ colorScheme: 'light' });
  await shot(`${name}-light`);
  await page.emulateMedia({ colorScheme: 'dark' });
}

test('join from the list: hosts on the network, trust, a typed code, not this host, both themes', async ({ page, mock, shot, base }) => {
  // tall enough for the whole list
  await page.setViewportSize({ width: 1280, height: 1150 });
  await page.goto(base + APP);
  // the LAN: one host trusted before, one whose key changed since, one new, and one pretending to be Mara
  await mock('setAnnouncements', [
    { name: "Mara's room", host_name: 'mara-desktop', address: '192.168.1.31:7878', online: 4, via: ['mdns', 'beacon'], afterMs: 300 },
    { name: 'Friday LAN party', host_name: 'tobi-pc', address: '192.168.1.42:7878', online: 7, via: ['beacon'], afterMs: 500 },
    { name: 'The basement server of the Thursday night LAN party association', host_name: 'old-box', address: '192.168.1.60:7878', online: 1, via: ['mdns'], afterMs: 700 },
    { name: "Mara's room", host_name: 'mara-laptop', address: '192.168.1.66:7878', online: 0, via: ['beacon'], afterMs: 900 },
  ]);
  await mock('knowHost', '192.168.1.31:7878');
  await mock('knowHost', '192.168.1.60:7878');
  await mock('changeHostKey', '192.168.1.60:7878');
  await mock('forgeAnnouncement', '192.168.1.66:7878');
  await page.getByRole('button', { name: /Join a room/ }).click();
  await page.getByText('Looking for hosts on your network…').waitFor();
  assert.equal(await mock('discovering'), true);
  await bothThemes(page, shot, 'join-looking');

  const rows = page.getByTestId('discovered-host');
  const row = (address) => page.locator(`[data-testid="discovered-host"][data-address="${address}"]`);
  await until(async () => (await rows.count()) === 4, 'four hosts listed');
  assert.deepEqual(await rows.evaluateAll((els) => els.map((el) => [el.dataset.address, el.dataset.trust])), [
    ['192.168.1.66:7878', 'new'],
    ['192.168.1.60:7878', 'key_changed'],
    ['192.168.1.42:7878', 'new'],
    ['192.168.1.31:7878', 'known'],
  ]);
  assert.equal(await row('192.168.1.60:7878').getByTestId('discovered-join').isDisabled(), true);
  assert.equal(await row('192.168.1.31:7878').getByTestId('discovered-join').isEnabled(), true);
  await row('192.168.1.42:7878').getByText(`Code ${await mock('codeFor', '192.168.1.42:7878')}`, { exact: false }).waitFor();
  // "I have a code" on one row
  await row('192.168.1.31:7878').getByRole('button', { name: 'I have a code' }).click();
  await row('192.168.1.31:7878').getByLabel(/Code from the host/).fill(await mock('codeFor', '192.168.1.31:7878'));
  // nothing sticks out of the rows
  const overflow = await rows.evaluateAll((els) =>
    els.flatMap((li) => {
      const box = li.getBoundingClientRect();
      return [...li.querySelectorAll('*')].filter((el) => el.getBoundingClientRect().right > box.right + 0.5).map((el) => el.className);
    }),
  );
  assert.deepEqual(overflow, []);
  await page.evaluate(() => window.scrollTo(0, 0));
  await bothThemes(page, shot, 'join-list');

  // the one pretending: refused, then listed as not this host
  await row('192.168.1.66:7878').getByTestId('discovered-join').click();
  await page.getByTestId('not-this-host').getByText('This is not the host it claims to be.').waitFor();
  await bothThemes(page, shot, 'join-not-this-host');
  await page.getByRole('button', { name: 'Back' }).click();
  await until(async () => (await row('192.168.1.66:7878').getAttribute('data-trust')) === 'not_this_host', 'the row marked not this host');
  assert.equal(await row('192.168.1.66:7878').getByTestId('discovered-join').isDisabled(), true);
  await bothThemes(page, shot, 'join-list-refused');

  // a new host, with its announced code: straight to login, and the list stops
  await row('192.168.1.42:7878').getByTestId('discovered-join').click();
  await page.getByRole('heading', { name: 'Log in' }).waitFor();
  assert.equal(await mock('discovering'), false);
  await page.getByLabel('Name', { exact: true }).fill('tobi');
  await page.getByLabel('Password').fill('secret');
  await page.getByLabel('Remember me on this computer').uncheck();
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Lobby' }).waitFor();
});

test('join: nothing found on the network, then by address, both themes', async ({ page, mock, shot, base }) => {
  await page.goto(base + APP);
  await mock('announceNothing', {
    afterMs: 1200,
    searched: ['eth0 (192.168.1.77)', 'wlan0 (10.0.0.12)'],
    problems: ['cannot listen for beacons on UDP port 7879: Address already in use (os error 98)'],
  });
  await page.getByRole('button', { name: /Join a room/ }).click();
  await page.getByText('Looking for hosts on your network…').waitFor();
  assert.equal(await page.getByLabel('Address').count(), 0, 'Join by address starts closed');
  const nothing = page.getByTestId('discovery-nothing-found');
  await nothing.waitFor();
  await nothing.getByText('No host found on your network.').waitFor();
  assert.match(await page.getByTestId('discovery-searched').textContent(), /eth0 \(192\.168\.1\.77\), wlan0 \(10\.0\.0\.12\)/);
  await nothing.getByText('Address already in use', { exact: false }).waitFor();
  // the manual path opened by itself
  await page.getByLabel('Address').waitFor();
  assert.equal(await page.getByRole('button', { name: 'Join by address' }).getAttribute('aria-expanded'), 'true');
  await bothThemes(page, shot, 'join-nothing-found');
  const addr = '192.168.1.50:7878';
  await page.getByLabel('Address').fill(`hearth://${addr}/${await mock('codeFor', addr)}`);
  await page.getByRole('button', { name: 'Join', exact: true }).click();
  await page.getByRole('heading', { name: 'Log in' }).waitFor();
  // leaving the Join screen stops the search
  await until(async () => (await mock('discovering')) === false, 'discovery stopped');
});

test('host panel: room name, QR code, announcement, network check, both themes', async ({ page, mock, shot, base }) => {
  await page.goto(base + APP);
  await mock('setFirewall', 'drops');
  await page.getByRole('button', { name: /Host a room/ }).click();
  await page.getByLabel('Your name').fill('owner');
  await page.getByLabel('Password').fill('pass1234');
  const room = page.getByTestId('host-room-name');
  assert.equal(await room.getAttribute('placeholder'), "owner's room");
  await room.fill('Friday LAN party');
  await bothThemes(page, shot, 'host-setup-room-name');
  await page.getByRole('button', { name: 'Start hosting' }).click();
  await page.getByRole('heading', { name: 'Your room is open' }).waitFor();

  await page.getByTestId('host-room').getByText('Friday LAN party').waitFor();
  await page.getByText('Friends on your network see “Friday LAN party” in their Join list.').waitFor();
  const qr = page.getByTestId('host-qr');
  const hostState = (await mock('state')).host;
  assert.equal(await qr.getAttribute('aria-label'), `QR code of the join link ${hostState.join_link}`);
  assert.equal(await qr.locator('path').getAttribute('d'), hostState.join_qr.dark_path);
  const qrBox = await qr.boundingBox();
  assert.ok(qrBox && qrBox.width >= 148 && qrBox.height >= 148, `the QR code is drawn at its size: ${JSON.stringify(qrBox)}`);
  const checks = page.getByTestId('host-checks');
  const findings = checks.getByTestId('host-finding');
  await until(async () => (await findings.count()) > 0, 'the network check');
  assert.equal(await findings.first().getAttribute('data-code'), 'firewall_drops');
  assert.equal(await findings.last().getAttribute('data-code'), 'lan_ready');
  assert.equal(await findings.first().locator('code').first().textContent(), 'sudo ufw allow 7878/tcp');
  await page.getByText('1 problem', { exact: true }).waitFor();
  await bothThemes(page, shot, 'host-panel-room');
  await page.getByRole('heading', { name: 'Network check' }).evaluate((el) => el.scrollIntoView({ block: 'start' }));
  await bothThemes(page, shot, 'host-panel-network-check');

  // fixed: check again
  await mock('setFirewall', 'open');
  await page.getByRole('button', { name: 'Check again' }).click();
  await page.getByText('Nothing in the way', { exact: true }).waitFor();
  assert.equal(await checks.locator('[data-code="firewall_drops"]').count(), 0);
  await checks.locator('[data-code="firewall_open"]').waitFor();

  // not announced: the panel says how friends join instead
  await page.getByRole('button', { name: 'Stop hosting' }).click();
  await page.getByRole('button', { name: 'Stop now' }).click();
  await mock('setAnnouncing', false);
  await page.getByRole('button', { name: /Host a room/ }).click();
  await page.getByLabel('Your name').fill('owner');
  await page.getByLabel('Password').fill('pass1234');
  await page.getByRole('button', { name: 'Start hosting' }).click();
  await page.getByText('Not announced: friends join by address and code.').waitFor();
  await page.getByTestId('host-room').getByText("owner's room").waitFor();
  await bothThemes(page, shot, 'host-panel-not-announced');
});

test('XSS payloads are shown as text', async ({ page, mock, base }) => {
  let dialogs = 0;
  page.on('dialog', (d) => {
    dialogs++;
    void d.dismiss();
  });
  await hostAndOpenLobby(page, base);
  await enterRoom(page, 'general');
  const evil = '<img src=x onerror=alert(1)>';
  await mock('addUser', evil, '#ff0000');
  await mock('addUser', 'tricky', 'red;background:url(http://127.0.0.1:9/x)');
  await mock('say', evil, `${evil}<script>alert(2)</script>`);
  await mock('say', 'tricky', 'my color is not a color');
  const box = page.getByRole('textbox', { name: 'Message #general' });
  await box.fill('<svg onload=alert(3)>');
  await box.press('Enter');
  await msgs(page).getByText('<svg onload=alert(3)>', { exact: true }).waitFor();
  await msgs(page).getByText(`${evil}<script>alert(2)</script>`, { exact: true }).waitFor();
  await msgs(page).locator('.username', { hasText: evil }).first().waitFor();
  await mock('requestPrivate', evil);
  await page.getByTestId('private-request').getByText(evil).waitFor();
  await page.waitForTimeout(300);
  // (the message tools' own line icons are svg.icon; nothing else may be an svg)
  assert.equal(await page.locator('main img, [role="log"] img, [role="log"] svg:not(.icon), [role="log"] script').count(), 0);
  const tricky = msgs(page).filter({ hasText: 'my color is not a color' }).locator('.username');
  assert.equal(await tricky.getAttribute('style'), null, 'an invalid color sets no style');
  assert.equal(dialogs, 0, 'no dialog fired');
});

test('signed-in devices: list, sign out with confirmation, both themes', async ({ page, mock, shot, base }) => {
  const addr = '192.168.1.50:7878';
  await page.goto(base + APP);
  await page.getByRole('button', { name: /Join a room/ }).click();
  await page.getByRole('button', { name: 'Join by address' }).click();
  await page.getByLabel('Address').fill(`hearth://${addr}/${await mock('codeFor', addr)}`);
  await page.getByRole('button', { name: 'Join', exact: true }).click();
  await page.getByLabel('Name', { exact: true }).fill('tobi');
  await page.getByLabel('Password').fill('secret');
  assert.equal(await page.getByLabel('Remember me on this computer').isChecked(), true);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Lobby' }).waitFor();

  await page.getByRole('button', { name: /Profile and settings/ }).click();
  const settings = page.getByRole('dialog', { name: 'Profile and settings' });
  const devices = settings.getByRole('region', { name: 'Signed-in devices' });
  const rows = devices.getByRole('listitem');
  await until(async () => (await rows.count()) === 3, 'three devices');
  const first = rows.first();
  assert.match(await first.textContent(), /tobi's computer\s*This device/);
  await first.getByText('192.168.1.77').waitFor();
  await rows.nth(2).getByText('2001:db8:4f2a:91c0:7a3e:1dff:fe4b:9c21').waitFor();

  // nothing sticks out of its row or the dialog: long names and IPv6 addresses wrap
  const overflow = () =>
    devices.evaluate((section) => {
      const box = section.getBoundingClientRect();
      const bad = [];
      for (const el of section.querySelectorAll('li, li *')) {
        const r = el.getBoundingClientRect();
        if (r.width === 0) continue;
        if (r.right > box.right + 0.5 || r.left < box.left - 0.5) bad.push(`${el.tagName}.${el.className}: ${el.textContent?.slice(0, 30)}`);
        if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== 'visible') bad.push(`scrolls: ${el.className}`);
      }
      return bad;
    });
  assert.deepEqual(await overflow(), []);
  // the Sign out buttons line up
  const rights = await devices.getByRole('button', { name: /^Sign out / }).evaluateAll((bs) => bs.map((b) => Math.round(b.getBoundingClientRect().right)));
  assert.equal(new Set(rights).size, 1, `buttons aligned: ${rights}`);

  await top(devices);
  await shot('settings-devices');

  // another device: ask, then sign it out
  await devices.getByRole('button', { name: "Sign out tobi's gaming PC" }).click();
  const question = devices.getByRole('group', { name: /Sign out tobi's gaming PC\?/ });
  await question.waitFor();
  assert.equal(await devices.getByRole('button', { name: 'Cancel' }).evaluate((b) => b === document.activeElement), true);
  await shot('settings-devices-confirm');
  await question.getByRole('button', { name: 'Yes, sign out' }).click();
  await devices.getByText("tobi's gaming PC is signed out.").waitFor();
  await until(async () => (await rows.count()) === 2, 'the list without it');

  // light theme, with the question for this device
  await page.emulateMedia({ colorScheme: 'light' });
  await devices.getByRole('button', { name: 'Sign out this device' }).click();
  const mine = devices.getByRole('group', { name: /Sign out this device\?/ });
  await mine.getByText('Hearth on this computer will no longer remember your login.').waitFor();
  assert.deepEqual(await overflow(), []);
  await top(devices);
  await shot('settings-devices-light');
  await mine.getByRole('button', { name: 'Yes, sign out' }).click();
  await devices.getByText(/This device is signed out/).waitFor();
  // The notice and the refreshed list render in separate updates: wait for the list.
  await until(async () => (await devices.getByText('This device', { exact: true }).count()) === 0, 'the list without this device');

  // a device that is gone already: the error, and the list as it is now
  await devices.getByRole('button', { name: /Sign out Tobias-Steam-Deck/ }).click();
  await mock('signOutDevices', 'tobi'); // from another computer, meanwhile
  await devices.getByRole('button', { name: 'Yes, sign out' }).click();
  await devices.getByRole('alert').getByText(/no signed-in device \d+ on your account/).waitFor();
  await devices.getByText('No devices are remembered.', { exact: false }).waitFor();
  await top(devices);
  await shot('settings-devices-empty-light');
  await page.emulateMedia({ colorScheme: 'dark' });
  await shot('settings-devices-empty');
});

test('files: receive an image and a card, paste, drop, progress, cancel, viewer, both themes', async ({ page, mock, shot, base }) => {
  await hostAndOpenLobby(page, base);
  await enterRoom(page, 'general');
  await mock('sendFile', 'mara', 'sunset-over-dust2.png', [...png(640, 360)]);
  await mock('sendFile', 'tobi', 'hearth-mods-v3.zip', [0x50, 0x4b, 0x03, 0x04, ...new Array(2_400_000 - 4).fill(7)]);
  const thumb = msgs(page).getByRole('img', { name: 'sunset-over-dust2.png' });
  await thumb.waitFor();
  await until(() => thumb.evaluate((img) => img.complete && img.naturalWidth === 640), 'the thumbnail decoded');
  await msgs(page).getByTestId('file-card').getByText('ZIP archive · 2.3 MiB').waitFor();

  // a pasted screenshot, slowly, so the progress shows
  await mock('setTransferStepMs', 700);
  const shotBytes = [...png(320, 200)];
  await page.getByRole('textbox', { name: 'Message #general' }).evaluate((box, bytes) => {
    const data = new DataTransfer();
    data.items.add(new File([new Uint8Array(bytes)], 'screenshot.png', { type: 'image/png' }));
    box.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
  }, shotBytes);
  const transfers = page.getByTestId('transfer');
  await transfers.first().waitFor();
  // two files dropped meanwhile: they queue behind it; the overlay shows while dragging
  const zone = page.getByTestId('drop-zone').first();
  const dropped = await page.evaluateHandle(() => {
    const data = new DataTransfer();
    data.items.add(new File([new Uint8Array(180_000).fill(3)], 'world-backup.sav'));
    data.items.add(new File(['gg'], 'notes.txt', { type: 'text/plain' }));
    return data;
  });
  await zone.dispatchEvent('dragenter', { dataTransfer: dropped });
  await zone.getByText('Drop files to send them to #general').waitFor();
  await shot('files-drop');
  await zone.dispatchEvent('drop', { dataTransfer: dropped });
  await until(async () => (await transfers.count()) === 3, 'three transfers listed');
  await until(async () => Number(await transfers.first().getByRole('progressbar').getAttribute('aria-valuenow')) >= 20, 'progress');
  assert.match(await transfers.nth(1).textContent(), /world-backup\.sav\s*waiting/);
  await shot('files-progress');
  // cancel the one waiting last; the others go through in order
  await transfers.nth(2).getByRole('button', { name: 'Cancel notes.txt' }).click();
  await mock('setTransferStepMs', 40);
  await until(async () => (await transfers.count()) === 0, 'all sent', 15_000);
  const names = await msgs(page)
    .locator('[data-testid="file-image"] img, [data-testid="file-card"] .name')
    .evaluateAll((els) => els.map((el) => (el.tagName === 'IMG' ? el.getAttribute('alt') : el.textContent)));
  assert.deepEqual(names.slice(-4), ['sunset-over-dust2.png', 'hearth-mods-v3.zip', 'screenshot.png', 'world-backup.sav']);
  await shot('files');

  // the viewer, and Save from it
  await msgs(page).getByRole('button', { name: 'Open sunset-over-dust2.png' }).click();
  const viewer = page.getByRole('dialog', { name: 'sunset-over-dust2.png' });
  await viewer.getByRole('img').waitFor();
  await viewer.getByText('640 × 360 · ', { exact: false }).waitFor();
  await shot('files-viewer');
  await page.emulateMedia({ colorScheme: 'light' });
  await shot('files-viewer-light');
  await viewer.getByRole('button', { name: 'Save…' }).click();
  await page.getByText('Saved sunset-over-dust2.png to /home/you/Downloads/sunset-over-dust2.png').waitFor();
  await viewer.getByRole('button', { name: 'Close' }).click();
  await shot('files-light');
  await page.emulateMedia({ colorScheme: 'dark' });
});

test('conversations: badges, divider, mentions, typing, reactions, edit, delete, search, do not disturb', async ({ page, mock, shot, base }) => {
  /** A screenshot in the dark theme, then the same in the light one. */
  const both = async (name) => {
    await shot(name);
    await page.emulateMedia({ colorScheme: 'light' });
    await shot(`${name}-light`);
    await page.emulateMedia({ colorScheme: 'dark' });
  };
  const byText = (text) => msgs(page).filter({ hasText: text });
  await hostAndOpenLobby(page, base);
  assert.equal(await page.evaluate(() => document.hasFocus()), true, 'the page has the focus');

  // something read in games, then we go back to the lobby
  await mock('addRoom', 'games');
  await enterRoom(page, 'games');
  await mock('say', 'mara', 'first one, already read');
  await byText('first one, already read').waitFor();
  await page.getByRole('button', { name: 'Leave room' }).click();
  await page.getByRole('heading', { name: 'Lobby' }).waitFor();

  // news in rooms we are not in: badges, a mention badge, the total in the title
  await mock('say', 'tobi', 'who brought the router?', 'games');
  await mock('say', 'mara', 'hey @owner, games tonight?', 'games');
  await mock('say', 'jun', 'back in a minute', 'general');
  const rooms = page.getByRole('navigation', { name: 'Rooms' });
  const gamesBadge = rooms.getByRole('button', { name: /games/ }).getByTestId('unread-badge');
  await until(async () => (await gamesBadge.getAttribute('aria-label')) === '2 unread, 1 mentioning you', 'the games badge');
  assert.equal(await rooms.getByRole('button', { name: /general/ }).getByTestId('unread-badge').getAttribute('aria-label'), '1 unread');
  await until(async () => (await page.title()) === '(3) Hearth', 'the total in the title');
  await both('unread-badges');

  // entering: a divider above what is new, the mention marked; read at once (window focused)
  await enterRoom(page, 'games');
  const divider = page.getByTestId('new-divider');
  await divider.waitFor();
  const order = await page.getByTestId('messages').evaluate((el) =>
    [...el.querySelectorAll('[data-testid="new-divider"], [data-testid="message"] .text')].map((n) => (n.dataset.testid ? '---' : n.textContent)),
  );
  assert.deepEqual(order, ['first one, already read', '---', 'who brought the router?', 'hey @owner, games tonight?']);
  const mention = byText('games tonight?');
  assert.match(await mention.getAttribute('class'), /\bmention\b/);
  assert.equal(await mention.locator('.at.me').textContent(), '@owner');
  await until(async () => (await gamesBadge.count()) === 0, 'games read');
  await until(async () => (await page.title()) === '(1) Hearth', 'the title without games');
  await both('new-messages-divider');

  // @name autocompletes from the room's members (Tab, or arrows and Enter)
  await mock('join', 'jun', 'games');
  await mock('join', 'tobi', 'games');
  await page.getByRole('list', { name: 'Room members' }).getByText('tobi').waitFor();
  const box = page.getByRole('textbox', { name: 'Message #games' });
  await box.type('ready @m');
  const options = page.getByRole('listbox', { name: 'People to mention' }).getByRole('option');
  assert.deepEqual((await options.allTextContents()).map((t) => t.trim()), ['@mara']);
  await box.press('Tab');
  assert.equal(await box.inputValue(), 'ready @mara ');
  await box.type('and @');
  await until(async () => (await options.count()) === 4, 'four names to offer');
  assert.deepEqual((await options.allTextContents()).map((t) => t.trim().split(/\s/)[0]), ['@jun', '@mara', '@tobi', '@room']);
  await box.press('ArrowDown');
  await box.press('ArrowDown');
  await shot('mention-autocomplete');
  await page.emulateMedia({ colorScheme: 'light' });
  await shot('mention-autocomplete-light');
  await page.emulateMedia({ colorScheme: 'dark' });
  await box.press('Enter');
  assert.equal(await box.inputValue(), 'ready @mara and @tobi ');
  await box.press('Enter');
  const sent = byText('ready @mara and @tobi');
  await sent.waitFor();
  assert.deepEqual(await sent.locator('.at.other').allTextContents(), ['@mara', '@tobi']);

  // typing: shown until their message lands
  await mock('typing', 'mara', 'games', { text: 'on my way', ms: 2500 });
  await page.getByTestId('typing').getByText('mara is typing…').waitFor();
  await both('typing');
  await byText('on my way').waitFor();
  assert.equal(await page.getByTestId('typing').textContent(), '');

  // reactions: the picker on hover, chips with counts, who on hover, a click toggles our own
  const target = byText('hey @owner, games tonight?');
  await target.hover();
  await target.getByRole('button', { name: 'Add reaction' }).click();
  await target.getByRole('menu', { name: 'Pick a reaction' }).waitFor();
  await both('reaction-picker');
  await target.getByRole('menuitem', { name: 'React with 👍' }).click();
  const thumbs = target.getByTestId('reaction').filter({ hasText: '👍' });
  await until(async () => (await thumbs.getAttribute('aria-pressed')) === 'true', 'our 👍');
  const id = Number(await target.getAttribute('data-id'));
  await mock('react', 'jun', id, '👍');
  await mock('react', 'tobi', id, '🎉');
  await until(async () => (await thumbs.locator('.n').textContent()) === '2', 'two 👍');
  await thumbs.hover();
  const tip = thumbs.getByRole('tooltip');
  await until(async () => (await tip.isVisible()) && (await tip.textContent()) === 'you, jun', 'who reacted, on hover');
  await both('reactions');
  await thumbs.click();
  await until(async () => (await thumbs.locator('.n').textContent()) === '1' && (await thumbs.getAttribute('aria-pressed')) === 'false', 'ours taken back');

  // edit our own message: the others see (edited)
  const mine = page.locator(`[data-id="${await byText('ready @mara and @tobi').getAttribute('data-id')}"]`);
  await mine.hover();
  await mine.getByRole('button', { name: 'Edit message' }).click();
  const editor = mine.getByRole('textbox', { name: 'Edit message' });
  await editor.fill('ready @mara? and @tobi?');
  await both('message-editing');
  await editor.press('Enter');
  await byText('ready @mara? and @tobi?').getByText('(edited)').waitFor();
  // too late: the server's too_late refusal is shown and the editor closes
  const late = mine;
  await late.hover();
  await late.getByRole('button', { name: 'Edit message' }).click();
  await mock('backdate', Number(await late.getAttribute('data-id')), 25);
  await late.getByRole('textbox', { name: 'Edit message' }).fill('too late now');
  await late.getByRole('textbox', { name: 'Edit message' }).press('Enter');
  await page.getByRole('alert').getByText('Messages can be edited for 24 hours after sending them.').waitFor();
  assert.equal(await late.getByRole('textbox', { name: 'Edit message' }).count(), 0);
  await late.hover();

  // delete: our own, and (as the owner) someone else's room message
  await late.getByRole('button', { name: 'Delete message' }).click();
  await late.getByRole('button', { name: 'Delete', exact: true }).click();
  await until(async () => (await late.locator('.text').textContent()) === 'message deleted', 'ours deleted');
  const theirs = byText('who brought the router?');
  await theirs.hover();
  await theirs.getByRole('button', { name: 'Delete message' }).click();
  await both('message-delete-confirm');
  await theirs.getByRole('button', { name: 'Delete', exact: true }).click();
  await until(async () => (await msgs(page).filter({ hasText: 'message deleted' }).count()) === 2, 'two deleted');
  await page.mouse.move(5, 5);
  await both('message-deleted');

  // search in general: newest first, more pages, a jump to a message not loaded yet
  await page.getByRole('button', { name: 'Leave room' }).click();
  await enterRoom(page, 'general');
  await until(async () => (await msgs(page).count()) === 50, 'the newest 50, ours among them');
  await page.keyboard.press('Control+f');
  const search = page.getByRole('search', { name: 'Search messages in #general' });
  await search.getByRole('searchbox').fill('the');
  const results = search.getByRole('list', { name: 'Search results' }).getByRole('button');
  await until(async () => (await results.count()) === 20, 'a first page of 20');
  const numbers = async () => (await results.locator('.text').allTextContents()).map((t) => Number(/#(\d+)\)$/.exec(t)?.[1]));
  const first = await numbers();
  assert.deepEqual(first, [...first].sort((a, b) => b - a), 'newest first');
  await both('search-results');
  await search.getByRole('button', { name: 'More results' }).click();
  await until(async () => (await results.count()) === 36, 'the second page');
  assert.equal(await search.getByRole('button', { name: 'More results' }).count(), 0);
  assert.equal((await numbers()).at(-1), 4);
  await results.last().click();
  await search.waitFor({ state: 'detached' });
  const jumped = byText('who has the map pack? (#4)');
  await until(async () => /\bhighlighted\b/.test(await jumped.getAttribute('class')), 'the result highlighted');
  await until(
    () => jumped.evaluate((el) => {
      const r = el.getBoundingClientRect();
      const b = el.closest('[role=log]').getBoundingClientRect();
      return r.top >= b.top && r.bottom <= b.bottom;
    }),
    'the result in view',
  );
  await page.getByRole('button', { name: 'Jump to the latest' }).waitFor();
  await both('search-jump');
  await until(async () => !/\bhighlighted\b/.test(await jumped.getAttribute('class')), 'the highlight to fade', 4000);
  await page.getByRole('button', { name: 'Jump to the latest' }).click();
  await msgs(page).last().getByText('back in a minute').waitFor();

  // Do Not Disturb from the top bar
  const dnd = page.getByRole('switch', { name: 'Do Not Disturb' });
  assert.equal(await dnd.getAttribute('aria-checked'), 'false');
  await dnd.click();
  await until(async () => (await dnd.getAttribute('aria-checked')) === 'true', 'DND on');
  assert.equal((await mock('settings')).do_not_disturb, true);
  await both('dnd-on');
  await dnd.click();
  await until(async () => (await mock('settings')).do_not_disturb === false, 'DND off again');
});

test('missed while away: counts from the room list after a reconnect, a read-only tab for private messages, both themes', async ({ page, mock, shot, base }) => {
  await hostAndOpenLobby(page, base);
  await mock('addRoom', 'games');
  const rooms = page.getByRole('navigation', { name: 'Rooms' });
  await rooms.getByRole('button', { name: /games/ }).waitFor();

  // the connection drops; what is said meanwhile reaches us only as counts
  await mock('dropConnection', 1500, 500);
  const banner = page.getByTestId('connection-banner');
  await banner.waitFor();
  await mock('say', 'mara', 'while you were away: @owner, games at nine', 'games');
  await banner.waitFor({ state: 'detached', timeout: 9000 });
  const gamesBadge = rooms.getByRole('button', { name: /games/ }).getByTestId('unread-badge');
  await until(async () => (await gamesBadge.getAttribute('aria-label')) === '1 unread, 1 mentioning you', 'the games badge from the room list');

  // private messages not read before logging out ...
  await mock('requestPrivate', 'tobi');
  await page.getByTestId('private-request').getByRole('button', { name: 'Accept' }).click();
  await page.getByRole('heading', { name: 'Private chat with tobi' }).waitFor();
  await page.getByRole('tab', { name: /Lobby/ }).click();
  await mock('privateSay', 'tobi', 'did you get the map pack?');
  await mock('privateSay', 'tobi', 'ping @owner');
  const tobiTab = page.getByRole('tab', { name: /tobi/ });
  await until(async () => (await tobiTab.getByTestId('unread-badge').getAttribute('aria-label')) === '2 unread, 1 mentioning you', 'the private badge');
  await page.getByRole('button', { name: 'Profile and settings for owner' }).click();
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.getByRole('heading', { name: 'Log in' }).waitFor();
  await page.getByLabel('Name', { exact: true }).fill('owner');
  await page.getByLabel('Password').fill('pass1234');
  await page.getByRole('button', { name: 'Log in' }).click();

  // ... are there at the next login, in a tab of their own; the room counts too
  await until(async () => (await tobiTab.getByTestId('unread-badge').getAttribute('aria-label')) === '2 unread, 1 mentioning you', 'a tab for the missed private messages');
  await tobiTab.getByText('earlier').waitFor();
  await until(async () => (await gamesBadge.getAttribute('aria-label')) === '1 unread, 1 mentioning you', 'the games badge after the login');
  await until(async () => (await page.title()) === '(3) Hearth', 'the total in the title');
  await bothThemes(page, shot, 'missed-badges');
  await tobiTab.click();
  await msgs(page).getByText('did you get the map pack?').waitFor();
  await page.getByText('Messages from an earlier private chat.').waitFor();
  assert.equal(await page.getByRole('textbox', { name: 'Message tobi privately' }).isDisabled(), true);
  await until(async () => (await tobiTab.getByTestId('unread-badge').count()) === 0, 'read once shown');
  await bothThemes(page, shot, 'private-earlier');
  await page.getByRole('button', { name: 'Ask to chat' }).click();
  await page.getByText('Waiting for tobi to accept your request…').waitFor();
});

test('light theme', async ({ page, mock, shot, base, context }) => {
  await page.emulateMedia({ colorScheme: 'light' });
  await page.goto(base + APP);
  await shot('start-light');
  await hostAndOpenLobby(page, base);
  await page.emulateMedia({ colorScheme: 'light' });
  await enterRoom(page, 'general');
  await mock('say', 'mara', 'looks good in the light too');
  await mock('requestPrivate', 'jun');
  await page.getByTestId('private-request').waitFor();
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.equal(bg, 'rgb(245, 242, 238)');
  await shot('room-light');
  void context;
});

await run();
