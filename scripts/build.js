// Builds dist/esm and dist/cjs from the same sources, each with its own
// package.json so Node picks the right module format inside each folder.
const { execFileSync } = require('node:child_process');
const { cpSync, rmSync, writeFileSync } = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const tsc = require.resolve('typescript/bin/tsc');
const builds = [
  { dir: 'dist/esm', type: 'module', args: ['--module', 'ES2022', '--moduleResolution', 'bundler'] },
  { dir: 'dist/cjs', type: 'commonjs', args: ['--module', 'commonjs', '--moduleResolution', 'node10'] },
];

rmSync(path.join(root, 'dist'), { recursive: true, force: true });
for (const { dir, type, args } of builds) {
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', dir, ...args], {
    cwd: root,
    stdio: 'inherit',
  });
  writeFileSync(path.join(root, dir, 'package.json'), JSON.stringify({ type }) + '\n');
  // The web console's page is plain files, served as they are: tsc does not copy them.
  cpSync(path.join(root, 'src/cli/web/assets'), path.join(root, dir, 'cli/web/assets'), { recursive: true });
}
