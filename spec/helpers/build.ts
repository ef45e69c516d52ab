import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';

const root = path.join(__dirname, '..', '..');

/**
 * Compiles the library as `npm run build` does for dist/cjs, into a folder of its own under
 * node_modules/.cache (so `rxjs` resolves, and specs running at once never share a build).
 * Returns the folder and a function that removes it.
 */
export function buildCjs(): { dir: string; remove(): void } {
  const cache = path.join(root, 'node_modules', '.cache');
  mkdirSync(cache, { recursive: true });
  const dir = mkdtempSync(path.join(cache, 'spec-build-'));
  const tsc = require.resolve('typescript/bin/tsc');
  const args = ['-p', 'tsconfig.build.json', '--outDir', dir, '--module', 'commonjs', '--moduleResolution', 'node10'];
  execFileSync(process.execPath, [tsc, ...args, '--declaration', 'false', '--sourceMap', 'false'], { cwd: root });
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
