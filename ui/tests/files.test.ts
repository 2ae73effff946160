// Files in a conversation, against the mock: the paperclip, paste and drop
// queue sends one after another with progress and cancel; image messages show
// a thumbnail that opens the viewer; other files show a card with Save.
import { fireEvent, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { fromBase64, humanSize, isInlineImage, toBase64, typeLabel } from '../src/lib/util/files';
import { hostAsOwner, renderApp, settle } from './helpers';

/** A 2x1 PNG (real header, so the mock finds its size). */
const PNG = fromBase64('iVBORw0KGgoAAAANSUhEUgAAAAIAAAABCAIAAAB7QOjdAAAAD0lEQVR4nGNgYDgRxXACAAT9Aeu8dPxoAAAAAElFTkSuQmCC');

async function inGeneral(stepMs = 5) {
  const ctx = await renderApp(({ hearth }) => hostAsOwner(hearth));
  ctx.control.setTransferStepMs(stepMs);
  await ctx.hearth.enterRoom('general');
  await settle();
  return ctx;
}

const file = (name: string, bytes: Uint8Array | string, type = '') =>
  new File([typeof bytes === 'string' ? new TextEncoder().encode(bytes) : (bytes as BlobPart)], name, { type });
const lastRow = () => [...screen.getByTestId('messages').querySelectorAll('.msg')].at(-1) as HTMLElement;

describe('file helpers', () => {
  it('say sizes as the host does and round-trip base64', () => {
    expect(humanSize(0)).toBe('0 B');
    expect(humanSize(1023)).toBe('1023 B');
    expect(humanSize(1536)).toBe('1.5 KiB');
    expect(humanSize(20 * 1024 * 1024)).toBe('20.0 MiB');
    const bytes = Uint8Array.from({ length: 70_000 }, (_, i) => (i * 7) % 256);
    expect(fromBase64(toBase64(bytes))).toEqual(bytes);
    expect(toBase64(Uint8Array.from([0, 1, 2, 250, 255]))).toBe('AAEC+v8=');
  });

  it('show inline only the four image types with a thumbnail, never SVG', () => {
    const base = { name: 'x', size: 1, sha256: '0'.repeat(64), image: { width: 2, height: 1 } };
    expect(isInlineImage({ ...base, mime: 'image/png' })).toBe(true);
    expect(isInlineImage({ ...base, mime: 'image/webp' })).toBe(true);
    expect(isInlineImage({ ...base, mime: 'image/svg+xml' })).toBe(false);
    expect(isInlineImage({ ...base, mime: 'image/png', image: null })).toBe(false);
    expect(isInlineImage({ ...base, mime: 'image/png', expired: true })).toBe(false);
    expect(typeLabel({ mime: 'application/zip', name: 'mods.zip' })).toBe('ZIP archive');
    expect(typeLabel({ mime: 'application/octet-stream', name: 'world.sav' })).toBe('SAV file');
  });
});

describe('Sending files', () => {
  it('the paperclip queues several files and sends them one after another with progress', async () => {
    const { hearth } = await inGeneral(40);
    const user = userEvent.setup();
    const input = screen.getByTestId('file-input') as HTMLInputElement;
    await user.upload(input, [file('notes.txt', 'gg wp'), file('shot.png', PNG, 'image/png')]);
    // both listed: the first sending, the second waiting its turn
    await waitFor(() => expect(screen.getAllByTestId('transfer')).toHaveLength(2));
    const [first, second] = screen.getAllByTestId('transfer');
    expect(first).toHaveTextContent('notes.txt');
    expect(second).toHaveTextContent('waiting');
    await waitFor(() => expect(within(first).getByRole('progressbar').getAttribute('aria-valuenow')).not.toBe('0'));
    // both arrive, in order, and the list empties
    await waitFor(() => expect(screen.queryAllByTestId('transfer')).toHaveLength(0), { timeout: 3000 });
    const ids = hearth.chat.conv('room:general').items.filter((i) => i.type === 'msg' && i.msg.file).map((i) => (i.type === 'msg' ? i.msg.file!.name : ''));
    expect(ids).toEqual(['notes.txt', 'shot.png']);
  });

  it('a pasted image is sent as a file; pasted text stays text', async () => {
    await inGeneral();
    const box = screen.getByRole('textbox', { name: 'Message #general' });
    const data = { files: [file('image.png', PNG, 'image/png')], getData: () => '' };
    await fireEvent.paste(box, { clipboardData: data });
    await waitFor(() => expect(lastRow()).toHaveTextContent('image.png'), { timeout: 3000 });
    expect(within(lastRow()).getByTestId('file-image')).toBeInTheDocument();
    expect((box as HTMLTextAreaElement).value).toBe('');
  });

  it('files dropped on the conversation are sent, with an overlay while dragging', async () => {
    await inGeneral();
    const zone = screen.getAllByTestId('drop-zone')[0];
    const dataTransfer = { types: ['Files'], files: [file('mods.zip', 'PK\u0003\u0004rest')], dropEffect: 'none' };
    await fireEvent.dragEnter(zone, { dataTransfer });
    expect(zone).toHaveTextContent('Drop files to send them to #general');
    await fireEvent.drop(zone, { dataTransfer });
    await waitFor(() => expect(lastRow()).toHaveTextContent('mods.zip'), { timeout: 3000 });
    const card = within(lastRow()).getByTestId('file-card');
    expect(card).toHaveTextContent('ZIP archive');
    expect(card).toHaveTextContent('8 B');
  });

  it('cancel stops a send and nothing is posted', async () => {
    const { hearth } = await inGeneral(200);
    const user = userEvent.setup();
    await user.upload(screen.getByTestId('file-input') as HTMLInputElement, file('big.bin', 'x'.repeat(5000)));
    const row = await screen.findByTestId('transfer');
    await user.click(within(row).getByRole('button', { name: 'Cancel big.bin' }));
    await waitFor(() => expect(screen.queryAllByTestId('transfer')).toHaveLength(0), { timeout: 3000 });
    await new Promise((r) => setTimeout(r, 1200));
    expect(hearth.chat.conv('room:general').items.some((i) => i.type === 'msg' && i.msg.file)).toBe(false);
  });

  it('a refusal stays listed with the reason until dismissed', async () => {
    const { control } = await inGeneral();
    control.setMaxFileBytes(1024 * 1024);
    const user = userEvent.setup();
    const huge = new File([new Uint8Array(1024 * 1024 + 1)], 'huge.iso');
    await user.upload(screen.getByTestId('file-input') as HTMLInputElement, huge);
    const row = await screen.findByTestId('transfer');
    await waitFor(() => expect(within(row).getByRole('alert')).toHaveTextContent('The file huge.iso is 1.0 MiB; this host takes files of up to 1.0 MiB'), { timeout: 5000 });
    await user.click(within(row).getByRole('button', { name: 'Dismiss huge.iso' }));
    expect(screen.queryAllByTestId('transfer')).toHaveLength(0);
  });
});

describe('Receiving files', () => {
  it('an image shows as a thumbnail that opens the viewer', async () => {
    const { control } = await inGeneral();
    await control.sendFile('mara', 'map.png', PNG);
    await settle();
    const img = await within(lastRow()).findByRole('img', { name: 'map.png' });
    expect(img.getAttribute('src')).toMatch(/^data:image\/png;base64,/);
    await userEvent.setup().click(within(lastRow()).getByRole('button', { name: 'Open map.png' }));
    const viewer = await screen.findByRole('dialog', { name: 'map.png' });
    expect(await within(viewer).findByRole('img', { name: 'map.png' })).toBeInTheDocument();
    expect(viewer).toHaveTextContent('2 × 1');
  });

  it('other files show a card; Save downloads with progress and says where', async () => {
    const { control } = await inGeneral(30);
    await control.sendFile('tobi', 'logo.svg', new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"></svg>'));
    await settle();
    const card = within(lastRow()).getByTestId('file-card');
    expect(card).toHaveTextContent('SVG image');
    expect(within(lastRow()).queryByRole('img')).toBeNull();
    await userEvent.setup().click(within(card).getByRole('button', { name: 'Save logo.svg' }));
    await waitFor(() => expect(screen.getByText('Saved logo.svg to /home/you/Downloads/logo.svg')).toBeInTheDocument(), { timeout: 3000 });
  });

  it('a cancelled save dialog saves nothing', async () => {
    const { control, hearth } = await inGeneral();
    const id = await control.sendFile('tobi', 'world.sav', [1, 2, 3]);
    control.setSaveDirectory(null);
    await settle();
    await hearth.transfers.save(id, 'world.sav', 3);
    expect(screen.queryByText(/Saved world.sav/)).toBeNull();
    expect(hearth.transfers.items).toHaveLength(0);
  });
});
