import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import type { Socket } from 'node:net';
import type { Address } from '../../src/connection/address.js';
import {
  DEFAULT_PORT,
  describeAddress,
  openSocket,
  parseAddress,
  readsIntoGivenBuffers,
} from '../../src/connection/address.js';
import { InvalidArgumentError } from '../../src/protocol/errors.js';
import { startBeanstalkd } from '../../src/testing/index.js';
import { useBeanstalkd } from '../helpers/setup.js';

describe('parseAddress', () => {
  test.each([
    ['beanstalk://example.org:11301', { host: 'example.org', port: 11301 }],
    ['beanstalks://example.org:11302', { host: 'example.org', port: 11302, tls: true }],
    ['beanstalk://example.org', { host: 'example.org', port: DEFAULT_PORT }],
    ['beanstalks://example.org', { host: 'example.org', port: DEFAULT_PORT, tls: true }],
    ['beanstalk://h:0', { host: 'h', port: 0 }],
    ['BEANSTALK://upper:7', { host: 'upper', port: 7 }],
    ['beanstalk://[::1]:5', { host: '::1', port: 5 }],
    ['beanstalk:///no-host', { host: '127.0.0.1', port: DEFAULT_PORT }],
    ['10.1.2.3:4', { host: '10.1.2.3', port: 4 }],
    ['localhost', { host: 'localhost', port: DEFAULT_PORT }],
    ['unix:/run/beanstalkd.sock', { path: '/run/beanstalkd.sock' }],
    ['unix:relative.sock', { path: 'relative.sock' }],
    ['beanstalk+unix:///run/with%20space.sock', { path: '/run/with space.sock' }],
  ])('%s', (url, address) => {
    expect(parseAddress(url)).toStrictEqual(address);
  });

  test.each(['http://127.0.0.1:11300', 'redis://h:6379', 'unix+beanstalk:///p'])(
    '%s: an unsupported scheme, named with the ones that work',
    (url) => {
      const scheme = url.slice(0, url.indexOf(':'));
      expect(() => parseAddress(url)).toThrow(
        new InvalidArgumentError(
          `unsupported URL scheme "${scheme}": use beanstalk://, beanstalks://, beanstalk+unix:// or unix:/path`,
        ),
      );
    },
  );

  test('no URL at all: the input, quoted and cut to 100 characters', () => {
    expect(() => parseAddress('beanstalk://[::1')).toThrow(
      new InvalidArgumentError('not a beanstalkd URL: "beanstalk://[::1"'),
    );
    const long = `beanstalk://[${'x'.repeat(300)}`;
    expect(() => parseAddress(long)).toThrow(
      new InvalidArgumentError(`not a beanstalkd URL: ${JSON.stringify(long.slice(0, 100))}`),
    );
  });

  test('a scheme only counts at the start', () => {
    // A bare host:port with a path, not the scheme "x".
    expect(parseAddress('h:1/x://y')).toStrictEqual({ host: 'h', port: 1 });
  });
});

describe('describeAddress', () => {
  test('a name for errors and logs, defaults filled in', () => {
    expect(describeAddress({})).toBe(`beanstalk://127.0.0.1:${DEFAULT_PORT}`);
    expect(describeAddress({ host: 'h', port: 1 })).toBe('beanstalk://h:1');
    expect(describeAddress({ host: 'h', port: 1, tls: true })).toBe('beanstalks://h:1');
    expect(describeAddress({ host: 'h', port: 1, tls: {} })).toBe('beanstalks://h:1');
    expect(describeAddress({ host: 'h', tls: false })).toBe(`beanstalk://h:${DEFAULT_PORT}`);
    expect(describeAddress({ path: '/run/b.sock', host: 'ignored' })).toBe('unix:/run/b.sock');
    expect(describeAddress({ path: '' })).toBe('unix:');
  });
});

describe('readsIntoGivenBuffers: only TLS sockets hand out their own buffers', () => {
  test.each([
    [{}, true],
    [{ tls: false }, true],
    [{ tls: true }, false],
    [{ tls: {} }, false],
    [{ path: '/p', tls: true }, true],
    [{ path: '' }, true],
  ])('%j: %s', (address, expected) => {
    expect(readsIntoGivenBuffers(address)).toBe(expected);
  });
});

describe('openSocket, against a real beanstalkd', () => {
  const beanstalkd = useBeanstalkd();

  test('a plain socket reads into the buffer the reader chooses, and no other', async () => {
    const mine = Buffer.alloc(4096);
    const reads: Buffer[] = [];
    let text = '';
    let listed: () => void = () => undefined;
    const done = new Promise<void>((resolve) => (listed = resolve));
    const opened = openSocket(
      { host: '127.0.0.1', port: beanstalkd.server.port },
      {
        buffer: () => mine,
        read: (buffer, bytes) => {
          reads.push(buffer);
          text += buffer.toString('latin1', 0, bytes);
          if (text.includes('- default')) listed();
        },
      },
    );
    expect(opened.ready).toBe('connect');
    await once(opened.socket, 'connect');
    expect(opened.socket.remotePort).toBe(beanstalkd.server.port);
    opened.socket.write('list-tubes\r\n');
    await done;
    expect(text.startsWith('OK ')).toBe(true);
    expect(reads.every((buffer) => buffer === mine)).toBe(true);
    opened.socket.destroy();
  });

  test('no host: 127.0.0.1', async () => {
    const { socket } = openSocket(
      { port: beanstalkd.server.port },
      { buffer: () => Buffer.alloc(64), read: () => undefined },
    );
    await once(socket, 'connect');
    expect(socket.remoteAddress).toBe('127.0.0.1');
    socket.destroy();
  });

  test('a UNIX socket path', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rxbs-address-'));
    const server = await startBeanstalkd({ unixPath: path.join(dir, 'b.sock') });
    try {
      const got = listing({ path: server.unixPath, host: 'ignored.invalid' });
      expect(got.opened.ready).toBe('connect');
      await expect(got.text).resolves.toMatch(/^OK \d+\r\n---\n- default\n/);
      got.opened.socket.destroy();
    } finally {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('TLS with the given options (a trusted CA), read from its own buffers', async () => {
    const fixtures = path.join(__dirname, '..', 'fixtures');
    const terminator = createTlsServer(
      {
        key: readFileSync(path.join(fixtures, 'tls-key.pem')),
        cert: readFileSync(path.join(fixtures, 'tls-cert.pem')),
      },
      (secure) => {
        const plain = netConnect({ host: '127.0.0.1', port: beanstalkd.server.port });
        secure.pipe(plain).pipe(secure);
        secure.on('error', () => plain.destroy()).on('close', () => plain.destroy());
        plain.on('error', () => secure.destroy()).on('close', () => secure.destroy());
      },
    );
    await new Promise<void>((resolve) => terminator.listen(0, '127.0.0.1', resolve));
    const { port } = terminator.address() as { port: number };
    try {
      const trusted = listing({
        host: '127.0.0.1',
        port,
        tls: { ca: readFileSync(path.join(fixtures, 'tls-cert.pem')) },
      });
      expect(trusted.opened.ready).toBe('secureConnect');
      await expect(trusted.text).resolves.toMatch(/- default/);
      expect(trusted.reads.length).toBeGreaterThan(0);
      trusted.opened.socket.destroy();
      // tls: true uses the system's CAs, which do not know this certificate.
      const untrusted = listing({ host: '127.0.0.1', port, tls: true });
      await expect(untrusted.text).rejects.toThrow(/self[- ]signed|unable to verify|certificate/i);
    } finally {
      await new Promise<void>((resolve) => terminator.close(() => resolve()));
    }
  });
});

/** Opens a socket, sends list-tubes once it is ready, and collects the reply's text. */
function listing(address: Address) {
  const reads: Buffer[] = [];
  let text = '';
  let resolve!: (text: string) => void;
  let reject!: (error: Error) => void;
  const done = new Promise<string>((res, rej) => ((resolve = res), (reject = rej)));
  const opened = openSocket(address, {
    buffer: () => Buffer.alloc(4096),
    read: (buffer, bytes) => {
      reads.push(buffer);
      text += buffer.toString('latin1', 0, bytes);
      if (text.includes('- default')) resolve(text);
    },
  });
  const socket: Socket = opened.socket;
  socket.once(opened.ready, () => socket.write('list-tubes\r\n'));
  socket.on('error', reject);
  return { opened, text: done, reads };
}
