// The "Signed-in devices" section of the Settings dialog, against the mock.
import { screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { BackendError } from '../src/lib/backend/errors';
import type { Hearth } from '../src/lib/stores/hearth.svelte';
import { hostAsOwner, renderApp, settle, type setup } from './helpers';

const addr = '192.168.1.50:7878';
const LONG = 'Tobias-Steam-Deck-living-room-the-one-with-the-cracked-screen';

/** tobi joined from this computer, "remember me" ticked (or not). */
async function loginAsTobi({ hearth, control }: ReturnType<typeof setup>, remember = true) {
  await hearth.connect(addr, control.codeFor(addr));
  await hearth.login({ username: 'tobi', password: 'secret', remember });
}

/** Open Profile and settings and wait for the device list. */
async function openDevices() {
  const user = userEvent.setup();
  await user.click(screen.getByRole('button', { name: /Profile and settings/ }));
  const dialog = screen.getByRole('dialog', { name: 'Profile and settings' });
  const section = within(dialog).getByRole('region', { name: 'Signed-in devices' });
  await settle();
  return { user, dialog, section };
}

const rows = (section: HTMLElement) => within(section).queryAllByRole('listitem');

async function renderAsTobi(remember = true) {
  const ctx = await renderApp((c) => loginAsTobi(c, remember));
  return { ...ctx, ...(await openDevices()) };
}

describe('Signed-in devices', () => {
  it('lists the devices with the current one marked, times and addresses', async () => {
    const { section } = await renderAsTobi();
    const items = rows(section);
    expect(items).toHaveLength(3);
    // most recently used first: this computer, just now
    expect(items[0]).toHaveTextContent("tobi's computer");
    expect(within(items[0]).getByText('This device')).toBeInTheDocument();
    expect(items[0]).toHaveTextContent('Last used just now');
    expect(items[0]).toHaveTextContent('From 192.168.1.77');
    const today = new Date().toISOString().slice(0, 10); // TZ=UTC in tests
    expect(items[0]).toHaveTextContent(`Signed in ${today}`);
    // the others carry no badge
    expect(within(items[1]).queryByText('This device')).toBeNull();
    expect(items[1]).toHaveTextContent("tobi's gaming PC");
    expect(items[1]).toHaveTextContent('Last used 3 h ago');
    expect(items[1]).toHaveTextContent('From 192.168.1.42');
    expect(items[2]).toHaveTextContent(LONG);
    expect(items[2]).toHaveTextContent('Last used 2 days ago');
    expect(items[2]).toHaveTextContent('2001:db8:4f2a:91c0:7a3e:1dff:fe4b:9c21');
    // the exact time on hover, the machine-readable one in datetime
    const time = items[1].querySelector('time')!;
    expect(time.getAttribute('datetime')).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(time.getAttribute('title')).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    // one labelled sign-out button per device
    expect(within(section).getByRole('button', { name: 'Sign out this device' })).toBeInTheDocument();
    expect(within(section).getByRole('button', { name: "Sign out tobi's gaming PC" })).toBeInTheDocument();
    expect(within(section).getByRole('button', { name: `Sign out ${LONG}` })).toBeInTheDocument();
  });

  it('asks first, then signs the device out and refreshes the list', async () => {
    const { section, user, mock } = await renderAsTobi();
    const revoke = vi.spyOn(mock.commands, 'revoke_device');
    const list = vi.spyOn(mock.commands, 'list_devices');
    const signOut = within(section).getByRole('button', { name: "Sign out tobi's gaming PC" });
    await user.click(signOut);
    const confirm = within(section).getByRole('group', { name: /Sign out tobi's gaming PC\?/ });
    expect(confirm).toHaveTextContent('It will need the password to log in again.');
    expect(confirm).not.toHaveTextContent('remember');
    expect(within(confirm).getByRole('button', { name: 'Cancel' })).toHaveFocus();
    // cancel: nothing happens, focus goes back
    await user.click(within(confirm).getByRole('button', { name: 'Cancel' }));
    expect(within(section).queryByRole('group')).toBeNull();
    expect(within(section).getByRole('button', { name: "Sign out tobi's gaming PC" })).toHaveFocus();
    expect(revoke).not.toHaveBeenCalled();
    // again, and yes
    await user.click(within(section).getByRole('button', { name: "Sign out tobi's gaming PC" }));
    await user.click(within(section).getByRole('button', { name: 'Yes, sign out' }));
    await settle();
    expect(revoke).toHaveBeenCalledTimes(1);
    expect(revoke.mock.calls[0][0]).toEqual({ id: 1 });
    expect(list).toHaveBeenCalledTimes(1); // the refresh after it
    expect(rows(section).map((r) => r.querySelector('.name')!.textContent)).toEqual(["tobi's computer", LONG]);
    expect(within(section).getByRole('status')).toHaveTextContent("tobi's gaming PC is signed out.");
    expect(within(section).getByRole('heading', { name: 'Signed-in devices' })).toHaveFocus();
  });

  it('for this device, says the app will no longer remember the login', async () => {
    const { section, user, hearth } = await renderAsTobi();
    await user.click(within(section).getByRole('button', { name: 'Sign out this device' }));
    const confirm = within(section).getByRole('group', { name: /Sign out this device\?/ });
    expect(confirm).toHaveTextContent('Hearth on this computer will no longer remember your login.');
    await user.click(within(confirm).getByRole('button', { name: 'Yes, sign out' }));
    await settle();
    expect(within(section).queryByText("tobi's computer")).toBeNull();
    expect(within(section).queryByText('This device')).toBeNull();
    expect(rows(section)).toHaveLength(2);
    expect(within(section).getByRole('status')).toHaveTextContent('This device is signed out');
    expect(await hearth.backend.invoke('saved_login', { address: addr })).toBeNull();
    // still logged in
    expect(hearth.app.session?.username).toBe('tobi');
  });

  it("shows the error's text when the device is already gone, and the list as it is now", async () => {
    const { section, user, mock } = await renderAsTobi();
    await user.click(within(section).getByRole('button', { name: "Sign out tobi's gaming PC" }));
    // signed out from somewhere else meanwhile
    await mock.invoke('revoke_device', { id: 1 });
    await user.click(within(section).getByRole('button', { name: 'Yes, sign out' }));
    await settle();
    const alert = within(section).getByRole('alert');
    expect(alert).toHaveTextContent("Could not sign out tobi's gaming PC: no signed-in device 1 on your account");
    expect(within(section).queryByText("tobi's gaming PC")).toBeNull();
    expect(rows(section)).toHaveLength(2);
    expect(within(section).getByRole('status')).toHaveTextContent('');
  });

  it('shows a failure to load, and Refresh tries again', async () => {
    const ctx = await renderApp((c) => loginAsTobi(c));
    const list = vi.spyOn(ctx.mock.commands, 'list_devices').mockImplementationOnce(() => {
      throw new BackendError({ code: 'not_connected', message: 'You are not connected to a server.' });
    });
    const { section, user } = await openDevices();
    expect(within(section).getByRole('alert')).toHaveTextContent('Could not load your devices: You are not connected to a server.');
    expect(rows(section)).toHaveLength(0);
    await user.click(within(section).getByRole('button', { name: 'Refresh devices' }));
    await settle();
    expect(within(section).queryByRole('alert')).toBeNull();
    expect(rows(section)).toHaveLength(3);
    expect(list).toHaveBeenCalledTimes(2);
  });

  it('says it is loading until the list comes', async () => {
    const ctx = await renderApp((c) => loginAsTobi(c));
    let answer: () => void = () => {};
    const invoke = ctx.hearth.backend.invoke.bind(ctx.hearth.backend);
    vi.spyOn(ctx.hearth.backend, 'invoke').mockImplementation(((cmd: string, ...args: unknown[]) =>
      cmd === 'list_devices'
        ? new Promise((resolve) => (answer = () => resolve(invoke('list_devices'))))
        : (invoke as (c: string, ...a: unknown[]) => Promise<unknown>)(cmd, ...args)) as Hearth['backend']['invoke']);
    const { section } = await openDevices();
    expect(within(section).getByText('Loading devices…')).toBeInTheDocument();
    expect(section).toHaveAttribute('aria-busy', 'true');
    answer();
    await settle();
    expect(within(section).queryByText('Loading devices…')).toBeNull();
    expect(rows(section)).toHaveLength(3);
  });

  it('says honestly when no device is remembered', async () => {
    await renderAsTobi(false).then(async ({ section, user, hearth }) => {
      // without "remember me" only the two other devices are listed: sign them out
      for (const name of ["tobi's gaming PC", LONG]) {
        await user.click(within(section).getByRole('button', { name: `Sign out ${name}` }));
        await user.click(within(section).getByRole('button', { name: 'Yes, sign out' }));
        await settle();
      }
      expect(rows(section)).toHaveLength(0);
      expect(section).toHaveTextContent('No devices are remembered. Tick “Remember me” when you log in to stay signed in on this computer.');
      expect(hearth.app.session?.username).toBe('tobi');
    });
  });

  it("tells a host that only other computers' logins are remembered", async () => {
    await renderApp(({ hearth }) => hostAsOwner(hearth));
    const { section } = await openDevices();
    expect(rows(section)).toHaveLength(0);
    expect(section).toHaveTextContent('No devices are remembered. Computers that log in to this account with “Remember me” ticked show up here.');
  });

  it('Escape cancels the question, not the dialog', async () => {
    const { section, user, dialog } = await renderAsTobi();
    await user.click(within(section).getByRole('button', { name: `Sign out ${LONG}` }));
    expect(within(section).getByRole('group')).toBeInTheDocument();
    await user.keyboard('{Escape}');
    expect(within(section).queryByRole('group')).toBeNull();
    expect(dialog).toBeInTheDocument();
    expect(within(section).getByRole('button', { name: `Sign out ${LONG}` })).toHaveFocus();
    // keyboard only: Enter opens the question, Tab reaches the yes
    await user.keyboard('{Enter}');
    expect(within(section).getByRole('button', { name: 'Cancel' })).toHaveFocus();
    await user.tab();
    expect(within(section).getByRole('button', { name: 'Yes, sign out' })).toHaveFocus();
    await user.keyboard('{Enter}');
    await settle();
    expect(within(section).queryByText(LONG)).toBeNull();
  });

  it('a new password signs the other devices out; the list shows the fresh token of this one', async () => {
    const { dialog, section, user } = await renderAsTobi();
    await user.type(within(dialog).getByLabelText('Current password'), 'secret');
    await user.type(within(dialog).getByLabelText('New password'), 'n3w-pass');
    await user.click(within(dialog).getByRole('button', { name: 'Change password' }));
    expect(await within(dialog).findByText('Password changed.')).toBeInTheDocument();
    await settle();
    const items = rows(section);
    expect(items).toHaveLength(1);
    expect(items[0]).toHaveTextContent("tobi's computer");
    expect(within(items[0]).getByText('This device')).toBeInTheDocument();
  });

  it('is shown only while logged in', async () => {
    const { hearth, dialog } = await renderAsTobi(false);
    expect(within(dialog).getByRole('region', { name: 'Signed-in devices' })).toBeInTheDocument();
    hearth.app.session = null;
    await settle();
    expect(within(dialog).queryByRole('region', { name: 'Signed-in devices' })).toBeNull();
  });
});
