import { afterEach, describe, expect, it } from 'vitest';
import { MockBackend } from '../src/lib/backend/mock';
import type { HearthEvent, HistoryView } from '../src/lib/backend/types';
import { generatedCommands, settle } from './helpers';

let mock: MockBackend;

/** The last event of a kind. */
function lastOf(events: HearthEvent[], kind: HearthEvent['kind']): HearthEvent | undefined {
  return [...events].reverse().find((e) => e.kind === kind);
}
afterEach(() => mock?.dispose());

function make() {
  mock = new MockBackend({ delayMs: 0 });
  const events: HearthEvent[] = [];
  mock.subscribe((e) => events.push(e));
  return { mock, events, kinds: () => events.map((e) => e.kind) };
}

const code = (err: Promise<unknown>) => err.then(() => 'ok', (e) => e.code);

describe('MockBackend behaves like the Rust side', () => {
  it('answers every command of the generated list', () => {
    const { mock } = make();
    expect(generatedCommands().length).toBeGreaterThan(30);
    expect(Object.keys(mock.commands).sort()).toEqual(generatedCommands().sort());
  });

  it('reads addresses and join links through a stand-in for the shell parser', async () => {
    const { mock } = make();
    expect(await mock.invoke('parse_address', { address: ' Host.LAN ' })).toEqual({ address: 'host.lan:7878', join_code: null });
    expect(await mock.invoke('parse_address', { address: 'hearth://10.0.0.5:9000/ABCD-EFGH-JKMN-PQRS' })).toEqual({
      address: '10.0.0.5:9000',
      join_code: 'ABCD-EFGH-JKMN-PQRS',
    });
    expect(await code(mock.invoke('parse_address', { address: 'not an address!' }))).toBe('invalid_input');
  });

  it('refuses a taken port and suggests a free one', async () => {
    const { mock } = make();
    mock.control.occupyPort(7878);
    mock.control.occupyPort(7879);
    const err = await mock.invoke('host_start', { port: 7878, username: 'o', password: 'pppp' }).catch((e) => e);
    expect(err.code).toBe('port_in_use');
    expect(err.payload.suggested_port).toBe(7880);
    const res = await mock.invoke('host_start', { port: 7880, username: 'o', password: 'pppp' });
    expect(res.session.role).toBe('owner');
    expect(res.host.join_link).toBe(`hearth://192.168.1.23:7880/${res.host.join_code}`);
    expect(await mock.invoke('host_status')).toEqual(res.host);
  });

  it('trusts on first use, then refuses a changed key until forgotten', async () => {
    const { mock } = make();
    const addr = '10.1.1.1:7878';
    const first = await mock.invoke('connect', { address: '10.1.1.1' });
    expect(first).toEqual({ status: 'needs_trust', server: addr, fingerprint: mock.control.fingerprintFor(addr) });
    expect(await mock.invoke('trust_host', { address: addr, fingerprint: mock.control.fingerprintFor(addr) })).toEqual({ status: 'connected', server: addr });
    expect((await mock.invoke('connect', { address: addr })).status).toBe('connected');
    mock.control.changeHostKey(addr);
    expect(await code(mock.invoke('connect', { address: addr }))).toBe('key_changed');
    await mock.invoke('forget_host', { address: addr });
    expect((await mock.invoke('connect', { address: addr })).status).toBe('needs_trust');
  });

  it('checks join codes (case and dashes do not matter)', async () => {
    const { mock } = make();
    const addr = '10.1.1.2:7878';
    expect(await code(mock.invoke('connect', { address: addr, join_code: 'AAAA-BBBB-CCCC-DDDD' }))).toBe('wrong_code');
    const c = mock.control.codeFor(addr).toLowerCase().replace(/-/g, ' ');
    expect((await mock.invoke('connect', { address: addr, join_code: c })).status).toBe('connected');
    expect((await mock.invoke('saved_servers')).map((s) => s.address)).toEqual([addr]);
    expect(await code(mock.invoke('connect', { address: 'bad address' }))).toBe('invalid_input');
  });

  it('registers, refuses taken names and wrong passwords, and needs a keychain to remember', async () => {
    const { mock } = make();
    await mock.invoke('connect', { address: 'h', join_code: mock.control.codeFor('h:7878') });
    await mock.invoke('register', { username: 'Neo', password: 'pppp', color: '#123456' });
    expect(await code(mock.invoke('register', { username: 'neo', password: 'pppp' }))).toBe('name_taken');
    expect(await code(mock.invoke('register', { username: 'x', password: 'pppp', color: 'red' }))).toBe('invalid_input');
    expect(await code(mock.invoke('login', { username: 'neo', password: 'nope', remember: false }))).toBe('auth_failed');
    mock.control.setKeychainAvailable(false);
    expect(await code(mock.invoke('login', { username: 'neo', password: 'pppp', remember: true }))).toBe('keychain_unavailable');
    mock.control.setKeychainAvailable(true);
    const s = await mock.invoke('login', { username: 'neo', password: 'pppp', remember: true });
    expect(s).toMatchObject({ username: 'Neo', color: '#123456', role: 'member', server: 'h:7878' });
    expect(await mock.invoke('saved_login', { address: 'h' })).toEqual({ username: 'Neo' });
  });

  it('pages history oldest first without gaps or duplicates', async () => {
    const { mock, events } = make();
    await mock.invoke('host_start', { username: 'o', password: 'pppp' });
    await mock.invoke('enter_room', { room: 'general' });
    await settle();
    const first = events.find((e) => e.kind === 'history');
    expect(first?.kind === 'history' && first.page.messages.length).toBe(50);
    const ids: number[] = [];
    let before: number | null = null;
    for (;;) {
      const page: HistoryView = await mock.invoke('history', { room: 'general', before_id: before, limit: 50 });
      if (page.messages.length === 0) break;
      ids.unshift(...page.messages.map((m) => m.id));
      before = page.messages[0].id;
    }
    expect(ids).toEqual([...Array(120).keys()].map((i) => i + 1));
  });

  it('runs the private consent flow both ways', async () => {
    const { mock, kinds, events } = make();
    await mock.invoke('host_start', { username: 'o', password: 'pppp' });
    expect(await code(mock.invoke('send_message', { to: 'mara', text: 'hi' }))).toBe('not_linked');
    await mock.invoke('private_request', { to: 'mara' });
    expect((await mock.invoke('private_list')).outgoing).toEqual(['mara']);
    mock.control.rejectPrivate('mara');
    await settle();
    expect(kinds()).toContain('private_rejected');
    mock.control.requestPrivate('tobi');
    await settle();
    expect(events.at(-1)).toEqual({ kind: 'private_request', from: 'tobi' });
    await mock.invoke('private_accept', { from: 'tobi' });
    await mock.invoke('send_message', { to: 'tobi', text: 'secret' });
    await settle();
    const msg = lastOf(events, 'msg');
    expect(msg).toMatchObject({ message: { private: true, with: 'tobi', from: 'o', text: 'secret' } });
    await mock.invoke('private_end', { with: 'tobi' });
    await settle();
    expect(events.at(-1)).toEqual({ kind: 'private_ended', with: 'tobi', reason: 'you ended the chat' });
  });

  it('lets admins kick with a reason, never the owner, and enforces the cooldown', async () => {
    const { mock, events } = make();
    await mock.invoke('host_start', { username: 'o', password: 'pppp' });
    expect(await code(mock.invoke('kick', { username: 'tobi', reason: ' ', minutes: 5 }))).toBe('invalid_input');
    await mock.invoke('kick', { username: 'tobi', reason: 'spam', minutes: 5 });
    await settle();
    expect(lastOf(events, 'notice')).toMatchObject({ notice: 'kicked', user: 'tobi', by: 'o', reason: 'spam' });
    expect(mock.control.state().host?.connected).toBe(3);
    const audit = await mock.invoke('audit', {});
    expect(audit[0]).toMatchObject({ kind: 'kick', user: 'tobi', by: 'o', detail: 'spam' });
    // a member cannot kick and the owner cannot be kicked
    await mock.invoke('logout');
    expect(await code(mock.invoke('kick', { username: 'o', reason: 'x', minutes: 0 }))).toBe('not_connected');
    expect(await code(mock.invoke('login', { username: 'tobi', password: 'secret', remember: false }))).toBe('kicked');
    await mock.invoke('login', { username: 'jun', password: 'secret', remember: false });
    expect(await code(mock.invoke('kick', { username: 'o', reason: 'x', minutes: 0 }))).toBe('forbidden');
    expect(await code(mock.invoke('audit', {}))).toBe('forbidden');
  });

  it('reports a kick of this client, then refuses login until the cooldown ends', async () => {
    const { mock, events } = make();
    await mock.invoke('connect', { address: 'h', join_code: mock.control.codeFor('h:7878') });
    await mock.invoke('login', { username: 'jun', password: 'secret', remember: false });
    mock.control.kickMe('mara', 'too loud', 5);
    await settle();
    const kicked = lastOf(events, 'kicked');
    expect(kicked).toMatchObject({ by: 'mara', reason: 'too loud' });
    const err = await mock.invoke('login', { username: 'jun', password: 'secret', remember: false }).catch((e) => e);
    expect(err.code).toBe('kicked');
    expect(Date.parse(err.payload.until) - Date.now()).toBeGreaterThan(4 * 60_000);
  });

  it('simulates an outage with reconnect attempts, then reconnects', async () => {
    const { mock, events } = make();
    await mock.invoke('host_start', { username: 'o', password: 'pppp' });
    events.length = 0;
    mock.control.dropConnection(30, 10);
    await new Promise((r) => setTimeout(r, 80));
    await settle();
    const kinds = events.map((e) => e.kind);
    expect(kinds[0]).toBe('reconnecting');
    expect(kinds.at(-1)).toBe('connected');
    expect(kinds.filter((k) => k === 'reconnecting').length).toBeGreaterThanOrEqual(2);
  });

  it('renames and recolors with a profile notice', async () => {
    const { mock, events } = make();
    await mock.invoke('host_start', { username: 'o', password: 'pppp' });
    expect(await code(mock.invoke('update_profile', { username: 'mara' }))).toBe('name_taken');
    expect(await code(mock.invoke('update_profile', { password: { old: 'bad', new: 'qqqq' } }))).toBe('auth_failed');
    const s = await mock.invoke('update_profile', { username: 'boss', color: '#010203' });
    expect(s).toMatchObject({ username: 'boss', color: '#010203' });
    await settle();
    expect(events.find((e) => e.kind === 'notice')).toMatchObject({ notice: 'profile', user: 'boss', old_username: 'o' });
    const quiet = { notifications: 'off', share_typing: false, do_not_disturb: true, mention_sound: true } as const;
    expect(await mock.invoke('set_settings', quiet)).toEqual(quiet);
    expect(await mock.invoke('get_settings')).toEqual(quiet);
  });
});

describe('signed-in devices (login tokens)', () => {
  const addr = 'h:7878';
  /** Connected to `h` and logged in (remembered unless told otherwise). */
  async function loggedIn(username = 'tobi', remember = true) {
    const ctx = make();
    await ctx.mock.invoke('connect', { address: 'h', join_code: ctx.mock.control.codeFor(addr) });
    await ctx.mock.invoke('login', { username, password: 'secret', remember });
    return ctx;
  }
  const list = async () => (await mock.invoke('list_devices')).devices;
  const names = async () => (await list()).map((d) => d.name);

  it('lists the devices of this account, most recently used first, marking this one', async () => {
    await loggedIn();
    const devices = await list();
    expect(devices.map((d) => [d.name, d.current])).toEqual([
      ["tobi's computer", true],
      ["tobi's gaming PC", false],
      ['Tobias-Steam-Deck-living-room-the-one-with-the-cracked-screen', false],
    ]);
    expect(devices[0]).toMatchObject({ last_ip: '192.168.1.77' });
    expect(Date.now() - Date.parse(devices[0].created)).toBeLessThan(60_000);
    expect(devices[2].last_ip).toBe('2001:db8:4f2a:91c0:7a3e:1dff:fe4b:9c21');
    const used = devices.map((d) => Date.parse(d.last_used));
    expect(used).toEqual([...used].sort((a, b) => b - a));
    expect(new Set(devices.map((d) => d.id)).size).toBe(3);
    expect(await mock.invoke('saved_login', { address: 'h' })).toEqual({ username: 'tobi' });
  });

  it('issues no token without "remember me", and needs a login', async () => {
    await loggedIn('jun', false);
    expect(await list()).toEqual([]);
    expect(await mock.invoke('saved_login', { address: 'h' })).toBeNull();
    await mock.invoke('logout');
    expect(await code(mock.invoke('list_devices'))).toBe('not_connected');
    expect(await code(mock.invoke('revoke_device', { id: 1 }))).toBe('not_connected');
  });

  it('names the device after the computer when the shell knows its name', async () => {
    const ctx = make();
    ctx.mock.control.setDeviceName('Living-room PC');
    await ctx.mock.invoke('connect', { address: 'h', join_code: ctx.mock.control.codeFor(addr) });
    await ctx.mock.invoke('login', { username: 'jun', password: 'secret', remember: true });
    expect(await list()).toMatchObject([{ name: 'Living-room PC', current: true }]);
  });

  it('signs another device out for good', async () => {
    await loggedIn();
    const pc = (await list()).find((d) => d.name === "tobi's gaming PC")!;
    expect(await mock.invoke('revoke_device', { id: pc.id })).toBeNull();
    expect(await names()).toEqual(["tobi's computer", 'Tobias-Steam-Deck-living-room-the-one-with-the-cracked-screen']);
    // this computer stays remembered
    expect(await mock.invoke('saved_login', { address: 'h' })).toEqual({ username: 'tobi' });
    const err = await mock.invoke('revoke_device', { id: pc.id }).catch((e) => e);
    expect(err.code).toBe('not_found');
    expect(err.message).toBe(`no signed-in device ${pc.id} on your account`);
  });

  it("refuses an unknown id and another account's device with not_found", async () => {
    // mara's device, seeded before tobi's
    await loggedIn('mara', false);
    const maras = (await list())[0];
    expect(maras.name).toBe('mara-thinkpad');
    await mock.invoke('logout');
    await mock.invoke('login', { username: 'tobi', password: 'secret', remember: false });
    for (const id of [maras.id, 999]) {
      const err = await mock.invoke('revoke_device', { id }).catch((e) => e);
      expect({ code: err.code, message: err.message }).toEqual({ code: 'not_found', message: `no signed-in device ${id} on your account` });
    }
    await mock.invoke('logout');
    await mock.invoke('login', { username: 'mara', password: 'secret', remember: false });
    expect(await names()).toEqual(['mara-thinkpad']);
  });

  it('signing this device out forgets the saved login but keeps the session', async () => {
    await loggedIn();
    const mine = (await list()).find((d) => d.current)!;
    await mock.invoke('revoke_device', { id: mine.id });
    expect(await mock.invoke('saved_login', { address: 'h' })).toBeNull();
    expect(await names()).not.toContain("tobi's computer");
    expect((await list()).some((d) => d.current)).toBe(false);
    expect(mock.control.state().me).toBe('tobi');
    expect((await mock.invoke('list_rooms')).rooms).toHaveProperty('lobby');
  });

  it('a saved token that was revoked elsewhere no longer logs in, and is forgotten', async () => {
    await loggedIn();
    await mock.invoke('disconnect');
    // as if from another computer: a password login that signs this computer's token out
    await mock.invoke('connect', { address: 'h' });
    await mock.invoke('login', { username: 'tobi', password: 'secret', remember: false });
    const mine = (await list()).find((d) => d.name === "tobi's computer")!;
    expect(mine.current).toBe(false);
    await mock.invoke('revoke_device', { id: mine.id });
    await mock.invoke('disconnect');
    await mock.invoke('connect', { address: 'h' });
    expect(await mock.invoke('saved_login', { address: 'h' })).toEqual({ username: 'tobi' });
    const err = await mock.invoke('login_saved').catch((e) => e);
    expect({ code: err.code, message: err.message }).toEqual({ code: 'auth_failed', message: "This computer's saved login was signed out. Log in again." });
    expect(await mock.invoke('saved_login', { address: 'h' })).toBeNull();
  });

  it('logs in with the saved token and marks that device as this one', async () => {
    await loggedIn();
    const before = (await list()).find((d) => d.current)!;
    await mock.invoke('disconnect');
    await mock.invoke('connect', { address: 'h' });
    expect(await mock.invoke('login_saved')).toMatchObject({ username: 'tobi' });
    const devices = await list();
    expect(devices.filter((d) => d.current).map((d) => d.id)).toEqual([before.id]);
    expect(devices).toHaveLength(3);
  });

  it('a password change signs every device out and gives a remembered session a fresh token', async () => {
    await loggedIn();
    const old = (await list()).find((d) => d.current)!;
    await mock.invoke('update_profile', { password: { old: 'secret', new: 'n3w-pass' } });
    const devices = await list();
    expect(devices).toHaveLength(1);
    expect(devices[0]).toMatchObject({ name: "tobi's computer", current: true });
    expect(devices[0].id).not.toBe(old.id);
    // the fresh token is the saved one: it logs in after a reconnect
    await mock.invoke('disconnect');
    await mock.invoke('connect', { address: 'h' });
    expect(await mock.invoke('login_saved')).toMatchObject({ username: 'tobi' });
    expect((await list()).map((d) => d.id)).toEqual([devices[0].id]);
  });

  it('a password change on a session that is not remembered leaves no device', async () => {
    await loggedIn('tobi', false);
    expect(await list()).toHaveLength(2);
    await mock.invoke('update_profile', { password: { old: 'secret', new: 'n3w-pass' } });
    expect(await list()).toEqual([]);
    expect(await mock.invoke('saved_login', { address: 'h' })).toBeNull();
  });

  it('a rename keeps the devices and the saved login follows it', async () => {
    await loggedIn();
    await mock.invoke('update_profile', { username: 'tobias' });
    expect(await list()).toHaveLength(3);
    expect(await mock.invoke('saved_login', { address: 'h' })).toEqual({ username: 'tobias' });
  });

  it('logging out on a remembered device revokes its token and forgets it', async () => {
    await loggedIn();
    await mock.invoke('logout');
    expect(await mock.invoke('saved_login', { address: 'h' })).toBeNull();
    expect(await code(mock.invoke('login_saved'))).toBe('auth_failed');
    await mock.invoke('login', { username: 'tobi', password: 'secret', remember: false });
    expect(await names()).toEqual(["tobi's gaming PC", 'Tobias-Steam-Deck-living-room-the-one-with-the-cracked-screen']);
  });

  it('a kick with a cooldown signs every device of the account out', async () => {
    const { mock } = make();
    await mock.invoke('host_start', { username: 'o', password: 'pppp' });
    await mock.invoke('kick', { username: 'tobi', reason: 'spam', minutes: 0 });
    await mock.invoke('kick', { username: 'mara', reason: 'spam', minutes: 5 });
    const audit = await mock.invoke('audit', {});
    expect(audit.find((e) => e.kind === 'revoke')).toMatchObject({ user: 'mara', by: 'o', detail: 'mara-thinkpad: kicked' });
    expect(audit.filter((e) => e.kind === 'revoke')).toHaveLength(1);
    await mock.invoke('logout');
    await mock.invoke('login', { username: 'tobi', password: 'secret', remember: false });
    expect(await list()).toHaveLength(2);
  });
});

describe('MockBackend finds hosts on the LAN like the shell', () => {
  const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
  /** The list in the last `discovery` event. */
  const lastList = (events: HearthEvent[]) => {
    const e = lastOf(events, 'discovery');
    return e?.kind === 'discovery' ? e.state : null;
  };
  const quick = [
    { name: 'One', host_name: 'pc-1', address: '192.168.1.31:7878', online: 2, via: ['mdns' as const], afterMs: 5 },
    { name: 'Two', host_name: 'pc-2', address: '192.168.1.42:7878', online: 3, via: ['beacon' as const], afterMs: 25 },
  ];

  it('answers the start with an empty list, then sends two hosts within a second, newest first', async () => {
    const { mock, events } = make();
    expect(await mock.invoke('discovery_start')).toEqual({ hosts: [], searched: ['eth0 (192.168.1.77)'], problems: [], nothing_found: false });
    await wait(1000);
    const list = lastList(events)!;
    expect(list.hosts.map((h) => h.name)).toEqual(['Friday LAN party', "Mara's room"]);
    for (const h of list.hosts) {
      expect(h.join_code).toBe(mock.control.codeFor(h.address));
      expect(h.trust).toBe('new');
    }
    expect(list.nothing_found).toBe(false);
  });

  it('says nothing was found only once the wait is over, with the interfaces searched and the problems', async () => {
    const { mock, events } = make();
    mock.control.announceNothing({ afterMs: 60, searched: ['wlan0 (10.0.0.12)'], problems: ['mDNS: no multicast'] });
    expect((await mock.invoke('discovery_start')).nothing_found).toBe(false);
    await wait(20);
    expect(lastList(events)?.nothing_found).toBe(false);
    await wait(80);
    expect(lastList(events)).toEqual({ hosts: [], searched: ['wlan0 (10.0.0.12)'], problems: ['mDNS: no multicast'], nothing_found: true });
  });

  it('joins with the announced code, stops listening, and lists the host as known next time', async () => {
    const { mock, events } = make();
    mock.control.setAnnouncements(quick);
    await mock.invoke('discovery_start');
    await wait(50);
    expect(await mock.invoke('discovery_join', { address: '192.168.1.31:7878' })).toEqual({ status: 'connected', server: '192.168.1.31:7878' });
    expect(mock.control.discovering()).toBe(false);
    expect(await code(mock.invoke('discovery_join', { address: '192.168.1.31:7878' }))).toBe('invalid_input');
    await mock.invoke('disconnect');
    await mock.invoke('discovery_start');
    await wait(50);
    expect(lastList(events)!.hosts.map((h) => [h.address, h.trust])).toEqual([
      ['192.168.1.42:7878', 'new'],
      ['192.168.1.31:7878', 'known'],
    ]);
  });

  it('refuses a host whose key does not match the code it announced, lists it as not this host, and lets a typed code win', async () => {
    const { mock, events } = make();
    const forged = '192.168.1.42:7878';
    mock.control.setAnnouncements(quick);
    mock.control.forgeAnnouncement(forged);
    await mock.invoke('discovery_start');
    await wait(50);
    const announced = lastList(events)!.hosts.find((h) => h.address === forged)!;
    expect(announced.join_code).not.toBe(mock.control.codeFor(forged));
    const refused = await mock.invoke('discovery_join', { address: forged }).catch((e) => e);
    expect(refused.code).toBe('not_this_host');
    expect(refused.message).toContain(`The computer at ${forged} is not "Two"`);
    await settle();
    expect(lastList(events)!.hosts.find((h) => h.address === forged)?.trust).toBe('not_this_host');
    // again without a code: refused at once; a wrong typed code: wrong_code; the right one: joined
    expect(await code(mock.invoke('discovery_join', { address: forged }))).toBe('not_this_host');
    expect(await code(mock.invoke('discovery_join', { address: forged, join_code: 'ABCD-EFGH-JKMN-PQRS' }))).toBe('wrong_code');
    expect((await mock.invoke('discovery_join', { address: forged, join_code: mock.control.codeFor(forged) })).status).toBe('connected');
  });

  it('lists a host whose trusted key changed as key_changed, and will not join it', async () => {
    const { mock, events } = make();
    mock.control.setAnnouncements(quick);
    mock.control.knowHost('192.168.1.31:7878');
    mock.control.changeHostKey('192.168.1.31:7878');
    await mock.invoke('discovery_start');
    await wait(50);
    expect(lastList(events)!.hosts.find((h) => h.address === '192.168.1.31:7878')?.trust).toBe('key_changed');
    expect(await code(mock.invoke('discovery_join', { address: '192.168.1.31:7878' }))).toBe('key_changed');
  });

  it('refuses a host that is not in the list, and any join while the list is closed', async () => {
    const { mock } = make();
    expect(await code(mock.invoke('discovery_join', { address: '192.168.1.31:7878' }))).toBe('invalid_input');
    await mock.invoke('discovery_start');
    expect(await code(mock.invoke('discovery_join', { address: '10.9.9.9:7878' }))).toBe('invalid_input');
    await mock.invoke('discovery_stop');
    expect(mock.control.discovering()).toBe(false);
  });

  it('names the room "<user>\'s room" unless given one, says whether it is announced, and gives the link as QR modules in the shell\'s form', async () => {
    const { mock } = make();
    expect(await code(mock.invoke('host_start', { username: 'o', password: 'pppp', room_name: 'x'.repeat(65) }))).toBe('invalid_input');
    mock.control.setAnnouncing(false);
    const { host } = await mock.invoke('host_start', { username: 'o', password: 'pppp', room_name: '  ' });
    expect(host).toMatchObject({ room_name: "o's room", announcing: false });
    expect(host.join_qr?.width).toBe(25);
    // Runs of dark modules, each `M{x} {y}h{n}v1h-{n}z`, as host.rs writes them.
    expect(host.join_qr?.dark_path).toMatch(/^(M\d+ \d+h(\d+)v1h-\2z)+$/);
    // The top left finder's first row: seven dark modules.
    expect(host.join_qr?.dark_path.startsWith('M0 0h7v1h-7z')).toBe(true);
  });

  it('checks the network most serious first: a taken port before hosting, a firewall that drops the room port', async () => {
    const { mock } = make();
    mock.control.occupyPort(7900);
    const before = await mock.invoke('host_check', { port: 7900 });
    expect(before[0]).toMatchObject({ code: 'port_taken', severity: 'problem', title: 'Port 7900 is used by another program.' });
    expect(await code(mock.invoke('host_check', { port: 0 }))).toBe('invalid_input');
    mock.control.setFirewall('drops');
    await mock.invoke('host_start', { username: 'o', password: 'pppp', port: 7901 });
    const found = await mock.invoke('host_check', { port: 1234 });
    expect(found[0]).toMatchObject({ code: 'firewall_drops', title: 'The firewall drops connections to port 7901.' });
    expect(found[0].detail).toContain('`sudo ufw allow 7901/tcp`');
    const ranks = found.map((f) => ['problem', 'warning', 'info', 'ok'].indexOf(f.severity));
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    expect(found.at(-1)?.code).toBe('lan_ready');
  });
});
