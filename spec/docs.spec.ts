import { execFile } from 'node:child_process';
import path from 'node:path';

// Every public symbol has a doc comment: TypeDoc's own validation (typedoc.json: notDocumented,
// notExported, invalidLink) over the package's entry points, with warnings as errors.
// The same check as `npm run docs:check`; it writes nothing.
test('TypeDoc finds a doc comment on every public symbol and no broken reference', async () => {
  const root = path.join(__dirname, '..');
  const typedoc = path.join(root, 'node_modules', 'typedoc', 'bin', 'typedoc'); // the package exports no bin path
  const run = await new Promise<{ code: number; output: string }>((resolve) => {
    execFile(
      process.execPath,
      [typedoc, '--emit', 'none', '--treatValidationWarningsAsErrors'],
      { cwd: root, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, output: stdout + stderr }),
    );
  });
  // On failure the output names each symbol without a doc comment.
  expect(
    run.output.split('\n').filter((line) => /warning|error/i.test(line) && !/Found 0 errors and 0 warnings/.test(line)),
  ).toEqual([]);
  expect(run.code).toBe(0);
}, 180000);
