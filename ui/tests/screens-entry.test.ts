// Start, Host, Join and Login/Register screens, rendered as the whole app on the mock.
import { screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { renderApp, settle } from './helpers';

describe('Start screen', () => {
  it('offers Host a room and Join a room', async () => {
    const { hearth } = await renderApp();
    const user = userEvent.setup();
    await user.click(screen.getByRole('button', { name: /Host a room/ }));
    expect(hearth.app.screen).toBe('host');
    await user.click(screen.getByRole('button', { name: /Back/ }));
    await user.click(screen.getByRole('button', { name: /Join a room/ }));
    expect(screen.getByRole('heading', { name: 'Join a room' })).toBeInTheDocument();
  });
});

describe('Host panel', () => {
  async function fill(user: ReturnType<typeof userEvent.setup>, port?: string) {
    await user.type(screen.getByLabelText('Your name'), 'owner');
    await user.type(screen.getByLabelText('Password'), 'pass1234');
    if (port !== undefined) {
      await user.clear(screen.getByLabelText('Port'));
      await user.type(screen.getByLabelText('Port'), port);
    }
  }

  it('checks the form before starting', async () => {
    await renderApp(({ hearth }) => void (hearth.app.screen = 'host'));
    const user = userEvent.setup();
    await user.click(screen.getByRole('button', { name: 'Start hosting' }));
    expect(screen.getByRole('alert')).toHaveTextContent('Your name is required.');
    await fill(user, '99999');
    await user.click(screen.getByRole('button', { name: 'Start hosting' }));
    expect(screen.getByRole('alert')).toHaveTextContent('The port must be a number from 1 to 65535.');
  });

  it('sets the largest file friends may send, within the file store of the room', async () => {
    const { hearth } = await renderApp(({ hearth }) => void (hearth.app.screen = 'host'));
    const user = userEvent.setup();
    await fill(user);
    const size = screen.getByLabelText('Largest file (MiB)');
    expect(size).toHaveValue('100');
    expect(screen.getByText(/The room keeps 2 GiB of files and removes the oldest first/)).toBeInTheDocument();
    await user.clear(size);
    await user.type(size, '4096');
    await user.click(screen.getByRole('button', { name: 'Start hosting' }));
    expect(screen.getByRole('alert')).toHaveTextContent('The largest file must be 1 to 2048 MiB.');
    await user.clear(size);
    await user.type(size, '1');
    await user.click(screen.getByRole('button', { name: 'Start hosting' }));
    expect(await screen.findByRole('heading', { name: 'Your room is open' })).toBeInTheDocument();
    await hearth.enterRoom('general');
    await expect(
      hearth.backend.invoke('send_file', { transfer: 't', to: 'public', name: 'big.bin', data: btoa('x'.repeat(2 ** 20 + 1)) }),
    ).rejects.toMatchObject({ code: 'file_too_big' });
  });

  it('says when the port is taken and offers another', async () => {
    const { control } = await renderApp(({ hearth, control }) => {
      hearth.app.screen = 'host';
      control.occupyPort(7878);
    });
    const user = userEvent.setup();
    await fill(user);
    await user.click(screen.getByRole('button', { name: 'Start hosting' }));
    expect(await screen.findByText(/Port 7878 is already in use/)).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Use port 7879 instead' }));
    expect(screen.getByLabelText('Port')).toHaveValue('7879');
    await user.click(screen.getByRole('button', { name: 'Start hosting' }));
    expect(await screen.findByRole('heading', { name: 'Your room is open' })).toBeInTheDocument();
    expect(control.state().host?.port).toBe(7879);
  });

  it('shows every address, the code, the link and the connected count, live', async () => {
    const { hearth, control } = await renderApp(({ hearth }) => void (hearth.app.screen = 'host'));
    const user = userEvent.setup();
    await fill(user);
    await user.click(screen.getByRole('button', { name: 'Start hosting' }));
    await screen.findByRole('heading', { name: 'Your room is open' });
    const host = hearth.app.host!;
    expect(screen.getByText('192.168.1.23:7878')).toBeInTheDocument();
    expect(screen.getByText('10.0.0.5:7878')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Copy address 10.0.0.5:7878' })).toBeInTheDocument();
    expect(screen.getByTestId('join-code')).toHaveTextContent(host.join_code);
    expect(screen.getByText(host.join_link)).toBeInTheDocument();
    expect(screen.getByTestId('connected-count')).toHaveTextContent('4 people connected');
    control.leave('jun');
    await settle();
    expect(screen.getByTestId('connected-count')).toHaveTextContent('3 people connected');
  });

  it('stops hosting only after a confirmation', async () => {
    const { hearth } = await renderApp(async ({ hearth }) => {
      await hearth.hostStart({ username: 'owner', password: 'pass1234' });
    });
    const user = userEvent.setup();
    await user.click(screen.getByRole('button', { name: 'Stop hosting' }));
    expect(hearth.app.host).not.toBeNull();
    await user.click(screen.getByRole('button', { name: 'Keep hosting' }));
    await user.click(screen.getByRole('button', { name: 'Stop hosting' }));
    await user.click(screen.getByRole('button', { name: 'Stop now' }));
    await waitFor(() => expect(hearth.app.screen).toBe('start'));
    expect(hearth.app.host).toBeNull();
  });
});

describe('Join dialog', () => {
  const addr = '192.168.1.50:7878';
  /** The form for an address and a code is one click away. */
  const openManual = (user: ReturnType<typeof userEvent.setup>) => user.click(screen.getByRole('button', { name: 'Join by address' }));

  it('asks to trust an unknown host, showing the full fingerprint', async () => {
    const { hearth, control } = await renderApp(({ hearth }) => void (hearth.app.screen = 'join'));
    const user = userEvent.setup();
    await openManual(user);
    await user.type(screen.getByLabelText('Address'), '192.168.1.50');
    await user.click(screen.getByRole('button', { name: 'Join' }));
    const fp = await screen.findByTestId('fingerprint');
    expect(fp.textContent!.replace(/\s/g, '')).toBe(control.fingerprintFor(addr).replace(':', ''));
    expect(fp).toHaveAccessibleName(`Fingerprint ${control.fingerprintFor(addr)}`);
    await user.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(hearth.app.screen).toBe('join');
    await user.click(screen.getByRole('button', { name: 'Join' }));
    await user.click(await screen.findByRole('button', { name: 'Trust and connect' }));
    await waitFor(() => expect(hearth.app.screen).toBe('auth'));
    expect(hearth.app.server).toBe(addr);
  });

  it('refuses a host whose key changed, in plain words', async () => {
    await renderApp(async ({ hearth, control }) => {
      await hearth.connect(addr, control.codeFor(addr));
      await hearth.leaveServer();
      control.changeHostKey(addr);
      hearth.app.screen = 'join';
    });
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: `Join ${addr}` }));
    const refusal = await screen.findByTestId('key-changed');
    expect(refusal).toHaveTextContent("This host's identity has changed.");
    expect(refusal).toHaveTextContent('Hearth will not connect');
    expect(screen.queryByRole('button', { name: /Trust/ })).toBeNull();
  });

  it('refuses a wrong join code', async () => {
    await renderApp(({ hearth }) => void (hearth.app.screen = 'join'));
    const user = userEvent.setup();
    await openManual(user);
    await user.type(screen.getByLabelText('Address'), addr);
    await user.type(screen.getByLabelText('Join code (optional)'), 'ABCD-EFGH-JKMN-PQRS');
    await user.click(screen.getByRole('button', { name: 'Join' }));
    expect(await screen.findByTestId('wrong-code')).toHaveTextContent('This is not the host you were given the code for.');
  });

  it('checks the address and code shape before connecting', async () => {
    await renderApp(({ hearth }) => void (hearth.app.screen = 'join'));
    const user = userEvent.setup();
    await openManual(user);
    await user.type(screen.getByLabelText('Address'), 'a b');
    await user.click(screen.getByRole('button', { name: 'Join' }));
    expect(screen.getByRole('alert')).toHaveTextContent('Enter an address like');
    await user.clear(screen.getByLabelText('Address'));
    await user.type(screen.getByLabelText('Address'), addr);
    await user.type(screen.getByLabelText('Join code (optional)'), 'short');
    await user.click(screen.getByRole('button', { name: 'Join' }));
    expect(screen.getByRole('alert')).toHaveTextContent('16 letters and digits');
  });

  it('fills address and code from a pasted join link and connects without a prompt', async () => {
    const { hearth, control } = await renderApp(({ hearth }) => void (hearth.app.screen = 'join'));
    const user = userEvent.setup();
    await openManual(user);
    const code = control.codeFor(addr);
    await user.click(screen.getByLabelText('Address'));
    await user.paste(`hearth://${addr}/${code}`);
    expect(screen.getByLabelText('Address')).toHaveValue(addr);
    expect(screen.getByLabelText('Join code (optional)')).toHaveValue(code);
    await user.click(screen.getByRole('button', { name: 'Join' }));
    await waitFor(() => expect(hearth.app.screen).toBe('auth'));
  });

  it('lists remembered servers and forgets one', async () => {
    await renderApp(async ({ hearth, control }) => {
      await hearth.connect(addr, control.codeFor(addr));
      await hearth.leaveServer();
      hearth.app.screen = 'join';
    });
    const user = userEvent.setup();
    const list = await screen.findByRole('region', { name: 'Remembered servers' });
    expect(within(list).getByText(addr)).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: `Forget ${addr}` }));
    await waitFor(() => expect(screen.queryByText(addr)).toBeNull());
  });

  it('says when the host cannot be reached', async () => {
    await renderApp(({ hearth, control }) => {
      hearth.app.screen = 'join';
      control.setUnreachable(addr);
    });
    const user = userEvent.setup();
    await openManual(user);
    await user.type(screen.getByLabelText('Address'), addr);
    await user.click(screen.getByRole('button', { name: 'Join' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(`Could not reach ${addr}`);
  });
});

describe('Login and register', () => {
  const addr = '192.168.1.50:7878';
  const atAuth = async () =>
    renderApp(async ({ hearth, control }) => {
      await hearth.connect(addr, control.codeFor(addr));
    });

  it('logs in, and says so when the password is wrong', async () => {
    const { hearth } = await atAuth();
    const user = userEvent.setup();
    expect(screen.getByRole('heading', { name: 'Log in' })).toBeInTheDocument();
    await user.type(screen.getByLabelText('Name'), 'tobi');
    await user.type(screen.getByLabelText('Password'), 'wrong');
    await user.click(screen.getByRole('checkbox', { name: 'Remember me on this computer' }));
    await user.click(screen.getByRole('button', { name: 'Log in' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Wrong name or password.');
    await user.clear(screen.getByLabelText('Password'));
    await user.type(screen.getByLabelText('Password'), 'secret');
    await user.click(screen.getByRole('button', { name: 'Log in' }));
    await waitFor(() => expect(hearth.app.screen).toBe('main'));
    expect(hearth.app.session?.username).toBe('tobi');
  });

  it('registers with the picked color and logs in', async () => {
    const { hearth } = await atAuth();
    const user = userEvent.setup();
    await user.click(screen.getByRole('tab', { name: /Register/ }));
    await user.type(screen.getByLabelText('Name'), 'neo');
    await user.type(screen.getByLabelText('Password'), 'abc');
    await user.click(screen.getByRole('button', { name: 'Create account' }));
    expect(screen.getByRole('alert')).toHaveTextContent('at least 4');
    await user.type(screen.getByLabelText('Password'), 'd');
    await user.click(screen.getByRole('radio', { name: 'Color #a070e0' }));
    expect(screen.getByRole('radio', { name: 'Color #a070e0' })).toHaveAttribute('aria-checked', 'true');
    await user.click(screen.getByRole('button', { name: 'Create account' }));
    await waitFor(() => expect(hearth.app.screen).toBe('main'));
    expect(hearth.app.session).toMatchObject({ username: 'neo', color: '#a070e0', role: 'member' });
  });

  it('refuses a taken name', async () => {
    await atAuth();
    const user = userEvent.setup();
    await user.click(screen.getByRole('tab', { name: /Register/ }));
    await user.type(screen.getByLabelText('Name'), 'Mara');
    await user.type(screen.getByLabelText('Password'), 'abcd');
    await user.click(screen.getByRole('button', { name: 'Create account' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('The name "Mara" is taken.');
  });

  it('offers to go on without remembering when no keychain is usable', async () => {
    const { hearth, control } = await atAuth();
    control.setKeychainAvailable(false);
    const user = userEvent.setup();
    await user.type(screen.getByLabelText('Name'), 'jun');
    await user.type(screen.getByLabelText('Password'), 'secret');
    await user.click(screen.getByRole('button', { name: 'Log in' }));
    const notice = await screen.findByTestId('keychain-notice');
    expect(notice).toHaveTextContent("Hearth can't remember your login on this computer.");
    expect(hearth.app.screen).toBe('auth');
    await user.click(within(notice).getByRole('button', { name: 'Continue without remembering' }));
    await waitFor(() => expect(hearth.app.screen).toBe('main'));
    expect(await hearth.backend.invoke('saved_login', { address: addr })).toBeNull();
  });

  it('continues with a saved login', async () => {
    const { hearth } = await renderApp(async ({ hearth, control }) => {
      await hearth.connect(addr, control.codeFor(addr));
      await hearth.login({ username: 'jun', password: 'secret', remember: true });
      // leaving keeps the saved login (logging out on this device would forget it)
      await hearth.leaveServer();
      await hearth.connect(addr, null);
    });
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Continue as jun' }));
    await waitFor(() => expect(hearth.app.screen).toBe('main'));
    expect(hearth.app.session?.username).toBe('jun');
  });
});
