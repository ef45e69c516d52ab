import { readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { Beanstalk } from '../../src/index.js';
import { within } from '../helpers/bounded.js';
import { rawJobStats } from '../helpers/raw.js';
import { useBeanstalkd } from '../helpers/setup.js';
import { eventually } from '../support/raw-socket.js';

// The README's "Without RxJS" example, run as a user would: awaited commands, a for-await
// loop, and SIGTERM through an AbortController. Its tube ("emails") is this file's own server.
const readme = readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
const block = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)]
  .map((match) => match[1])
  .find((code) => code.includes('export async function consume'));

interface Example {
  produce(bs: Beanstalk): Promise<number>;
  consume(bs: Beanstalk, handle: (email: unknown) => Promise<void>): Promise<void>;
}

function load(): Example {
  if (!block) throw new Error('README has no consume() example');
  const js = ts.transpileModule(block, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
  }).outputText;
  const module = { exports: {} as Example };
  /* eslint-disable @typescript-eslint/no-require-imports, @typescript-eslint/no-implied-eval, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return */
  const requireMapped = (id: string) => (id === 'rx-beanstalk' ? require('../../src/index') : require(id));
  new Function('require', 'module', 'exports', 'process', js)(requireMapped, module, module.exports, process);
  /* eslint-enable @typescript-eslint/no-require-imports, @typescript-eslint/no-implied-eval, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return */
  return module.exports;
}

describe('README: without RxJS', () => {
  const ctx = useBeanstalkd();

  test('produce() puts once per await; consume() works jobs until SIGTERM, then leaves nothing reserved', async () => {
    const example = load();
    const bs = Beanstalk.connect(ctx.server.url);
    const first = await example.produce(bs);
    const second = await example.produce(bs);
    expect(second).toBe(first); // peekReady finds the oldest (same priority): the first put
    const failing = await bs.tube('emails').putJson({ to: 'fail@example.com' });

    const handled: unknown[] = [];
    const consumer = Beanstalk.connect(ctx.server.url);
    const done = example.consume(consumer, (email) => {
      handled.push(email);
      const sent = !(email as { to: string }).to.startsWith('fail');
      return sent ? Promise.resolve() : Promise.reject(new Error('cannot send'));
    });
    await eventually(() => handled.length === 3, 5000, 'three jobs handled');
    process.emit('SIGTERM');
    await within(done, 3000, 'consume() returns after SIGTERM');

    expect(consumer.closed).toBe(true);
    expect(await rawJobStats(ctx.server.port, first)).toBeUndefined();
    expect(await rawJobStats(ctx.server.port, failing)).toMatchObject({ state: 'delayed', releases: '1' });
    const tube = await bs.tube('emails').stats();
    expect(tube).toMatchObject({ currentJobsReserved: 0, currentJobsReady: 0, currentWatching: 0 });
    await bs.close();
  });
});
