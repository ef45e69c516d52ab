import { execFile } from 'node:child_process';
import path from 'node:path';

// The package as users install it: `npm pack`, installed with its peers in a temporary
// folder, compiled by TypeScript 7 and TypeScript 5 as ESM and CommonJS (strict). The
// packages come from the npm cache when they are there (--prefer-offline), else from the
// registry. It rebuilds dist/ as `npm run build` does.
test('the packed package compiles for a strict consumer with TypeScript 7 and 5, ESM and CommonJS', async () => {
  const root = path.join(__dirname, '..');
  const run = await new Promise<{ code: number; output: string }>((resolve) => {
    execFile(
      process.execPath,
      ['scripts/check-published-types.mjs'],
      { cwd: root, env: { ...process.env, NO_COLOR: '1' } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, output: stdout + stderr }),
    );
  });
  // On failure the output has the compiler's errors.
  expect(run.output).toMatch(/6 declaration files/);
  expect(run.output).toMatch(/Version 7\.\d+\.\d+: the consumer compiles as ESM and CommonJS/);
  expect(run.output).toMatch(/Version 5\.\d+\.\d+: the consumer compiles as ESM and CommonJS/);
  expect(run.code).toBe(0);
}, 300000);
