import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { EMPTY, firstValueFrom, lastValueFrom } from 'rxjs';
import type { Observer } from 'rxjs';
import { useBeanstalkd, freshTube } from '../helpers/setup.js';

type Library = typeof import('../../src/index.js');

/** Every .ts file under `dir`. */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('@opentelemetry/api is optional', () => {
  const ctx = useBeanstalkd();

  test('only src/otel imports it', () => {
    const root = join(__dirname, '../../src');
    const importers = sources(root).filter((file) => /from '@opentelemetry\//.test(readFileSync(file, 'utf8')));
    expect(importers.length).toBeGreaterThan(0);
    for (const file of importers) expect(file.startsWith(join(root, 'otel'))).toBe(true);
  });

  test('without it installed the library loads and works; only rx-beanstalk/otel fails to load', async () => {
    let library: Library | undefined;
    let otelError: unknown;
    jest.isolateModules(() => {
      jest.doMock('@opentelemetry/api', () => {
        throw new Error("Cannot find module '@opentelemetry/api'");
      });
      library = jest.requireActual<Library>('../../src/index');
      try {
        jest.requireActual('../../src/otel/index');
      } catch (error) {
        otelError = error;
      }
      jest.dontMock('@opentelemetry/api');
    });
    expect(String(otelError)).toContain("Cannot find module '@opentelemetry/api'");
    const bs = library!.Beanstalk.connect(ctx.server.url);
    try {
      const tube = freshTube('no-otel');
      const id = await firstValueFrom(bs.tube(tube).put('still works'));
      const job = await firstValueFrom(bs.watch(tube).reserveOne({ timeout: 1 }));
      expect(job.id).toBe(id);
      await lastValueFrom(job.delete(), { defaultValue: undefined });
    } finally {
      await bs.close();
    }
  });

  test('with the API but no SDK registered, the hooks hand back what they were given', async () => {
    const { Beanstalk, work } = await import('../../src/index.js');
    const { openTelemetry } = await import('../../src/otel/index.js');
    const telemetry = openTelemetry();
    const bs = Beanstalk.connect(ctx.server.url, { telemetry });
    try {
      const sink: Observer<number> = { next: () => undefined, error: () => undefined, complete: () => undefined };
      const observer = telemetry.client!(bs, { host: '127.0.0.1', port: ctx.server.port })!;
      expect(observer.command({ line: 'put 0 0 60 1', body: Buffer.from('x'), options: { use: 't' } }, sink, 'c')).toBe(
        sink,
      );
      expect(observer.command({ line: 'delete 1', body: undefined, options: {} }, sink, 'c')).toBe(sink);
      const job = { id: 1, body: Buffer.alloc(0) } as never;
      expect(telemetry.processJob!('t', job, EMPTY)).toBe(EMPTY);
      // And the instrumented client works as ever.
      const tube = freshTube('no-sdk');
      await firstValueFrom(bs.tube(tube).put('x'));
      const events = work({ client: bs, tubes: { [tube]: () => 'ok' } });
      const first = await firstValueFrom(events);
      expect(first.type).toBe('reserved');
    } finally {
      await bs.close();
    }
  });
});
