// Checks the package as users install it: builds it, packs it with `npm pack`, installs the
// tarball with rxjs, @opentelemetry/api and @types/node in a temporary folder, and compiles
// spec/fixtures/published-consumer.ts as ESM (.mts) and CommonJS (.cts), strict, with
// TypeScript 7 (the registry's latest 7.x) and TypeScript 5. Needs the npm registry (or
// those packages in the npm cache). Usage: node scripts/check-published-types.mjs
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const run = (command, args, cwd) => execFileSync(command, args, { cwd, encoding: 'utf8', stdio: 'pipe' });

const dir = mkdtempSync(path.join(os.tmpdir(), 'rx-beanstalk-pack-'));
let failed = false;
try {
  run(process.execPath, ['scripts/build.js'], root);
  const [packed] = JSON.parse(run(npm, ['pack', '--json', '--pack-destination', dir], root));
  const declarations = packed.files.map((file) => file.path).filter((file) => file.endsWith('.d.ts'));
  console.log(`packed ${packed.filename}: ${declarations.length} declaration files (${declarations.join(', ')})`);
  if (declarations.length !== 6) {
    console.error('expected one declaration file per entry point (3) and module kind (2)');
    failed = true;
  }

  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
  const install = ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'];
  const packages = ['rxjs@7', '@opentelemetry/api@1', '@types/node@20', 'typescript@7', 'ts5@npm:typescript@5'];
  run(npm, [...install, path.join(dir, packed.filename), ...packages], dir);
  const consumer = path.join(root, 'spec/fixtures/published-consumer.ts');
  copyFileSync(consumer, path.join(dir, 'consumer.mts'));
  copyFileSync(consumer, path.join(dir, 'consumer.cts'));
  const compilerOptions = {
    strict: true,
    noEmit: true,
    target: 'es2022',
    module: 'nodenext',
    moduleResolution: 'nodenext',
    types: ['node'],
    skipLibCheck: false,
  };
  writeFileSync(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify({ compilerOptions, files: ['consumer.mts', 'consumer.cts'] }),
  );

  for (const typescript of ['typescript', 'ts5']) {
    const tsc = path.join(dir, 'node_modules', typescript, 'bin', 'tsc');
    const version = run(process.execPath, [tsc, '--version'], dir).trim();
    try {
      run(process.execPath, [tsc, '-p', 'tsconfig.json'], dir);
      console.log(`${version}: the consumer compiles as ESM and CommonJS (strict)`);
    } catch (error) {
      failed = true;
      console.error(`${version}: the consumer does not compile\n${error.stdout}${error.stderr}`);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
