// LAN discovery: the Join screen's list of hosts (rows, trust, joining, nothing
// found), the store behind it, and the host panel's room name, QR code and
// network check. The whole app runs on the mock unless a component is enough.
import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { Backend } from '../src/lib/backend/backend';
import type { MockAnnouncement } from '../src/lib/backend/mock';
import { MockBackend } from '../src/lib/backend/mock';
import type { DiscoveredHost, DiscoveryState, Finding } from '../src/lib/backend/types';
import DiscoveredHosts from '../src/lib/components/DiscoveredHosts.svelte';
import { DiscoveryStore } from '../src/lib/stores/discovery.svelte';
import { Hearth } from '../src/lib/stores/hearth.svelte';
import { renderApp, settle } from './helpers';

const LAN: MockAnnouncement[] = [
  { name: "Mara's room", host_name: 'mara-desktop', address: '192.168.1.31:7878', online: 4, via: ['mdns', 'beacon'], afterMs: 10 },
  { name: 'Friday LAN party', host_name: 'tobi-pc', address: '192.168.1.42:7878', online: 7, via: ['beacon'], afterMs: 40 },
];

const rows = () => screen.queryAllByTestId('discovered-host');
const row = (address: string) => rows().find((r) => r.dataset.address === address)!;
const joinButton = (address: string) => within(row(address)).getByTestId('discovered-join');

/** The Join screen on a LAN where `lan` announces, after `prepare`; resolves once every host is listed. */
async function atJoin(lan: MockAnnouncement[] = LAN, prepare?: (mock: MockBackend) => void) {
  const ctx = await renderApp(({ hearth, control, mock }) => {
    control.setAnnouncements(lan);
    prepare?.(mock);
    hearth.app.screen = 'join';
  });
  await waitFor(() => expect(rows()).toHaveLength(lan.length));
  return ctx;
}

const host = (extra: Partial<DiscoveredHost>): DiscoveredHost => ({
  name: 'A room',
  host_name: 'pc',
  address: '10.0.0.1:7878',
  join_code: 'ABCD-EFGH-JKMN-PQRS',
  online: 1,
  via: ['beacon'],
  trust: 'new',
  ...extra,
});
const listState = (extra: Partial<DiscoveryState>): DiscoveryState => ({ hosts: [], searched: [], problems: [], nothing_found: false, ...extra });

describe('Join screen: hosts on your network', () => {
  it('looks quietly first, then lists each host newest first with its room, computer, address, people online and code', async () => {
    const { control } = await renderApp(({ hearth, control }) => {
      // heard late enough to see the screen looking first
      control.setAnnouncements(LAN.map((a, i) => ({ ...a, afterMs: 300 + 100 * i })));
      hearth.app.screen = 'join';
    });
    expect(screen.getByText('Looking for hosts on your network…')).toHaveAttribute('role', 'status');
    expect(screen.queryByTestId('discovery-nothing-found')).toBeNull();
    await waitFor(() => expect(rows()).toHaveLength(2));
    // Friday LAN party was heard last: it comes first
    expect(rows().map((r) => r.dataset.address)).toEqual(['192.168.1.42:7878', '192.168.1.31:7878']);
    const party = row('192.168.1.42:7878');
    expect(party).toHaveAccessibleName('Friday LAN party');
    expect(party).toHaveAttribute('data-trust', 'new');
    expect(party).toHaveTextContent('tobi-pc');
    expect(party).toHaveTextContent('7 online');
    expect(party).toHaveTextContent(`Code ${control.codeFor('192.168.1.42:7878')} — check it matches the host's screen`);
    expect(within(party).getByText('First time')).toBeInTheDocument();
    expect(within(party).getAllByRole('button', { name: /^Join/ })).toHaveLength(1);
    expect(joinButton('192.168.1.42:7878')).toHaveAccessibleName('Join Friday LAN party at 192.168.1.42:7878');
    expect(screen.queryByText('Looking for hosts on your network…')).toBeNull();
  });

  it('starts discovery when the screen opens and stops it when the screen closes', async () => {
    const { control } = await atJoin();
    expect(control.discovering()).toBe(true);
    await userEvent.setup().click(screen.getByRole('button', { name: /Back/ }));
    await settle();
    expect(control.discovering()).toBe(false);
  });

  it('shows every trust state; a changed key and "not this host" cannot be joined', () => {
    const state = listState({
      hosts: [
        host({ name: 'Fresh', address: '10.0.0.1:7878', trust: 'new' }),
        host({ name: 'Old friend', address: '10.0.0.2:7878', trust: 'known' }),
        host({ name: 'Changed', address: '10.0.0.3:7878', trust: 'key_changed' }),
        host({ name: 'Impostor', address: '10.0.0.4:7878', trust: 'not_this_host' }),
      ],
    });
    render(DiscoveredHosts, { props: { state, looking: false, onjoin: () => {} } });
    const badge = (address: string) => within(row(address)).getByTestId('discovered-trust').textContent;
    expect(badge('10.0.0.1:7878')).toBe('First time');
    expect(badge('10.0.0.2:7878')).toBe('Trusted before');
    expect(badge('10.0.0.3:7878')).toBe('Key changed');
    expect(badge('10.0.0.4:7878')).toBe('Not this host');
    expect(joinButton('10.0.0.1:7878')).toBeEnabled();
    expect(joinButton('10.0.0.2:7878')).toBeEnabled();
    expect(joinButton('10.0.0.3:7878')).toBeDisabled();
    expect(joinButton('10.0.0.4:7878')).toBeDisabled();
    expect(row('10.0.0.3:7878')).toHaveTextContent('Its key is not the one you trusted before, so Hearth will not join it.');
    expect(row('10.0.0.4:7878')).toHaveTextContent('it is not the host it claims to be, so Hearth will not join it.');
    // a blocked host's code is only what it announced, not something to compare and trust
    expect(row('10.0.0.4:7878')).toHaveTextContent('Announced code ABCD-EFGH-JKMN-PQRS');
    expect(row('10.0.0.4:7878')).not.toHaveTextContent('check it matches');
    // a typed code is offered only where joining is possible
    expect(within(row('10.0.0.2:7878')).getByRole('button', { name: 'I have a code' })).toBeInTheDocument();
    expect(within(row('10.0.0.3:7878')).queryByRole('button', { name: 'I have a code' })).toBeNull();
    expect(within(row('10.0.0.4:7878')).queryByRole('button', { name: 'I have a code' })).toBeNull();
  });

  it('marks a host trusted before as known, and one whose key changed as key changed', async () => {
    await atJoin(LAN, (mock) => {
      mock.control.knowHost('192.168.1.31:7878');
      mock.control.knowHost('192.168.1.42:7878');
      mock.control.changeHostKey('192.168.1.42:7878');
    });
    expect(row('192.168.1.31:7878')).toHaveAttribute('data-trust', 'known');
    expect(row('192.168.1.42:7878')).toHaveAttribute('data-trust', 'key_changed');
    expect(joinButton('192.168.1.42:7878')).toBeDisabled();
  });

  it('joins with the announced code and goes on to login, as after connect', async () => {
    const { hearth, mock, control } = await atJoin();
    const invoke = vi.spyOn(mock, 'invoke');
    await userEvent.setup().click(joinButton('192.168.1.31:7878'));
    await waitFor(() => expect(hearth.app.screen).toBe('auth'));
    expect(invoke).toHaveBeenCalledWith('discovery_join', { address: '192.168.1.31:7878', join_code: null });
    expect(hearth.app.server).toBe('192.168.1.31:7878');
    expect(await screen.findByRole('heading', { name: 'Log in' })).toBeInTheDocument();
    expect(control.discovering()).toBe(false);
    // its key is now trusted: the announced code was checked against it
    expect((await mock.invoke('saved_servers')).map((s) => s.address)).toContain('192.168.1.31:7878');
  });

  it('a typed code wins over the announced one', async () => {
    const forged = '192.168.1.42:7878';
    const { hearth, mock, control } = await atJoin(LAN, (m) => m.control.forgeAnnouncement(forged));
    const invoke = vi.spyOn(mock, 'invoke');
    const user = userEvent.setup();
    const real = control.codeFor(forged);
    // the announced code is not this server's, the typed one is: the typed one is used
    expect(row(forged)).not.toHaveTextContent(real);
    await user.click(within(row(forged)).getByRole('button', { name: 'I have a code' }));
    expect(within(row(forged)).getByRole('button', { name: 'I have a code' })).toHaveAttribute('aria-expanded', 'true');
    await user.type(within(row(forged)).getByLabelText('Code from the host for Friday LAN party'), 'short');
    await user.click(joinButton(forged));
    expect(within(row(forged)).getByRole('alert')).toHaveTextContent('16 letters and digits');
    expect(invoke).not.toHaveBeenCalledWith('discovery_join', expect.anything());
    await user.clear(within(row(forged)).getByLabelText('Code from the host for Friday LAN party'));
    await user.type(within(row(forged)).getByLabelText('Code from the host for Friday LAN party'), real);
    await user.click(joinButton(forged));
    await waitFor(() => expect(hearth.app.screen).toBe('auth'));
    expect(invoke).toHaveBeenCalledWith('discovery_join', { address: forged, join_code: real });
  });

  it('a typed code that does not match the host is refused like a wrong code', async () => {
    const { hearth } = await atJoin();
    const user = userEvent.setup();
    await user.click(within(row('192.168.1.31:7878')).getByRole('button', { name: 'I have a code' }));
    await user.type(within(row('192.168.1.31:7878')).getByLabelText(/Code from the host/), 'ABCD-EFGH-JKMN-PQRS');
    await user.click(joinButton('192.168.1.31:7878'));
    expect(await screen.findByTestId('wrong-code')).toHaveTextContent('This is not the host you were given the code for.');
    expect(hearth.app.screen).toBe('join');
  });

  it('refuses a host whose key does not match its announced code, then lists it as not this host', async () => {
    const forged = '192.168.1.42:7878';
    const { hearth } = await atJoin(LAN, (m) => m.control.forgeAnnouncement(forged));
    const user = userEvent.setup();
    expect(row(forged)).toHaveAttribute('data-trust', 'new');
    await user.click(joinButton(forged));
    const refusal = await screen.findByTestId('not-this-host');
    expect(refusal).toHaveTextContent('This is not the host it claims to be.');
    expect(refusal).toHaveTextContent(`The computer at ${forged} is not "Friday LAN party"`);
    expect(hearth.app.screen).toBe('join');
    await user.click(screen.getByRole('button', { name: 'Back' }));
    await waitFor(() => expect(row(forged)).toHaveAttribute('data-trust', 'not_this_host'));
    expect(joinButton(forged)).toBeDisabled();
    expect(within(row(forged)).getByTestId('discovered-trust')).toHaveTextContent('Not this host');
  });

  it('shows an error that has no refusal screen on the row that failed', async () => {
    await atJoin(LAN, (m) => m.control.setUnreachable('192.168.1.31:7878'));
    await userEvent.setup().click(joinButton('192.168.1.31:7878'));
    expect(await within(row('192.168.1.31:7878')).findByRole('alert')).toHaveTextContent('Could not reach 192.168.1.31:7878');
    expect(within(row('192.168.1.42:7878')).queryByRole('alert')).toBeNull();
  });

  it('says plainly when nothing was found, names the interfaces searched and the problems, and opens Join by address', async () => {
    await renderApp(({ hearth, control }) => {
      control.announceNothing({
        afterMs: 30,
        searched: ['eth0 (192.168.1.77)', 'wlan0 (10.0.0.12)'],
        problems: ['cannot listen for beacons on UDP port 7879: Address already in use (os error 98)'],
      });
      hearth.app.screen = 'join';
    });
    expect(screen.queryByRole('button', { name: 'Join by address' })).toHaveAttribute('aria-expanded', 'false');
    expect(screen.queryByLabelText('Address')).toBeNull();
    const nothing = await screen.findByTestId('discovery-nothing-found');
    expect(nothing).toHaveTextContent('No host found on your network.');
    expect(screen.getByTestId('discovery-searched')).toHaveTextContent('Searched the network interfaces eth0 (192.168.1.77), wlan0 (10.0.0.12).');
    expect(nothing).toHaveTextContent('cannot listen for beacons on UDP port 7879');
    expect(nothing).toHaveTextContent('Ask the host for the address and join code on their screen');
    expect(screen.queryByText('Looking for hosts on your network…')).toBeNull();
    await waitFor(() => expect(screen.getByLabelText('Address')).toBeInTheDocument());
    expect(screen.getByRole('button', { name: 'Join by address' })).toHaveAttribute('aria-expanded', 'true');
  });

  it('says when there was no interface to search at all', () => {
    render(DiscoveredHosts, { props: { state: listState({ nothing_found: true }), looking: false, onjoin: () => {} } });
    expect(screen.getByTestId('discovery-searched')).toHaveTextContent('No network interface to search');
  });

  it('opens Join by address by itself for a join link', async () => {
    await renderApp(({ hearth }) => {
      hearth.app.joinPrefill = { address: '10.0.0.9:7878', code: 'ABCD-EFGH-JKMN-PQRS' };
      hearth.app.screen = 'join';
    });
    expect(screen.getByLabelText('Address')).toHaveValue('10.0.0.9:7878');
    expect(screen.getByRole('button', { name: 'Join by address' })).toHaveAttribute('aria-expanded', 'true');
  });
});

describe('DiscoveryStore', () => {
  const found = listState({ hosts: [host({})] });

  it('keeps an event that came before the start answer, and ignores events once ended', () => {
    const store = new DiscoveryStore();
    const gen = store.begin();
    expect(store.looking).toBe(true);
    store.update(found);
    expect(store.started(gen, listState({}))).toBe(true);
    expect(store.state.hosts).toHaveLength(1);
    expect(store.looking).toBe(false);
    store.end();
    store.update(found);
    expect(store.state.hosts).toHaveLength(0);
    expect(store.running).toBe(false);
  });

  it('drops a start answer that arrives after the screen closed', () => {
    const store = new DiscoveryStore();
    const gen = store.begin();
    store.end();
    expect(store.started(gen, found)).toBe(false);
    expect(store.state.hosts).toHaveLength(0);
  });

  it('stops what a start began when the screen closed before the shell answered', async () => {
    const mock = new MockBackend({ seed: false });
    // the shell answers discovery_start late, after the discovery_stop that followed it
    const slow: Backend = {
      invoke: (async (cmd: string, ...args: unknown[]) => {
        if (cmd === 'discovery_start') await new Promise((r) => setTimeout(r, 30));
        return (mock.invoke as (c: string, ...a: unknown[]) => Promise<unknown>)(cmd, ...args);
      }) as Backend['invoke'],
      subscribe: (h) => mock.subscribe(h),
    };
    const hearth = new Hearth(slow);
    const starting = hearth.startDiscovery();
    await hearth.stopDiscovery();
    await starting;
    expect(mock.control.discovering()).toBe(false);
    mock.dispose();
  });

  it('says why discovery could not start', async () => {
    const mock = new MockBackend({ seed: false });
    vi.spyOn(mock, 'invoke').mockRejectedValueOnce({ code: 'internal', message: 'no sockets' });
    const hearth = new Hearth(mock);
    await hearth.startDiscovery();
    expect(hearth.discovery.error).toBe('no sockets');
    expect(hearth.discovery.looking).toBe(false);
    mock.dispose();
  });
});

describe('Host setup: room name', () => {
  it('suggests "<name>\'s room", refuses more than 64 characters, and sends the name', async () => {
    const { control } = await renderApp(({ hearth }) => void (hearth.app.screen = 'host'));
    const user = userEvent.setup();
    const room = screen.getByTestId('host-room-name');
    expect(room).toHaveAccessibleName('Room name (optional)');
    await user.type(screen.getByLabelText('Your name'), 'owner');
    await user.type(screen.getByLabelText('Password'), 'pass1234');
    expect(room).toHaveAttribute('placeholder', "owner's room");
    await user.type(room, '🔥'.repeat(65));
    await user.click(screen.getByRole('button', { name: 'Start hosting' }));
    expect(screen.getByRole('alert')).toHaveTextContent('The room name must be at most 64 characters.');
    await user.clear(room);
    // 64 code points (128 UTF-16 units) is fine
    await user.type(room, '🔥'.repeat(64));
    await user.click(screen.getByRole('button', { name: 'Start hosting' }));
    await screen.findByRole('heading', { name: 'Your room is open' });
    expect(control.state().host?.room_name).toBe('🔥'.repeat(64));
  });

  it('leaves the name to the shell when the field is empty', async () => {
    const { control } = await renderApp(({ hearth }) => void (hearth.app.screen = 'host'));
    const user = userEvent.setup();
    await user.type(screen.getByLabelText('Your name'), 'owner');
    await user.type(screen.getByLabelText('Password'), 'pass1234');
    await user.type(screen.getByTestId('host-room-name'), '   ');
    await user.click(screen.getByRole('button', { name: 'Start hosting' }));
    await screen.findByRole('heading', { name: 'Your room is open' });
    expect(control.state().host?.room_name).toBe("owner's room");
    expect(screen.getByTestId('host-room')).toHaveTextContent("owner's room");
  });
});

describe('Host panel: room, QR code and network check', () => {
  const hosting = (prepare?: (mock: MockBackend) => void, room_name = 'LAN night') =>
    renderApp(async ({ hearth, mock }) => {
      prepare?.(mock);
      await hearth.hostStart({ username: 'owner', password: 'pass1234', room_name });
    });

  it('shows the room name, that it is announced, and the join link as a QR code drawn from data (never inserted as markup)', async () => {
    const { hearth } = await hosting();
    const host = hearth.app.host!;
    expect(screen.getByTestId('host-room')).toHaveTextContent('LAN night');
    expect(screen.getByTestId('host-announcing')).toHaveTextContent('Friends on your network see “LAN night” in their Join list.');
    const qr = screen.getByTestId('host-qr');
    expect(qr.tagName.toLowerCase()).toBe('svg');
    expect(qr).toHaveAccessibleName(`QR code of the join link ${host.join_link}`);
    // The modules with four light ones around them, dark on light whatever the theme.
    const side = host.join_qr!.width + 8;
    expect(qr.getAttribute('viewBox')).toBe(`-4 -4 ${side} ${side}`);
    expect(qr.querySelector('rect')).toHaveAttribute('fill', '#ffffff');
    const path = qr.querySelector('path')!;
    expect(path.getAttribute('d')).toBe(host.join_qr!.dark_path);
    expect(path.getAttribute('fill')).toBe('#000000');
  });

  it('draws the QR code from data only: markup in it stays text in an attribute', async () => {
    const { hearth } = await hosting();
    const sneaky = '"/><image href="x" onerror="alert(1)"/><path d="';
    hearth.app.host = { ...hearth.app.host!, join_qr: { width: 21, dark_path: sneaky } };
    await waitFor(() => expect(screen.getByTestId('host-qr').querySelector('path')!.getAttribute('d')).toBe(sneaky));
    expect(screen.getByTestId('host-qr').querySelectorAll('image, path[d=""]')).toHaveLength(0);
    expect(screen.getByTestId('host-qr').children).toHaveLength(2);
  });

  it('says so when the room is not announced', async () => {
    await hosting((m) => m.control.setAnnouncing(false));
    expect(screen.getByTestId('host-announcing')).toHaveTextContent('Not announced: friends join by address and code.');
    expect(screen.queryByText(/see “LAN night” in their Join list/)).toBeNull();
  });

  it('checks the network on open, most serious first, with commands as code, and again on request', async () => {
    const findings: Finding[] = [
      { code: 'lan_ready', severity: 'ok', title: 'Announcing on eth0 (192.168.1.23).', detail: 'Friends on these networks see this room in their Join list.' },
      { code: 'not_checked', severity: 'info', title: 'Network profile: not checked.', detail: 'Only Windows has network profiles.' },
      { code: 'firewall_drops', severity: 'problem', title: 'The firewall drops connections to port 7878.', detail: 'Let the port in: `sudo ufw allow 7878/tcp` with ufw.' },
      { code: 'only_virtual', severity: 'warning', title: 'Only virtual adapters.', detail: '' },
      { code: 'adapters_skipped', severity: 'info', title: 'Not announcing on docker0 (172.17.0.1).', detail: 'Left out.' },
    ];
    const { mock, control } = await hosting((m) => m.control.setHostFindings(findings));
    const list = await screen.findByTestId('host-checks');
    const shown = () => within(list).getAllByTestId('host-finding');
    expect(shown().map((f) => f.dataset.code)).toEqual(['firewall_drops', 'only_virtual', 'not_checked', 'adapters_skipped', 'lan_ready']);
    expect(shown()[0]).toHaveTextContent('Problem: The firewall drops connections to port 7878.');
    expect(within(shown()[0]).getByText('sudo ufw allow 7878/tcp').tagName).toBe('CODE');
    expect(shown()[0]).not.toHaveTextContent('`');
    expect(screen.getByText('1 problem')).toBeInTheDocument();

    const invoke = vi.spyOn(mock, 'invoke');
    control.setHostFindings([{ code: 'firewall_open', severity: 'ok', title: 'The firewall lets port 7878 in.', detail: '' }]);
    await userEvent.setup().click(screen.getByRole('button', { name: 'Check again' }));
    await waitFor(() => expect(shown().map((f) => f.dataset.code)).toEqual(['firewall_open']));
    expect(invoke).toHaveBeenCalledWith('host_check', { port: 7878 });
    expect(screen.getByText('Nothing in the way')).toBeInTheDocument();
  });

  it('shows a failed check', async () => {
    const { mock } = await hosting();
    await screen.findByTestId('host-checks');
    vi.spyOn(mock, 'invoke').mockRejectedValueOnce({ code: 'internal', message: 'probe crashed' });
    await userEvent.setup().click(screen.getByRole('button', { name: 'Check again' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('The check failed: probe crashed');
  });
});
