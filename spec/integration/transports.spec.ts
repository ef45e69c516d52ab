import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createServer } from 'node:tls';
import type { Server } from 'node:tls';
import { firstValueFrom } from 'rxjs';
import { Beanstalk } from '../../src/index.js';
import { startBeanstalkd } from '../../src/testing/index.js';
import type { RunningBeanstalkd } from '../../src/testing/index.js';
import { maybe, useBeanstalkd } from '../helpers/setup.js';

const fixtures = path.join(__dirname, '..', 'fixtures');

describe('transports', () => {
  describe('UNIX socket (beanstalkd -l unix:/path)', () => {
    let dir: string;
    let server: RunningBeanstalkd;
    beforeAll(async () => {
      dir = mkdtempSync(path.join(tmpdir(), 'rxb-'));
      server = await startBeanstalkd({ unixPath: path.join(dir, 'beanstalkd.sock') });
    });
    afterAll(async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    test('put, reserve and delete over a unix: URL', async () => {
      expect(server.url).toMatch(/^unix:\//);
      const bs = Beanstalk.connect(server.url);
      const id = await firstValueFrom(bs.tube('sock').put('over a socket file'));
      const job = await firstValueFrom(bs.watch('sock').reserveOne({ timeout: 1 }));
      expect(job.id).toBe(id);
      expect(job.text()).toBe('over a socket file');
      await firstValueFrom(job.delete());
      expect(await maybe(bs.peek(id))).toBeUndefined();
      await bs.close();
    });
  });

  describe('TLS (beanstalks://) through a TLS terminator', () => {
    const ctx = useBeanstalkd();
    let terminator: Server;
    let port: number;
    beforeAll(async () => {
      // A loopback TLS terminator in front of the plain beanstalkd, as in production setups.
      terminator = createServer(
        {
          key: readFileSync(path.join(fixtures, 'tls-key.pem')),
          cert: readFileSync(path.join(fixtures, 'tls-cert.pem')),
        },
        (secure) => {
          const plain = connect({ host: '127.0.0.1', port: ctx.server.port });
          secure.pipe(plain).pipe(secure);
          const close = () => {
            secure.destroy();
            plain.destroy();
          };
          secure.on('error', close).on('close', close);
          plain.on('error', close).on('close', close);
        },
      );
      await new Promise<void>((resolve) => terminator.listen(0, '127.0.0.1', resolve));
      port = (terminator.address() as { port: number }).port;
    });
    afterAll(() => new Promise<void>((resolve) => terminator.close(() => resolve())));

    test('commands and lanes work over TLS with a trusted CA', async () => {
      const bs = Beanstalk.connect(`beanstalks://127.0.0.1:${port}`, {
        tls: { ca: readFileSync(path.join(fixtures, 'tls-cert.pem')) },
      });
      const id = await firstValueFrom(bs.tube('tls').put('secret'));
      const job = await firstValueFrom(bs.watch('tls').reserveOne({ timeout: 1 }));
      expect(job.id).toBe(id);
      expect(job.text()).toBe('secret');
      await firstValueFrom(job.delete());
      await bs.close();
    });

    test('an untrusted certificate is refused: the command fails, nothing is sent in clear', async () => {
      const bs = Beanstalk.connect(`beanstalks://127.0.0.1:${port}`, { reconnect: false });
      await expect(firstValueFrom(bs.put('x'))).rejects.toMatchObject({ name: 'ConnectionError' });
      await bs.close();
    });
  });
});
