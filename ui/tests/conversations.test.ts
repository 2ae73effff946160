// Mentions, unread counts, the "new messages" divider, typing, reactions,
// edits, deletions and search: the stores, the pure helpers and the mock's
// rules (docs/PROTOCOL.md 5.10).

import { afterEach, describe, expect, it, vi } from 'vitest';
import { render, screen, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { MockBackend } from '../src/lib/backend/mock';
import { LIMITS, type HearthEvent, type MessageView } from '../src/lib/backend/types';
import { ChatStore, MAIN_TAB, dmKey, roomKey, typingText } from '../src/lib/stores/chat.svelte';
import { completeMention, mentionCandidates, mentionQuery, mentionSegments } from '../src/lib/util/mentions';
import { isEmoji, mentionSpans, queryProblem } from '../src/lib/util/validate';
import App from '../src/App.svelte';
import { hostAsOwner, joinAsMember, messageView, settle, setup } from './helpers';

/** A message sent just now (inside the edit window). */
const msg = (id: number, extra: Partial<MessageView> = {}): MessageView =>
  messageView(id, { ts: new Date().toISOString(), ...extra });

const code = (p: Promise<unknown>) => p.then(() => 'ok', (e: { code: string }) => e.code);

let mocks: MockBackend[] = [];
afterEach(() => {
  for (const m of mocks) m.dispose();
  mocks = [];
  vi.useRealTimers();
});
function world(opts: { seed?: boolean } = {}) {
  const ctx = setup(opts);
  mocks.push(ctx.mock);
  const events: HearthEvent[] = [];
  ctx.mock.subscribe((e) => events.push(e));
  return { ...ctx, events };
}

describe('unread counts', () => {
  it('start from the login, count live messages and activity, and clear when read', () => {
    const chat = new ChatStore();
    chat.me = 'owner';
    chat.setUnread([
      { room: 'games', last_read: 10, unread: 3, mentions: 1 },
      { with: 'tobi', last_read: 4, unread: 2, mentions: 0 },
    ]);
    expect(chat.countOf(roomKey('games'))).toEqual({ unread: 3, mentions: 1, lastRead: 10 });
    // a room we are not in
    chat.unseen(roomKey('games'), 12, true);
    chat.unseen(roomKey('general'), 13, false);
    expect(chat.countOf(roomKey('games'))).toEqual({ unread: 4, mentions: 2, lastRead: 10 });
    expect(chat.countOf(roomKey('general'))).toEqual({ unread: 1, mentions: 0, lastRead: 12 });
    // private chats count only with a tab
    expect(chat.totalUnread([])).toBe(5);
    expect(chat.totalUnread([dmKey('tobi')])).toBe(7);
    // a message up to the read mark is not new
    chat.unseen(roomKey('games'), 9, true);
    expect(chat.countOf(roomKey('games')).unread).toBe(4);
    chat.read(roomKey('games'), 12);
    expect(chat.countOf(roomKey('games'))).toEqual({ unread: 0, mentions: 0, lastRead: 12 });
    // the server's answer never moves the mark back
    chat.applyCount({ room: 'games', last_read: 11, unread: 1, mentions: 0 });
    expect(chat.countOf(roomKey('games'))).toEqual({ unread: 0, mentions: 0, lastRead: 12 });
  });

  it('come from the mock: activity for rooms we are not in, the login counts, read marks', async () => {
    const { hearth, mock, events } = world();
    hearth.start();
    await joinAsMember(hearth, mock, 'guest');
    // guest's account is newer than the seeded history: nothing unread
    expect(hearth.app.session?.unread).toEqual([]);
    mock.control.say('mara', 'hi @guest', 'general');
    mock.control.say('tobi', 'anyone?', 'general');
    await settle();
    expect(events.filter((e) => e.kind === 'activity')).toMatchObject([
      { room: 'general', from: 'mara', mentions_me: true },
      { room: 'general', from: 'tobi', mentions_me: false },
    ]);
    expect(hearth.chat.countOf(roomKey('general'))).toMatchObject({ unread: 2, mentions: 1 });
    expect(hearth.totalUnread).toBe(2);
    // log in again: the server kept them
    await hearth.logout();
    await hearth.login({ username: 'guest', password: 'pw1234', remember: false });
    expect(hearth.app.session?.unread).toEqual([{ room: 'general', last_read: 120, unread: 2, mentions: 1 }]);
    expect(hearth.chat.countOf(roomKey('general'))).toEqual({ unread: 2, mentions: 1, lastRead: 120 });
    // reading sends the newest id once; the answer has the counts after
    await hearth.enterRoom('general');
    await settle();
    const spy = vi.spyOn(mock, 'invoke');
    await hearth.markRead(roomKey('general'));
    await hearth.markRead(roomKey('general'));
    expect(spy.mock.calls.filter(([c]) => c === 'mark_read')).toEqual([['mark_read', { room: 'general', id: 122 }]]);
    expect(hearth.chat.countOf(roomKey('general'))).toEqual({ unread: 0, mentions: 0, lastRead: 122 });
    expect(await mock.invoke('mark_read', { room: 'general', id: 5 })).toEqual({ room: 'general', with: null, last_read: 122, unread: 0, mentions: 0 });
  });

  it('the server\'s counts replace ours after a reconnect, except reads it has not heard of yet', () => {
    const chat = new ChatStore();
    chat.me = 'owner';
    chat.setUnread([
      { room: 'games', last_read: 10, unread: 3, mentions: 1 },
      { room: 'art', last_read: 5, unread: 1, mentions: 0 },
    ]);
    chat.read(roomKey('art'), 9);
    chat.unseen(roomKey('quiet'), 30, false);
    chat.syncUnread([
      { room: 'games', last_read: 10, unread: 5, mentions: 2 },
      { room: 'art', last_read: 5, unread: 1, mentions: 0 },
      { with: 'tobi', last_read: 2, unread: 1, mentions: 0 },
    ]);
    // missed while away
    expect(chat.countOf(roomKey('games'))).toEqual({ unread: 5, mentions: 2, lastRead: 10 });
    // our read is newer than the server's mark: ours stays
    expect(chat.countOf(roomKey('art'))).toEqual({ unread: 0, mentions: 0, lastRead: 9 });
    // read elsewhere (the server lists nothing unread there)
    expect(chat.countOf(roomKey('quiet')).unread).toBe(0);
    expect(chat.countOf(dmKey('tobi'))).toEqual({ unread: 1, mentions: 0, lastRead: 2 });
  });

  it('after a reconnect the room list brings the counts of what was missed', async () => {
    const { hearth, mock, events } = world();
    hearth.start();
    await joinAsMember(hearth, mock, 'guest');
    mock.control.dropConnection(40, 20);
    await settle();
    expect(hearth.app.connection.state).toBe('reconnecting');
    mock.control.say('mara', 'hi @guest', 'general');
    mock.control.say('tobi', 'anyone?', 'general');
    await new Promise((r) => setTimeout(r, 80));
    await settle();
    expect(hearth.app.connection.state).toBe('ok');
    // the activity pushes were lost with the connection ...
    expect(events.filter((e) => e.kind === 'activity')).toEqual([]);
    // ... and the counts came with the room list
    expect(hearth.chat.countOf(roomKey('general'))).toMatchObject({ unread: 2, mentions: 1 });
    expect(hearth.totalUnread).toBe(2);
  });

  it('private messages left unread show in a read-only tab at the next login', async () => {
    const { hearth, mock } = world();
    hearth.start();
    await joinAsMember(hearth, mock, 'guest');
    mock.control.requestPrivate('tobi');
    await settle();
    await hearth.accept('tobi');
    hearth.chat.activate(MAIN_TAB);
    mock.control.privateSay('tobi', 'are you there?');
    mock.control.privateSay('tobi', 'ping @guest');
    await settle();
    expect(hearth.chat.countOf(dmKey('tobi'))).toMatchObject({ unread: 2, mentions: 1 });
    await hearth.logout();
    await hearth.login({ username: 'guest', password: 'pw1234', remember: false });
    await settle();
    expect(hearth.privates.tabs).toEqual([{ user: 'tobi', state: 'past', reason: null }]);
    expect(hearth.chat.countOf(dmKey('tobi'))).toMatchObject({ unread: 2, mentions: 1 });
    expect(hearth.totalUnread).toBe(2);
    // the tab shows the messages (fetched as history) ...
    const texts = hearth.chat.conversations[dmKey('tobi')].items.flatMap((i) => (i.type === 'msg' ? [i.msg.text] : []));
    expect(texts.slice(-2)).toEqual(['are you there?', 'ping @guest']);
    // ... and asking again turns it into a pending request
    await hearth.requestPrivate('tobi');
    expect(hearth.privates.tab('tobi')?.state).toBe('pending');
  });

  it('the seeded friends have unread messages and a mention at login', async () => {
    const { hearth, mock } = world();
    const address = '192.168.1.50:7878';
    await hearth.connect(address, mock.control.codeFor(address));
    await hearth.login({ username: 'tobi', password: 'secret', remember: false });
    // 111..120, less tobi's own three
    expect(hearth.app.session?.unread).toEqual([{ room: 'general', last_read: 110, unread: 7, mentions: 1 }]);
  });
});

describe('the "new messages" divider', () => {
  it('goes after the read mark a conversation was opened with, and stays while it is read', () => {
    const chat = new ChatStore();
    chat.me = 'owner';
    chat.setUnread([{ room: 'general', last_read: 3, unread: 2, mentions: 0 }]);
    chat.enter('general');
    const key = roomKey('general');
    expect(chat.conv(key).dividerAfter).toBe(3);
    chat.addHistory(key, [msg(2), msg(3), msg(4), msg(5)], false, false);
    chat.read(key, 5);
    expect(chat.conv(key).dividerAfter).toBe(3);
  });

  it('marks messages that arrive while the window is in the background, not those watched', () => {
    const chat = new ChatStore();
    chat.me = 'owner';
    chat.enter('general');
    const key = roomKey('general');
    chat.addHistory(key, [msg(1), msg(2)], false, false);
    chat.read(key, 2);
    chat.addMessage(msg(3));
    expect(chat.conv(key).dividerAfter).toBeNull();
    chat.read(key, 3);
    chat.focused = false;
    chat.addMessage(msg(4, { from: 'owner' }));
    chat.addMessage(msg(5));
    chat.addMessage(msg(6));
    // everything before 5 was read: the divider goes above 5
    expect(chat.conv(key).dividerAfter).toBe(4);
    expect(chat.unreadFor(MAIN_TAB)).toBe(2);
  });

  it('is drawn above the first new message from someone else', async () => {
    const { hearth, mock } = world();
    hearth.start();
    await hostAsOwner(hearth);
    mock.control.addRoom('games');
    await hearth.enterRoom('games');
    mock.control.say('mara', 'old news');
    await settle();
    await hearth.markRead(roomKey('games'));
    await hearth.exitRoom();
    mock.control.say('tobi', 'fresh', 'games');
    mock.control.say('mara', 'fresher', 'games');
    await settle();
    render(App, { props: { hearth } });
    await hearth.enterRoom('games');
    await settle();
    const log = screen.getByRole('log', { name: 'Messages in games' });
    const order = [...log.querySelectorAll('[data-testid="new-divider"], [data-testid="message"] .text')].map((n) =>
      n.getAttribute('data-testid') ? '---' : n.textContent,
    );
    expect(order).toEqual(['old news', '---', 'fresh', 'fresher']);
  });
});

describe('the unread total', () => {
  it('shows in the window title and on the taskbar badge, and clears when read', async () => {
    const { hearth, mock } = world({ seed: false });
    // The app starts the store itself (once).
    render(App, { props: { hearth } });
    await hostAsOwner(hearth);
    mock.control.addRoom('games');
    await settle();
    expect(document.title).toBe('Hearth');
    expect(mock.control.badge()).toBe(0);
    mock.control.say('tobi', 'round two?', 'games');
    mock.control.say('mara', 'in', 'games');
    await settle();
    const total = hearth.totalUnread;
    expect(hearth.chat.countOf(roomKey('games')).unread).toBe(2);
    expect(total).toBe(2);
    expect(document.title).toBe(`(${total}) Hearth`);
    expect(mock.control.badge()).toBe(total);
    await hearth.enterRoom('games');
    await settle();
    await hearth.markRead(roomKey('games'));
    await settle();
    const after = hearth.totalUnread;
    expect(after).toBe(total - 2);
    expect(document.title).toBe(after > 0 ? `(${after}) Hearth` : 'Hearth');
    expect(mock.control.badge()).toBe(after);
  });
});

describe('typing', () => {
  it('shows for LIMITS.typingShowMs, or until their message lands', () => {
    vi.useFakeTimers();
    const chat = new ChatStore();
    chat.enter('general');
    const key = roomKey('general');
    chat.startTyping(key, 'mara');
    chat.startTyping(key, 'jun');
    expect(typingText(chat.typersOf(key))).toBe('jun and mara are typing…');
    chat.addMessage(msg(1, { from: 'jun' }));
    expect(chat.typersOf(key)).toEqual(['mara']);
    vi.advanceTimersByTime(LIMITS.typingShowMs - 1);
    expect(typingText(chat.typersOf(key))).toBe('mara is typing…');
    // typing again starts the time over
    chat.startTyping(key, 'mara');
    vi.advanceTimersByTime(LIMITS.typingShowMs - 1);
    expect(chat.typersOf(key)).toEqual(['mara']);
    vi.advanceTimersByTime(1);
    expect(chat.typersOf(key)).toEqual([]);
    expect(typingText(['a', 'b', 'c'])).toBe('Several people are typing…');
  });

  it('is sent at most every LIMITS.typingSendIntervalMs, and only when shared', async () => {
    const { hearth, mock } = world();
    hearth.start();
    await hostAsOwner(hearth);
    await hearth.enterRoom('general');
    const spy = vi.spyOn(mock, 'invoke');
    expect(hearth.typing(1_000)).toBe(true);
    expect(hearth.typing(1_000 + LIMITS.typingSendIntervalMs - 1)).toBe(false);
    expect(hearth.typing(1_000 + LIMITS.typingSendIntervalMs)).toBe(true);
    expect(spy.mock.calls.filter(([c]) => c === 'typing')).toEqual([
      ['typing', { room: 'general' }],
      ['typing', { room: 'general' }],
    ]);
    await hearth.saveSettings({ share_typing: false });
    expect(hearth.typing(100_000)).toBe(false);
  });

  it("shows a friend's typing from the mock, in our room only", async () => {
    const { hearth, mock } = world();
    hearth.start();
    await hostAsOwner(hearth);
    await hearth.enterRoom('general');
    mock.control.typing('mara');
    mock.control.typing('jun', 'games');
    await settle();
    expect(hearth.chat.typersOf(roomKey('general'))).toEqual(['mara']);
    expect(hearth.chat.typersOf(roomKey('games'))).toEqual([]);
    expect(await code(mock.invoke('typing', { room: 'games' }))).toBe('wrong_state');
    expect(await code(mock.invoke('typing', { with: 'tobi' }))).toBe('not_linked');
    expect(await code(mock.invoke('typing', { room: 'general', with: 'tobi' }))).toBe('invalid_input');
    // A flood is refused, as the server does: one relay per LIMITS.typingRelayIntervalMs.
    expect(await mock.invoke('typing', { room: 'general' })).toBeNull();
    expect(await code(mock.invoke('typing', { room: 'general' }))).toBe('slow_down');
  });
});

describe('reactions', () => {
  it('toggle per user and come back as a reactions event', async () => {
    const { hearth, mock, events } = world();
    hearth.start();
    await hostAsOwner(hearth);
    await hearth.enterRoom('general');
    const id = mock.control.say('mara', 'gg');
    await settle();
    await hearth.react(id, '👍');
    mock.control.react('jun', id, '👍');
    mock.control.react('jun', id, '🎉');
    await settle();
    const shown = () => hearth.chat.conv(roomKey('general')).items.find((i) => i.type === 'msg' && i.msg.id === id);
    expect(shown()).toMatchObject({ msg: { reactions: [{ emoji: '👍', users: ['owner', 'jun'] }, { emoji: '🎉', users: ['jun'] }] } });
    await hearth.react(id, '👍');
    await settle();
    expect(shown()).toMatchObject({ msg: { reactions: [{ emoji: '👍', users: ['jun'] }, { emoji: '🎉', users: ['jun'] }] } });
    expect(events.filter((e) => e.kind === 'reactions')).toHaveLength(4);
    expect(await code(mock.invoke('react', { id, emoji: 'yes' }))).toBe('not_emoji');
    expect(await code(mock.invoke('react', { id, emoji: '👍👍' }))).toBe('not_emoji');
    expect(await code(mock.invoke('react', { id: 9999, emoji: '👍' }))).toBe('not_found');
  });

  it('are at most 20 different emojis', async () => {
    const { hearth, mock } = world();
    await hostAsOwner(hearth);
    const id = mock.control.say('mara', 'react to me', 'general');
    const emojis = [...'😀😁😂🤣😃😄😅😆😉😊😋😎😍😘🥰😗😙😚🙂🤗'];
    for (const e of emojis) await mock.invoke('react', { id, emoji: e });
    expect(await code(mock.invoke('react', { id, emoji: '🤔' }))).toBe('invalid_input');
    // taking one back is fine
    expect(await code(mock.invoke('react', { id, emoji: '😀' }))).toBe('ok');
  });

  it('show as chips with counts; clicking one toggles our own', async () => {
    const { hearth, mock } = world();
    hearth.start();
    await hostAsOwner(hearth);
    render(App, { props: { hearth } });
    window.dispatchEvent(new FocusEvent('focus'));
    await hearth.enterRoom('general');
    const id = mock.control.say('mara', 'nice');
    mock.control.react('jun', id, '🔥');
    await settle();
    const row = screen.getAllByTestId('message').find((el) => el.dataset.id === String(id))!;
    const chip = within(row).getByRole('button', { name: '🔥 1: jun' });
    expect(chip).toHaveAttribute('aria-pressed', 'false');
    expect(within(chip).getByRole('tooltip', { hidden: true })).toHaveTextContent('jun');
    await userEvent.setup().click(chip);
    await settle();
    expect(within(row).getByRole('button', { name: '🔥 2: jun, you' })).toHaveAttribute('aria-pressed', 'true');
  });
});

describe('edits and deletions', () => {
  it('follow the rules: own messages, 24 hours, text rules; admins delete any room message', async () => {
    const { hearth, mock, events } = world();
    hearth.start();
    await joinAsMember(hearth, mock, 'guest');
    await hearth.enterRoom('general');
    await hearth.send('helo');
    await settle();
    const mine = hearth.chat.newestId(roomKey('general'))!;
    await hearth.editMessage(mine, 'hello @mara');
    await settle();
    const edited = events.find((e) => e.kind === 'edited');
    expect(edited).toMatchObject({ message: { id: mine, text: 'hello @mara', mentions: ['mara'] } });
    expect(hearth.chat.conv(roomKey('general')).items.at(-1)).toMatchObject({ msg: { text: 'hello @mara', edited: expect.any(String) } });
    expect(await code(mock.invoke('edit_message', { id: mine, text: '   ' }))).toBe('invalid_input');
    const theirs = mock.control.say('mara', 'mine, not yours');
    expect(await code(mock.invoke('edit_message', { id: theirs, text: 'x' }))).toBe('forbidden');
    expect(await code(mock.invoke('delete_message', { id: theirs }))).toBe('forbidden');
    mock.control.backdate(mine, 25);
    expect(await code(mock.invoke('edit_message', { id: mine, text: 'late' }))).toBe('too_late');
    // members may not mention @room
    expect(await code(mock.invoke('send_message', { to: 'public', text: 'hey @room' }))).toBe('forbidden');
    await hearth.deleteMessage(mine);
    await settle();
    expect(events.find((e) => e.kind === 'deleted')).toMatchObject({ id: mine, room: 'general', by: 'guest' });
    expect(hearth.chat.conv(roomKey('general')).items.find((i) => i.type === 'msg' && i.msg.id === mine)).toMatchObject({ msg: { deleted: true, text: '' } });
    expect(await code(mock.invoke('delete_message', { id: mine }))).toBe('not_found');
    const page = await mock.invoke('history', { room: 'general', limit: 3 });
    expect(page.messages.find((m) => m.id === mine)).toMatchObject({ deleted: true, text: '[message deleted]', reactions: [] });
  });

  it('admins delete anyone\'s room message and may mention @room', async () => {
    const { hearth, mock, events } = world();
    hearth.start();
    await hostAsOwner(hearth);
    await hearth.enterRoom('general');
    const theirs = mock.control.say('mara', 'spam');
    await hearth.deleteMessage(theirs);
    await hearth.send('@room dinner');
    await settle();
    expect(events.find((e) => e.kind === 'deleted')).toMatchObject({ id: theirs, by: 'owner' });
    expect(hearth.chat.conv(roomKey('general')).items.at(-1)).toMatchObject({ msg: { mention_room: true, mentions_me: false } });
  });

  it('offers Edit only on our own recent text messages, Delete also to admins', async () => {
    const { hearth, mock } = world();
    hearth.start();
    await hostAsOwner(hearth);
    render(App, { props: { hearth } });
    await hearth.enterRoom('general');
    await hearth.send('mine');
    const theirs = mock.control.say('mara', 'theirs');
    await settle();
    const rows = screen.getAllByTestId('message');
    const row = (text: string) => rows.find((r) => r.textContent?.includes(text))!;
    expect(within(row('mine')).getByRole('button', { name: 'Edit message' })).toBeInTheDocument();
    expect(within(row('theirs')).queryByRole('button', { name: 'Edit message' })).toBeNull();
    expect(within(row('theirs')).getByRole('button', { name: 'Delete message' })).toBeInTheDocument();
    // a message older than the edit window
    const old = new Date(Date.now() - (LIMITS.editWindowSecs + 60) * 1000).toISOString();
    hearth.chat.edited({ ...(hearth.chat.conv(roomKey('general')).items.find((i) => i.type === 'msg' && i.msg.text === 'mine') as { msg: MessageView }).msg, ts: old });
    await settle();
    expect(within(screen.getAllByTestId('message').find((r) => r.textContent?.includes('mine'))!).queryByRole('button', { name: 'Edit message' })).toBeNull();
    void theirs;
  });
});

describe('search', () => {
  it('finds every word (the last as a prefix), newest first, with pages', async () => {
    const { hearth, mock } = world();
    await hostAsOwner(hearth);
    const first = await hearth.search(roomKey('general'), 'THE');
    expect(first.messages).toHaveLength(20);
    expect(first.more).toBe(true);
    const ids = first.messages.map((m) => m.id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    const second = await hearth.search(roomKey('general'), 'the', ids.at(-1));
    expect(second.more).toBe(false);
    expect(second.messages).toHaveLength(16);
    expect(second.messages[0].id).toBeLessThan(ids.at(-1)!);
    expect((await hearth.search(roomKey('general'), 'spare cab')).messages.map((m) => m.text)).toEqual(['@tobi did you bring the spare cables? (#114)']);
    // only the last word is a prefix
    expect((await hearth.search(roomKey('general'), 'cable spare')).messages).toHaveLength(0);
    expect((await hearth.search(roomKey('general'), 'cables spare')).messages).toHaveLength(1);
    mock.control.say('mara', 'Café ready', 'general');
    expect((await hearth.search(roomKey('general'), 'cafe')).messages).toHaveLength(1);
    expect(await code(mock.invoke('search', { room: 'general', query: '!!' }))).toBe('invalid_input');
    expect(await code(mock.invoke('search', { room: 'nowhere', query: 'x' }))).toBe('not_found');
    expect(await code(mock.invoke('search', { query: 'x' }))).toBe('wrong_state');
  });

  it('jumps to a result that is not loaded: the history around it, then newer pages', async () => {
    const { hearth } = world();
    hearth.start();
    await hostAsOwner(hearth);
    await hearth.enterRoom('general');
    await settle();
    const key = roomKey('general');
    await hearth.jumpTo(key, 10);
    const ids = () => hearth.chat.conv(key).items.flatMap((i) => (i.type === 'msg' ? [i.msg.id] : []));
    expect(ids()).toEqual(Array.from({ length: 35 }, (_, i) => i + 1));
    expect(hearth.chat.conv(key)).toMatchObject({ hasMore: false, hasNewer: true });
    expect(hearth.chat.highlight).toEqual({ key, id: 10 });
    await hearth.loadNewer(key);
    expect(ids().at(-1)).toBe(85);
    await hearth.loadNewer(key);
    expect(ids().at(-1)).toBe(120);
    expect(hearth.chat.conv(key).hasNewer).toBe(false);
  });
});

describe('mentions', () => {
  it('are read from the text as the server reads them', () => {
    expect(mentionSpans('hi @bob. and @alice_2, mail me at a@b.c @')).toEqual([
      { start: 3, name: 'bob' },
      { start: 13, name: 'alice_2' },
    ]);
  });

  it('are marked only where the server resolved them', () => {
    expect(mentionSegments('hey @Mara and @ghost, @room!', ['mara'], true, 'owner')).toEqual([
      { text: 'hey ' },
      { text: '@Mara', mention: 'other' },
      { text: ' and @ghost, ' },
      { text: '@room', mention: 'me' },
      { text: '!' },
    ]);
    expect(mentionSegments('@owner hi', ['owner'], false, 'owner')[0]).toEqual({ text: '@owner', mention: 'me' });
    expect(mentionSegments('', [], false, null)).toEqual([{ text: '' }]);
  });

  it('autocomplete from the people here, with @room for admins', () => {
    expect(mentionQuery('hi @ma', 6)).toEqual({ start: 3, query: 'ma' });
    expect(mentionQuery('mail a@b', 8)).toBeNull();
    expect(mentionQuery('@', 1)).toEqual({ start: 0, query: '' });
    expect(mentionCandidates('', ['tobi', 'mara', 'owner'], 'owner', true)).toEqual(['mara', 'tobi', 'room']);
    expect(mentionCandidates('M', ['tobi', 'mara', 'owner'], 'owner', false)).toEqual(['mara']);
    expect(mentionCandidates('r', ['tobi'], 'owner', false)).toEqual([]);
    expect(completeMention('hi @ma there', 6, 3, 'mara')).toEqual({ text: 'hi @mara there', caret: 9 });
  });

  it('autocomplete in the composer with Tab, or arrows and Enter', async () => {
    const { hearth } = world();
    hearth.start();
    await hostAsOwner(hearth);
    render(App, { props: { hearth } });
    await hearth.enterRoom('general');
    await settle();
    const user = userEvent.setup();
    const box = screen.getByRole('textbox', { name: 'Message #general' });
    await user.type(box, 'hi @t');
    expect(within(screen.getByRole('listbox', { name: 'People to mention' })).getAllByRole('option').map((o) => o.textContent?.trim())).toEqual(['@tobi']);
    await user.keyboard('{Tab}');
    expect(box).toHaveValue('hi @tobi ');
    await user.type(box, '@');
    const names = () => within(screen.getByRole('listbox')).getAllByRole('option');
    expect(names().map((o) => o.textContent?.trim().split(/\s/)[0])).toEqual(['@mara', '@tobi', '@room']);
    await user.keyboard('{ArrowDown}{ArrowDown}');
    expect(names()[2]).toHaveAttribute('aria-selected', 'true');
    await user.keyboard('{Enter}');
    expect(box).toHaveValue('hi @tobi @room ');
    expect(screen.queryByRole('listbox')).toBeNull();
  });

  it('a mention of this user marks the message (the server says so, not the text)', async () => {
    const { hearth, mock } = world();
    hearth.start();
    await hostAsOwner(hearth);
    render(App, { props: { hearth } });
    await hearth.enterRoom('general');
    mock.control.say('mara', 'ping @owner');
    mock.control.say('mara', 'owner owner owner');
    await settle();
    const rows = screen.getAllByTestId('message');
    expect(rows.at(-2)).toHaveClass('mention');
    expect(rows.at(-1)).not.toHaveClass('mention');
  });
});

describe('validation helpers', () => {
  it('know an emoji and a search query', () => {
    expect(['👍', '❤️', '❤', '👍🏽', '🇩🇪'].every(isEmoji)).toBe(true);
    expect(['', 'a', '👍👍', ':)'].some(isEmoji)).toBe(false);
    expect(queryProblem('pizza')).toBeNull();
    expect(queryProblem('??')).not.toBeNull();
    expect(queryProblem('a'.repeat(LIMITS.searchQueryMaxChars + 1))).not.toBeNull();
  });
});
