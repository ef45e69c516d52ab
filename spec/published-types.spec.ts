import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';

// The declarations users get: made as `npm run build` makes them (scripts/build.js rolls
// them up per entry point), laid out as an installed package, and read by a strict user
// program (spec/fixtures/published-consumer.ts) as ESM and as CommonJS. TypeScript 7 and a
// real `npm pack` are checked by scripts/check-published-types.mjs (it needs the registry).
const root = path.join(__dirname, '..');
/** Names that belong to the library's insides, never to its published types. */
const INTERNALS =
  /putCommand|peekCommand|sendCommand|openLane|takeLane|giveLane|submit<|abandon\(|static from|errorForReply|ClientCore|class Lane\b|LanePool|LaneRun|JobHome|createJob|createTube|createPool|buildOrFail|withPooledLane|ServerLink|withClient|reportFailure|putTo|client\$|replyShapes|@internal/;

let dir: string;
let pkg: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'rx-beanstalk-published-'));
  pkg = path.join(dir, 'node_modules', 'rx-beanstalk');
  const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as Record<string, unknown>;
  const dists = ['esm', 'cjs'].map((kind) => path.join(pkg, 'dist', kind));
  for (const [i, dist] of dists.entries()) {
    mkdirSync(dist, { recursive: true });
    writeFileSync(path.join(dist, 'package.json'), JSON.stringify({ type: i === 0 ? 'module' : 'commonjs' }));
  }
  writeFileSync(path.join(pkg, 'package.json'), JSON.stringify(manifest));
  execFileSync(
    process.execPath,
    ['-e', "require('./scripts/build.js').buildDeclarations(process.argv.slice(1))", ...dists],
    { cwd: root, stdio: 'pipe' },
  );
  // What an install brings along: the peers, and Node's types.
  for (const dependency of ['rxjs', '@opentelemetry/api', '@types/node', 'undici-types']) {
    mkdirSync(path.dirname(path.join(dir, 'node_modules', dependency)), { recursive: true });
    symlinkSync(path.join(root, 'node_modules', dependency), path.join(dir, 'node_modules', dependency), 'dir');
  }
  const consumer = readFileSync(path.join(root, 'spec/fixtures/published-consumer.ts'), 'utf8');
  writeFileSync(path.join(dir, 'consumer.mts'), consumer);
  writeFileSync(path.join(dir, 'consumer.cts'), consumer);
}, 120000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function declarationFiles(folder: string): string[] {
  return readdirSync(folder, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.d.ts'))
    .sort();
}

test('one declaration file per entry point and module kind, and no internal name in any', () => {
  const files = declarationFiles(path.join(pkg, 'dist'));
  const entries = ['index.d.ts', 'otel/index.d.ts', 'testing/index.d.ts'];
  expect(files).toEqual([...entries.map((e) => `cjs/${e}`), ...entries.map((e) => `esm/${e}`)].sort());
  const leaks = files.flatMap((file) =>
    readFileSync(path.join(pkg, 'dist', file), 'utf8')
      .split('\n')
      .filter((line) => INTERNALS.test(line))
      .map((line) => `${file}: ${line.trim()}`),
  );
  expect(leaks).toEqual([]);
  // The otel entry refers to the main entry's classes instead of carrying copies.
  const otel = readFileSync(path.join(pkg, 'dist/esm/otel/index.d.ts'), 'utf8');
  expect(otel).toMatch(/from 'rx-beanstalk'/);
  expect(otel).not.toMatch(/declare class Beanstalk\b/);
});

test('every "types" path in package.json exists in the published layout', () => {
  const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
    types: string;
    exports: Record<string, string | Record<string, { types: string }>>;
  };
  const paths = [manifest.types];
  for (const conditions of Object.values(manifest.exports)) {
    if (typeof conditions === 'object') paths.push(...Object.values(conditions).map((c) => c.types));
  }
  const files = new Set(declarationFiles(path.join(pkg, 'dist')).map((file) => `./dist/${file}`));
  expect(paths.length).toBe(7);
  expect(paths.filter((p) => !files.has(p))).toEqual([]);
});

test('a strict program compiles against them as ESM and as CommonJS, and sees no internal', () => {
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    types: ['node'],
    skipLibCheck: false, // the published declarations themselves are checked too
  };
  const files = ['consumer.mts', 'consumer.cts'].map((file) => path.join(dir, file));
  const program = ts.createProgram(files, options);
  const problems = ts
    .getPreEmitDiagnostics(program)
    .map((d) => `${d.file?.fileName ?? ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
  expect(problems).toEqual([]);
  const read = program.getSourceFiles().map((file) => path.relative(pkg, file.fileName));
  // ESM read the ESM declarations and CommonJS the CommonJS ones, each entry point's own file.
  for (const kind of ['esm', 'cjs']) {
    for (const entry of ['index.d.ts', 'otel/index.d.ts', 'testing/index.d.ts']) {
      expect(read).toContain(path.join('dist', kind, entry));
    }
  }
  // Not one of the library's sources was read: only what the package ships.
  const sources = path.join(root, 'src') + path.sep;
  expect(program.getSourceFiles().filter((file) => path.resolve(file.fileName).startsWith(sources))).toEqual([]);
}, 120000); // a whole program, @types/node included: slow on a loaded machine
