import { describe, expect, it } from 'vitest';
import { ChatStore, MAIN_TAB, dmKey, roomKey } from '../src/lib/stores/chat.svelte';
import { PrivateStore } from '../src/lib/stores/privates.svelte';
import { AppStore } from '../src/lib/stores/app.svelte';
import { hostAsOwner, joinAsMember, messageView, settle, setup } from './helpers';

const msg = messageView;

describe('ChatStore', () => {
  it('adds live messages once, learns colors and counts unread from others until read', () => {
    const chat = new ChatStore();
    chat.me = 'owner';
    chat.enter('general');
    expect(chat.addMessage(msg(1))).toBe(true);
    expect(chat.addMessage(msg(1))).toBe(false);
    expect(chat.colors.mara).toBe('#e0a458');
    // on screen, but only the view says it was read
    expect(chat.unreadFor(MAIN_TAB)).toBe(1);
    chat.read(roomKey('general'), 1);
    expect(chat.unreadFor(MAIN_TAB)).toBe(0);
    // our own messages are never unread
    chat.addMessage(msg(2, { from: 'owner' }));
    expect(chat.unreadFor(MAIN_TAB)).toBe(0);
    chat.addMessage(msg(3, { private: true, room: null, with: 'tobi', from: 'tobi', mentions_me: true }));
    expect(chat.unreadFor(dmKey('tobi'))).toBe(1);
    expect(chat.mentionsFor(dmKey('tobi'))).toBe(1);
    expect(chat.totalUnread([])).toBe(0);
    expect(chat.totalUnread([dmKey('tobi')])).toBe(1);
  });

  it('puts older pages on top, newer at the end, and drops duplicates', () => {
    const chat = new ChatStore();
    const key = roomKey('general');
    chat.addHistory(key, [msg(50), msg(51)], false, false);
    chat.notice(key, 'jun joined', '2024-01-01T10:00:00Z');
    chat.addHistory(key, [msg(48), msg(49), msg(50)], true, true);
    chat.addHistory(key, [msg(51), msg(52)], false, false);
    const ids = chat.conv(key).items.map((i) => (i.type === 'msg' ? i.msg.id : i.text));
    expect(ids).toEqual([48, 49, 50, 51, 'jun joined', 52]);
    expect(chat.oldestId(key)).toBe(48);
    expect(chat.conv(key).hasMore).toBe(true);
    chat.addHistory(key, [msg(47)], false, true);
    expect(chat.conv(key).hasMore).toBe(false);
  });

  it('tracks presence: placing users moves them out of other rooms', () => {
    const chat = new ChatStore();
    chat.rooms = { lobby: ['a', 'b'], general: ['c'] };
    chat.placeUsers('general', ['c', 'a']);
    expect(chat.rooms).toEqual({ lobby: ['b'], general: ['a', 'c'] });
    expect(chat.online).toEqual(['a', 'b', 'c']);
    expect(chat.roomNames).toEqual(['general']);
  });

  it('carries a private conversation over a rename', () => {
    const chat = new ChatStore();
    chat.addMessage(msg(1, { private: true, room: null, with: 'tobi', from: 'tobi' }));
    chat.activate(dmKey('tobi'));
    chat.rename('tobi', 'tobias');
    expect(chat.conversations[dmKey('tobias')].items).toHaveLength(1);
    expect(chat.activeTab).toBe(dmKey('tobias'));
    expect(chat.colors.tobias).toBe('#e0a458');
  });
});

describe('PrivateStore', () => {
  it('moves a tab through pending → active → ended, and drops rejected ones', () => {
    const p = new PrivateStore();
    p.asked('mara');
    expect(p.tab('mara')?.state).toBe('pending');
    p.started('mara');
    expect(p.tab('mara')?.state).toBe('active');
    p.ended('mara', 'bye');
    expect(p.tab('mara')).toEqual({ user: 'mara', state: 'ended', reason: 'bye' });
    p.asked('jun');
    p.rejected('jun');
    expect(p.tab('jun')).toBeUndefined();
  });

  it('shows an incoming request once and clears it when started or cancelled', () => {
    const p = new PrivateStore();
    p.requested('tobi');
    p.requested('tobi');
    expect(p.incoming).toEqual(['tobi']);
    p.cancelled('tobi', 'gone');
    expect(p.incoming).toEqual([]);
    p.requested('tobi');
    p.started('tobi');
    expect(p.incoming).toEqual([]);
    p.requested('tobi');
    expect(p.incoming).toEqual([]);
  });
});

describe('AppStore', () => {
  it('knows admin rights and expires toasts', async () => {
    const app = new AppStore();
    expect(app.isAdmin).toBe(false);
    app.session = { server: 's', username: 'u', color: '#000000', role: 'admin', unread: [] };
    expect(app.isAdmin).toBe(true);
    expect(app.isOwner).toBe(false);
    app.toast('hello', 'info', 10);
    expect(app.toasts).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 30));
    expect(app.toasts).toHaveLength(0);
  });
});

describe('Hearth (events → stores)', () => {
  it('shows the reconnect state and clears it on connected', () => {
    const { hearth } = setup();
    hearth.handle({ kind: 'reconnecting', attempt: 2, retry_in_ms: 2000 });
    expect(hearth.app.connection).toMatchObject({ state: 'reconnecting', attempt: 2 });
    hearth.handle({ kind: 'connected', server: 'x' });
    expect(hearth.app.connection).toEqual({ state: 'ok' });
  });

  it('goes to the kicked screen and forgets the session', async () => {
    const { hearth, mock } = setup();
    hearth.start();
    await joinAsMember(hearth, mock);
    expect(hearth.app.screen).toBe('main');
    mock.control.kickMe('mara', 'too loud', 5);
    await settle();
    expect(hearth.app.screen).toBe('kicked');
    expect(hearth.app.kicked).toMatchObject({ by: 'mara', reason: 'too loud', server: '192.168.1.50:7878' });
    expect(hearth.app.session).toBeNull();
    // logging in again during the cooldown lands on the kicked screen too
    hearth.app.screen = 'auth';
    await hearth.connect('192.168.1.50:7878', null);
    await expect(hearth.login({ username: 'guest', password: 'pw1234', remember: false })).rejects.toMatchObject({ code: 'kicked' });
    expect(hearth.app.screen).toBe('kicked');
  });

  it('lists people sorted, whatever order the server sends (it sends the order they came in)', () => {
    const { hearth } = setup();
    hearth.handle({ kind: 'rooms', rooms: { lobby: ['zoe', 'Ann', 'bob'], games: ['Hostess', 'bob2'] } });
    expect(hearth.chat.rooms).toEqual({ lobby: ['Ann', 'bob', 'zoe'], games: ['bob2', 'Hostess'] });
    hearth.chat.enter('games');
    hearth.handle({ kind: 'members', room: 'games', users: ['Hostess', 'bob'] });
    expect(hearth.chat.members).toEqual(['bob', 'Hostess']);
  });

  it("does not tell you that you joined the room you entered (the server does)", async () => {
    const { hearth, mock } = setup();
    hearth.start();
    await hostAsOwner(hearth);
    await hearth.enterRoom('general');
    await settle();
    const ts = '2026-01-01T00:00:00.000Z';
    hearth.handle({ kind: 'notice', notice: 'joined', user: 'owner', room: 'general', ts });
    hearth.handle({ kind: 'notice', notice: 'joined', user: 'rin', room: 'general', ts });
    const notices = hearth.chat.conv(roomKey('general')).items.filter((i) => i.type === 'notice');
    expect(notices.map((i) => (i.type === 'notice' ? i.text : ''))).toEqual(['rin joined the room']);
    mock.dispose();
  });

  it('ends the session on bye and on a final disconnect', () => {
    const { hearth } = setup();
    hearth.app.server = 'h:1';
    hearth.handle({ kind: 'bye', message: 'closing time' });
    expect(hearth.app.screen).toBe('ended');
    expect(hearth.app.ended).toEqual({ title: 'The room was closed', message: 'closing time', server: 'h:1' });
    hearth.handle({ kind: 'disconnected', reason: 'network down' });
    expect(hearth.app.ended?.title).toBe('Disconnected');
  });

  it('enters a room, gets history and notices, and sends', async () => {
    const { hearth, mock } = setup();
    hearth.start();
    await hostAsOwner(hearth);
    await hearth.enterRoom('general');
    await settle();
    const key = roomKey('general');
    expect(hearth.chat.conv(key).items).toHaveLength(50);
    expect(hearth.chat.members).toEqual(['mara', 'owner', 'tobi']);
    mock.control.join('jun', 'general');
    await settle();
    expect(hearth.chat.conv(key).items.at(-1)).toMatchObject({ type: 'notice', text: 'jun joined the room' });
    await hearth.send('hello');
    await settle();
    expect(hearth.chat.conv(key).items.at(-1)).toMatchObject({ type: 'msg', msg: { from: 'owner', text: 'hello', color: '#f0773a' } });
    await hearth.loadOlder(key);
    expect(hearth.chat.conv(key).items.filter((i) => i.type === 'msg')).toHaveLength(101);
    await hearth.exitRoom();
    expect(hearth.chat.room).toBeNull();
    expect(hearth.chat.conversations[key]).toBeUndefined();
  });

  it('handles a private chat from request to end', async () => {
    const { hearth, mock } = setup();
    hearth.start();
    await hostAsOwner(hearth);
    mock.control.requestPrivate('tobi');
    await settle();
    expect(hearth.privates.incoming).toEqual(['tobi']);
    await hearth.accept('tobi');
    await settle();
    expect(hearth.privates.tab('tobi')?.state).toBe('active');
    expect(hearth.chat.activeTab).toBe(dmKey('tobi'));
    await hearth.send('psst');
    mock.control.privateSay('tobi', 'hey');
    await settle();
    expect(hearth.chat.conv(dmKey('tobi')).items.map((i) => (i.type === 'msg' ? i.msg.text : i.text))).toEqual(['psst', 'hey']);
    mock.control.endPrivate('tobi', 'tobi left');
    await settle();
    expect(hearth.privates.tab('tobi')).toMatchObject({ state: 'ended', reason: 'tobi left' });
    hearth.closeTab('tobi');
    expect(hearth.privates.tabs).toEqual([]);
    expect(hearth.chat.activeTab).toBe(MAIN_TAB);
  });

  it('withdraws a pending request and toasts a rejection', async () => {
    const { hearth, mock } = setup();
    hearth.start();
    await hostAsOwner(hearth);
    await hearth.requestPrivate('mara');
    expect(hearth.privates.tab('mara')?.state).toBe('pending');
    await hearth.endPrivate('mara');
    expect(hearth.privates.tab('mara')).toBeUndefined();
    await hearth.requestPrivate('jun');
    mock.control.rejectPrivate('jun');
    await settle();
    expect(hearth.privates.tab('jun')).toBeUndefined();
    expect(hearth.app.toasts.map((t) => t.text)).toContain('jun declined your private chat.');
  });

  it('follows renames in notices and the own session', async () => {
    const { hearth } = setup();
    hearth.start();
    await hostAsOwner(hearth);
    await hearth.updateProfile({ username: 'boss', color: '#010203' });
    await settle();
    expect(hearth.app.session).toMatchObject({ username: 'boss', color: '#010203' });
    expect(hearth.chat.colors.boss).toBe('#010203');
  });

  it('prefills the join screen from a hearth:// link when not logged in', () => {
    const { hearth } = setup();
    hearth.handle({ kind: 'join_link', address: '10.0.0.2:7878', join_code: 'ABCD' });
    expect(hearth.app.screen).toBe('join');
    expect(hearth.app.joinPrefill).toEqual({ address: '10.0.0.2:7878', code: 'ABCD' });
  });
});
