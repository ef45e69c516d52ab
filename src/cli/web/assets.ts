import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One file the page is made of, held in memory. */
export interface Asset {
  readonly type: string;
  readonly body: Buffer;
}

/** The page's files, by the path they are served at. The build copies `assets/` next to this module. */
const FILES = {
  '/': ['index.html', 'text/html; charset=utf-8'],
  '/console.js': ['console.js', 'text/javascript; charset=utf-8'],
  '/console.css': ['console.css', 'text/css; charset=utf-8'],
} as const;

/** Where the page stands in the package: `assets/` beside this module, in src/ and in both dist/ builds. */
export function defaultAssetDir(): string {
  if (typeof __dirname === 'string') return join(__dirname, 'assets');
  // The ESM build has no __dirname, and `import.meta` cannot be written in the CommonJS
  // build: the first frame of a stack names this module's own file URL.
  const url = /(file:\/\/[^\s)]+?):\d+:\d+/.exec(new Error().stack ?? '')?.[1];
  if (url === undefined) throw new Error('cannot locate the web console assets: pass assetDir');
  return join(dirname(fileURLToPath(url)), 'assets');
}

/** Reads the page's files once, at start. */
export function loadAssets(dir: string = defaultAssetDir()): ReadonlyMap<string, Asset> {
  return new Map(
    Object.entries(FILES).map(([path, [file, type]]) => [path, { type, body: readFileSync(join(dir, file)) }]),
  );
}
