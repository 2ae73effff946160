// What the WebView tests (run.mjs, lan-party.mjs) and measure-hosting.mjs share: the page-side
// helpers prepended to every script they run in the page (find things the way a person, or a
// screen reader, names them), and the steps they all take in the app.

export const LIB = `
const norm = (s) => (s ?? '').replace(/\\s+/g, ' ').trim();
const visible = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
const nameOf = (el) => {
  const by = el.getAttribute('aria-labelledby');
  if (by) return norm(by.split(' ').map((id) => document.getElementById(id)?.textContent ?? '').join(' '));
  return norm(el.getAttribute('aria-label') || el.textContent);
};
const matches = (name, want) => (want.startsWith('re:') ? new RegExp(want.slice(3)).test(name) : name === want);
const ROLES = {
  button: 'button,[role=button]',
  tab: '[role=tab]',
  heading: 'h1,h2,h3,h4,h5,h6,[role=heading]',
  menuitem: '[role=menuitem]',
  dialog: '[role=dialog],dialog',
  list: 'ul,ol,[role=list]',
};
const byRole = (role, want, root = document) =>
  [...root.querySelectorAll(ROLES[role])].find((el) => visible(el) && matches(nameOf(el), want)) ?? null;
const byLabel = (want, root = document) => {
  for (const label of root.querySelectorAll('label')) {
    if (!norm(label.textContent).startsWith(want)) continue;
    const c = label.control ?? label.querySelector('input,textarea,select');
    if (c && visible(c)) return c;
  }
  return null;
};
`;

/** A page script: the helpers, then `body`. */
export const js = (body) => `${LIB}\n${body}`;

/**
 * On the open "Host a room" form: fills it in (`roomName` only when given), starts hosting and
 * waits for the host panel; returns the join code it shows.
 */
export async function startHosting(wd, { name, password, port, roomName }) {
  await wd.fill(await wd.waitFor('name field', js(`return byLabel('Your name');`)), name);
  await wd.fill(await wd.exec(js(`return byLabel('Password');`)), password);
  await wd.fill(await wd.exec(js(`return byLabel('Port');`)), String(port));
  if (roomName !== undefined) {
    await wd.fill(await wd.exec(js(`return document.querySelector('[data-testid=host-room-name]');`)), roomName);
  }
  await wd.click(await wd.exec(js(`return byRole('button', 'Start hosting');`)));
  await wd.waitFor('the host panel', js(`return byRole('heading', 'Your room is open');`), [], 30_000);
  return wd.exec(js(`return norm(document.querySelector('[data-testid=join-code]')?.textContent);`));
}
