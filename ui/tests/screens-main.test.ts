// Lobby, room, private chats, admin, settings, kicked, reconnect and ended screens.
import { fireEvent, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { hostAsOwner, joinAsMember, renderApp, settle } from './helpers';

const asOwner = () => renderApp(({ hearth }) => hostAsOwner(hearth));
/** Owner inside #general; the room is entered after the app subscribed to events, as in real use. */
async function inGeneral() {
  const ctx = await asOwner();
  await ctx.hearth.enterRoom('general');
  await settle();
  return ctx;
}
const messages = () => screen.getByTestId('messages');
const rows = () => messages().querySelectorAll('.msg');

describe('Lobby', () => {
  it('lists rooms with member counts and updates live', async () => {
    const { control } = await asOwner();
    const lobby = screen.getByRole('region', { name: 'Lobby' });
    expect(within(lobby).getByLabelText('2 people')).toBeInTheDocument();
    expect(within(lobby).getByRole('button', { name: 'Enter games' })).toBeInTheDocument();
    control.join('jun', 'games');
    await settle();
    const games = within(lobby).getByRole('heading', { name: '# games' }).closest('li')!;
    expect(within(games).getByText('jun')).toBeInTheDocument();
    expect(within(games).getByLabelText('1 person')).toBeInTheDocument();
    const online = screen.getByRole('heading', { name: /Online · 4/ });
    expect(online).toBeInTheDocument();
  });

  it('creates a room and enters it; refuses a bad or taken name', async () => {
    const { hearth } = await asOwner();
    const user = userEvent.setup();
    await user.type(screen.getByLabelText('New room name'), 'bad name');
    await user.click(screen.getByRole('button', { name: 'Create room' }));
    expect(screen.getByRole('alert')).toHaveTextContent('letters, digits');
    await user.clear(screen.getByLabelText('New room name'));
    await user.type(screen.getByLabelText('New room name'), 'General');
    await user.click(screen.getByRole('button', { name: 'Create room' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('already exists');
    await user.clear(screen.getByLabelText('New room name'));
    await user.type(screen.getByLabelText('New room name'), 'lan-night');
    await user.click(screen.getByRole('button', { name: 'Create room' }));
    expect(await screen.findByRole('heading', { name: '# lan-night' })).toBeInTheDocument();
    expect(hearth.chat.room).toBe('lan-night');
  });
});

describe('Room', () => {
  it('shows history with hh:mm times and names in their color', async () => {
    await inGeneral();
    expect(rows()).toHaveLength(50);
    const first = rows()[0];
    expect(first.querySelector('time')!.textContent).toMatch(/^\d\d:\d\d$/);
    const name = first.querySelector('.username') as HTMLElement;
    expect(['mara', 'tobi', 'jun']).toContain(name.textContent);
    expect(name.style.color).not.toBe('');
    expect(screen.getByRole('list', { name: 'Room members' })).toHaveTextContent('mara');
  });

  it('sends on Enter, keeps Shift+Enter as a newline', async () => {
    const { mock } = await inGeneral();
    const send = vi.spyOn(mock.commands, 'send_message');
    const user = userEvent.setup();
    const box = screen.getByRole('textbox', { name: 'Message #general' });
    await user.type(box, 'one{Shift>}{Enter}{/Shift}two');
    expect(send).not.toHaveBeenCalled();
    expect(box).toHaveValue('one\ntwo');
    await user.type(box, '{Enter}');
    expect(send).toHaveBeenCalledWith({ to: 'public', text: 'one\ntwo' });
    await settle();
    expect(box).toHaveValue('');
    expect(rows()[rows().length - 1].querySelector('.text')!.textContent).toBe('one\ntwo');
    await user.type(box, '   {Enter}');
    expect(send).toHaveBeenCalledTimes(1);
  });

  it('takes a message of 4000 emoji, as the server counts characters, and refuses one more', async () => {
    const { mock } = await inGeneral();
    const send = vi.spyOn(mock.commands, 'send_message');
    const box = screen.getByRole('textbox', { name: 'Message #general' });
    expect(box).not.toHaveAttribute('maxlength');
    await fireEvent.input(box, { target: { value: '👍'.repeat(4001) } });
    await fireEvent.keyDown(box, { key: 'Enter' });
    await settle();
    expect(screen.getByRole('alert')).toHaveTextContent('Messages can be at most 4000 characters.');
    expect(send).not.toHaveBeenCalled();
    await fireEvent.input(box, { target: { value: '👍'.repeat(4000) } });
    await fireEvent.keyDown(box, { key: 'Enter' });
    await settle();
    expect(send).toHaveBeenCalledWith({ to: 'public', text: '👍'.repeat(4000) });
    expect(rows()[rows().length - 1].querySelector('.text')!.textContent).toBe('👍'.repeat(4000));
  });

  it("shows a friend's message in the friend's color, and join/leave/kick notices inline", async () => {
    const { control } = await inGeneral();
    control.say('mara', 'hello there');
    await settle();
    const last = rows()[rows().length - 1];
    expect(last).toHaveTextContent('hello there');
    expect((last.querySelector('.username') as HTMLElement).style.color).toBe('rgb(224, 164, 88)');
    control.join('jun', 'general');
    control.leave('tobi');
    await settle();
    expect(messages()).toHaveTextContent('jun joined the room');
    expect(messages()).toHaveTextContent('tobi left the room');
  });

  it('highlights a mention of my name', async () => {
    const { control } = await inGeneral();
    control.say('mara', 'hey @owner, ready?');
    control.say('mara', 'the ownership is unclear');
    await settle();
    const all = rows();
    expect(all[all.length - 2]).toHaveClass('mention');
    expect(all[all.length - 1]).not.toHaveClass('mention');
  });

  it('loads older history when scrolled to the top, then says where it begins', async () => {
    await inGeneral();
    messages().scrollTop = 0;
    await fireEvent.scroll(messages());
    await settle();
    expect(rows()).toHaveLength(100);
    const user = userEvent.setup();
    await user.click(screen.getByRole('button', { name: 'Load older messages' }));
    await settle();
    expect(rows()).toHaveLength(120);
    expect(screen.getByText('This is the beginning of the conversation.')).toBeInTheDocument();
  });

  it('renders hostile text and names as text, and ignores colors that are not #rrggbb', async () => {
    const { control } = await inGeneral();
    const evil = '<img src=x onerror=alert(1)>';
    control.addUser(evil, 'red;background:url(x)');
    control.say(evil, '<script>alert(1)</script>');
    await settle();
    const last = rows()[rows().length - 1];
    expect(last.querySelector('.text')!.textContent).toBe('<script>alert(1)</script>');
    expect(last.querySelector('.username')!.textContent).toBe(evil);
    expect(last.querySelector('.username')!.getAttribute('style')).toBeNull();
    expect(document.querySelector('img, script')).toBeNull();
  });

  it('leaves the room back to the lobby', async () => {
    const { hearth } = await inGeneral();
    const user = userEvent.setup();
    await user.click(screen.getByRole('button', { name: 'Leave room' }));
    await waitFor(() => expect(screen.getByRole('heading', { name: 'Lobby' })).toBeInTheDocument());
    expect(hearth.chat.room).toBeNull();
  });
});

describe('Private chats', () => {
  it('shows an incoming request as a toast with no content; accepting opens a tab', async () => {
    const { control, hearth } = await inGeneral();
    control.requestPrivate('tobi');
    await settle();
    const toast = screen.getByTestId('private-request');
    expect(toast.textContent!.replace(/\s+/g, ' ').trim()).toBe('tobi wants to chat privately. Reject Accept');
    const user = userEvent.setup();
    await user.click(within(toast).getByRole('button', { name: 'Accept' }));
    await settle();
    expect(screen.queryByTestId('private-request')).toBeNull();
    expect(screen.getByRole('tab', { name: /tobi/, selected: true })).toBeInTheDocument();
    await user.type(screen.getByRole('textbox', { name: 'Message tobi privately' }), 'psst{Enter}');
    await settle();
    expect(messages()).toHaveTextContent('psst');
    // a message while another tab is open: unread marker
    await user.click(screen.getByRole('tab', { name: /general/ }));
    control.privateSay('tobi', 'you there?');
    await settle();
    expect(within(screen.getByRole('tab', { name: /tobi/ })).getByLabelText('1 unread')).toBeInTheDocument();
    await user.click(screen.getByRole('tab', { name: /tobi/ }));
    // on screen with the window focused: read, and the server is told
    await waitFor(() => expect(screen.queryByLabelText('1 unread')).toBeNull());
    // end: the tab stays, read-only, until closed
    await user.click(screen.getByRole('button', { name: 'End chat' }));
    await settle();
    expect(screen.getByText('This chat has ended: you ended the chat.')).toBeInTheDocument();
    expect(screen.getByRole('textbox', { name: 'Message tobi privately' })).toBeDisabled();
    await user.click(screen.getByRole('button', { name: 'Close' }));
    expect(hearth.privates.tabs).toEqual([]);
  });

  it('rejecting removes the toast and tells the server', async () => {
    const { control, mock } = await asOwner();
    const reject = vi.spyOn(mock.commands, 'private_reject');
    control.requestPrivate('jun');
    await settle();
    const user = userEvent.setup();
    await user.click(within(screen.getByTestId('private-request')).getByRole('button', { name: 'Reject' }));
    expect(reject).toHaveBeenCalledWith({ from: 'jun' });
    expect(screen.queryByTestId('private-request')).toBeNull();
  });

  it('shows a pending tab for an outgoing request until it is accepted', async () => {
    const { control } = await inGeneral();
    const user = userEvent.setup();
    const members = screen.getByRole('list', { name: 'Room members' });
    await user.click(within(members).getByRole('button', { name: 'Actions for mara' }));
    await user.click(screen.getByRole('menuitem', { name: 'Private chat' }));
    await settle();
    expect(screen.getByRole('status')).toHaveTextContent('Waiting for mara to accept your request…');
    expect(screen.getByRole('tab', { name: /mara/ })).toHaveTextContent('waiting');
    control.acceptPrivate('mara');
    await settle();
    expect(screen.getByRole('textbox', { name: 'Message mara privately' })).toBeEnabled();
  });

  it('has a keyboard-operable user menu', async () => {
    await inGeneral();
    const user = userEvent.setup();
    const trigger = within(screen.getByRole('list', { name: 'Room members' })).getByRole('button', { name: 'Actions for mara' });
    trigger.focus();
    await user.keyboard('{Enter}');
    await settle();
    expect(screen.getByRole('menuitem', { name: 'Private chat' })).toHaveFocus();
    await user.keyboard('{ArrowDown}');
    expect(screen.getByRole('menuitem', { name: 'Kick…' })).toHaveFocus();
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('menu')).toBeNull();
    expect(trigger).toHaveFocus();
  });
});

describe('Admin', () => {
  it('kicks from the member list with a required reason and a cooldown choice', async () => {
    const { mock } = await inGeneral();
    const kick = vi.spyOn(mock.commands, 'kick');
    const user = userEvent.setup();
    await user.click(within(screen.getByRole('list', { name: 'Room members' })).getByRole('button', { name: 'Actions for tobi' }));
    await user.click(screen.getByRole('menuitem', { name: 'Kick…' }));
    const dialog = screen.getByRole('dialog', { name: 'Kick tobi' });
    expect(within(dialog).getByRole('radio', { name: '5 min' })).toBeChecked();
    await user.click(within(dialog).getByRole('button', { name: 'Kick tobi' }));
    expect(within(dialog).getByRole('alert')).toHaveTextContent('Say why');
    expect(kick).not.toHaveBeenCalled();
    await user.type(within(dialog).getByLabelText(/Reason/), 'spamming');
    await user.click(within(dialog).getByRole('radio', { name: '1 hour' }));
    await user.click(within(dialog).getByRole('button', { name: 'Kick tobi' }));
    expect(kick).toHaveBeenCalledWith({ username: 'tobi', reason: 'spamming', minutes: 60 });
    await settle();
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(messages()).toHaveTextContent('tobi was kicked by owner: spamming');
    expect(screen.getByRole('list', { name: 'Room members' })).not.toHaveTextContent('tobi');
  });

  it('offers every cooldown choice: 0, 5, 15 and 60 minutes', async () => {
    const { mock } = await inGeneral();
    const kick = vi.spyOn(mock.commands, 'kick');
    const user = userEvent.setup();
    await user.click(within(screen.getByRole('list', { name: 'Room members' })).getByRole('button', { name: 'Actions for mara' }));
    await user.click(screen.getByRole('menuitem', { name: 'Kick…' }));
    const dialog = screen.getByRole('dialog', { name: 'Kick mara' });
    const values = within(dialog).getAllByRole('radio').map((r) => (r as HTMLInputElement).value);
    expect(values).toEqual(['0', '5', '15', '60']);
    await user.type(within(dialog).getByLabelText(/Reason/), 'cool down');
    await user.click(within(dialog).getByRole('radio', { name: 'Right away' }));
    await user.click(within(dialog).getByRole('button', { name: 'Kick mara' }));
    expect(kick).toHaveBeenCalledWith({ username: 'mara', reason: 'cool down', minutes: 0 });
  });

  it('promotes and demotes (owner only) and shows the audit log', async () => {
    const { mock } = await inGeneral();
    const setRole = vi.spyOn(mock.commands, 'set_role');
    const user = userEvent.setup();
    await user.click(within(screen.getByRole('list', { name: 'Room members' })).getByRole('button', { name: 'Actions for tobi' }));
    await user.click(screen.getByRole('menuitem', { name: 'Make admin' }));
    expect(setRole).toHaveBeenCalledWith({ username: 'tobi', role: 'admin' });
    expect(await screen.findByText('tobi is now an admin.')).toBeInTheDocument();
    await user.click(within(screen.getByRole('list', { name: 'Room members' })).getByRole('button', { name: 'Actions for tobi' }));
    await user.click(screen.getByRole('menuitem', { name: 'Make member' }));
    expect(setRole).toHaveBeenLastCalledWith({ username: 'tobi', role: 'member' });
    await user.click(screen.getByRole('button', { name: 'Admin' }));
    const dialog = screen.getByRole('dialog', { name: 'Admin' });
    await waitFor(() => expect(within(dialog).getAllByRole('row').length).toBeGreaterThan(2));
    expect(within(dialog).getAllByRole('cell', { name: 'member' }).length).toBeGreaterThan(0);
    expect(within(dialog).getByRole('cell', { name: '192.168.1.40:50000' })).toBeInTheDocument();
    await user.type(within(dialog).getByLabelText('Name'), 'nobody');
    await user.click(within(dialog).getByRole('button', { name: 'Let them back' }));
    expect(await within(dialog).findByRole('alert')).toHaveTextContent('nobody has no cooldown.');
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('shows members no admin tools', async () => {
    await renderApp(({ hearth, mock }) => joinAsMember(hearth, mock));
    expect(screen.queryByRole('button', { name: 'Admin' })).toBeNull();
    const user = userEvent.setup();
    await user.click(screen.getAllByRole('button', { name: 'Actions for mara' })[0]);
    expect(screen.getByRole('menuitem', { name: 'Private chat' })).toBeInTheDocument();
    expect(screen.queryByRole('menuitem', { name: 'Kick…' })).toBeNull();
    expect(screen.queryByRole('menuitem', { name: 'Make admin' })).toBeNull();
  });
});

describe('Profile and settings', () => {
  it('changes color, name and password, and toggles notifications', async () => {
    const { hearth, mock } = await asOwner();
    const user = userEvent.setup();
    await user.click(screen.getByRole('button', { name: /Profile and settings for owner/ }));
    const dialog = screen.getByRole('dialog', { name: 'Profile and settings' });
    await user.click(within(dialog).getByRole('radio', { name: 'Color #3fb6a8' }));
    await user.click(within(dialog).getByRole('button', { name: 'Save color' }));
    expect(await within(dialog).findByText('Color saved.')).toBeInTheDocument();
    expect(hearth.app.session?.color).toBe('#3fb6a8');

    const name = within(dialog).getByLabelText('Name');
    await user.clear(name);
    await user.type(name, 'mara');
    await user.click(within(dialog).getByRole('button', { name: 'Change name' }));
    expect(await within(dialog).findByRole('alert')).toHaveTextContent('taken');
    await user.clear(name);
    await user.type(name, 'boss');
    await user.click(within(dialog).getByRole('button', { name: 'Change name' }));
    expect(await within(dialog).findByText('Name changed.')).toBeInTheDocument();
    expect(hearth.app.session?.username).toBe('boss');

    await user.type(within(dialog).getByLabelText('Current password'), 'nope');
    await user.type(within(dialog).getByLabelText('New password'), 'newpass');
    await user.click(within(dialog).getByRole('button', { name: 'Change password' }));
    expect(await within(dialog).findByRole('alert')).toHaveTextContent('Your current password is not right.');
    await user.clear(within(dialog).getByLabelText('Current password'));
    await user.type(within(dialog).getByLabelText('Current password'), 'pass1234');
    await user.click(within(dialog).getByRole('button', { name: 'Change password' }));
    expect(await within(dialog).findByText('Password changed.')).toBeInTheDocument();

    const levels = within(dialog).getByRole('group', { name: 'Desktop notifications' });
    expect(within(levels).getByRole('radio', { name: 'Mentions and private messages' })).toBeChecked();
    await user.click(within(levels).getByRole('radio', { name: 'Nothing' }));
    await settle();
    expect(await mock.invoke('get_settings')).toMatchObject({ notifications: 'off' });
    const typing = within(dialog).getByRole('switch', { name: 'Share that I am typing' });
    expect(typing).toBeChecked();
    await user.click(typing);
    await user.click(within(dialog).getByRole('switch', { name: 'A sound when someone mentions me' }));
    await settle();
    expect(await mock.invoke('get_settings')).toEqual({ notifications: 'off', share_typing: false, do_not_disturb: false, mention_sound: true });
    expect(hearth.app.settings).toEqual({ notifications: 'off', share_typing: false, do_not_disturb: false, mention_sound: true });
  });

  it('logs out to the login screen', async () => {
    const { hearth } = await asOwner();
    const user = userEvent.setup();
    await user.click(screen.getByRole('button', { name: /Profile and settings/ }));
    await user.click(screen.getByRole('button', { name: 'Log out' }));
    await waitFor(() => expect(hearth.app.screen).toBe('auth'));
    expect(hearth.app.session).toBeNull();
  });
});

describe('Kicked screen', () => {
  it('says who and why, counts down live and allows rejoining at zero', async () => {
    const { hearth } = await renderApp(({ hearth, mock }) => joinAsMember(hearth, mock));
    hearth.handle({ kind: 'kicked', by: 'mara', reason: 'too loud', until: new Date(Date.now() + 1600).toISOString() });
    await settle();
    expect(screen.getByTestId('kicked-by')).toHaveTextContent('mara');
    expect(screen.getByTestId('kicked-reason')).toHaveTextContent('too loud');
    expect(screen.getByTestId('kick-countdown')).toHaveTextContent('0:02');
    expect(screen.getByRole('button', { name: 'Rejoin' })).toBeDisabled();
    await waitFor(() => expect(screen.getByTestId('kick-countdown')).toHaveTextContent('0:01'), { timeout: 3000 });
    await waitFor(() => expect(screen.getByText('You may rejoin now')).toBeInTheDocument(), { timeout: 3000 });
    const user = userEvent.setup();
    await user.click(screen.getByRole('button', { name: 'Rejoin' }));
    await waitFor(() => expect(hearth.app.screen).toBe('auth'));
    expect(hearth.app.server).toBe('192.168.1.50:7878');
  });

  it('with no cooldown, rejoining is allowed at once', async () => {
    const { hearth } = await renderApp();
    hearth.handle({ kind: 'kicked', by: 'owner', reason: 'reset', until: null });
    await settle();
    expect(screen.getByText('You may rejoin now')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Rejoin' })).toBeEnabled();
  });
});

describe('Connection banner and ended screen', () => {
  it('shows a banner while reconnecting and hides it when connected', async () => {
    const { hearth } = await asOwner();
    expect(screen.queryByTestId('connection-banner')).toBeNull();
    hearth.handle({ kind: 'reconnecting', attempt: 3, retry_in_ms: 4000 });
    await settle();
    const banner = screen.getByTestId('connection-banner');
    expect(banner).toHaveTextContent('Connection lost.');
    expect(banner).toHaveTextContent('Reconnecting in 4s (attempt 3)');
    hearth.handle({ kind: 'connected', server: 'x' });
    await settle();
    expect(screen.queryByTestId('connection-banner')).toBeNull();
  });

  it('shows why the session ended and goes back to start', async () => {
    const { control, hearth } = await renderApp(({ hearth, mock }) => joinAsMember(hearth, mock));
    control.bye('The host stopped hosting.');
    await settle();
    expect(screen.getByRole('heading', { name: 'The room was closed' })).toBeInTheDocument();
    expect(screen.getByTestId('ended-message')).toHaveTextContent('The host stopped hosting.');
    const user = userEvent.setup();
    await user.click(screen.getByRole('button', { name: 'Back to start' }));
    expect(hearth.app.screen).toBe('start');
  });
});
