// Forwards a Unix socket to 127.0.0.1:PORT. The LAN-party test runs one inside each
// "computer" (network namespace): the driver, outside, reaches that namespace's
// tauri-driver through the socket file, as namespaces share the filesystem.
//   node forward.mjs SOCKET PORT

import fs from 'node:fs';
import net from 'node:net';

const [socketPath, port] = process.argv.slice(2);
fs.rmSync(socketPath, { force: true });
net
  .createServer((client) => {
    const target = net.connect({ host: '127.0.0.1', port: Number(port) });
    client.pipe(target);
    target.pipe(client);
    for (const [a, b] of [[client, target], [target, client]]) {
      a.on('error', () => b.destroy());
      a.on('close', () => b.destroy());
    }
  })
  .listen(socketPath);
