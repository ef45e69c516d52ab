// Builds dist/esm and dist/cjs from the same sources, each with its own
// package.json so Node picks the right module format inside each folder.
// Declarations are rolled up per entry point (`.`, `./testing`, `./otel`): one .d.ts
// file each, holding only what that entry exports, so no internal module ships a
// declaration and nothing unexported (lanes, connections, command plumbing) is visible.
const { execFileSync } = require('node:child_process');
const { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.join(__dirname, '..');
const tsc = require.resolve('typescript/bin/tsc');
const builds = [
  { dir: 'dist/esm', type: 'module', args: ['--module', 'ES2022', '--moduleResolution', 'bundler'] },
  { dir: 'dist/cjs', type: 'commonjs', args: ['--module', 'commonjs', '--moduleResolution', 'node10'] },
];
/** The package's entry points (package.json "exports") and the source each starts from. */
const entries = ['index', 'testing/index', 'otel/index'];
/** Imports left as they are in the rolled-up declarations: peers, Node, and the package's own main entry. */
const external = (id) => /^(rxjs|@opentelemetry\/api|rx-beanstalk|node:)/.test(id) || !/^[./]/.test(id);

function runTsc(args) {
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', ...args], { cwd: root, stdio: 'inherit' });
}

/**
 * Emits declarations without anything marked `@internal`, then rolls each entry point's
 * up into one file and writes it to every folder of `outDirs` (the same text serves ESM
 * and CommonJS: each folder's package.json tells TypeScript which one it is).
 */
async function buildDeclarations(outDirs) {
  const { rollup } = require('rollup');
  const { dts } = require('rollup-plugin-dts');
  // Outside node_modules: rollup-plugin-dts leaves whatever lies in node_modules external.
  const emitted = mkdtempSync(path.join(os.tmpdir(), 'rx-beanstalk-declarations-'));
  try {
    runTsc(['--outDir', emitted, '--emitDeclarationOnly', '--declaration', '--stripInternal', '--sourceMap', 'false']);
    for (const entry of entries) {
      const bundle = await rollup({
        input: path.join(emitted, `${entry}.d.ts`),
        plugins: [dts({ respectExternal: false })],
        external,
        onwarn: (warning) => {
          throw new Error(`rolling up ${entry}.d.ts: ${warning.message}`);
        },
      });
      const { output } = await bundle.generate({ format: 'es' });
      await bundle.close();
      if (output.length !== 1) throw new Error(`${entry}.d.ts rolled up into ${output.length} files, not one`);
      for (const dir of outDirs) {
        mkdirSync(path.dirname(path.join(dir, `${entry}.d.ts`)), { recursive: true });
        writeFileSync(path.join(dir, `${entry}.d.ts`), output[0].code);
      }
    }
  } finally {
    rmSync(emitted, { recursive: true, force: true });
  }
}

async function build() {
  rmSync(path.join(root, 'dist'), { recursive: true, force: true });
  for (const { dir, type, args } of builds) {
    runTsc(['--outDir', dir, '--declaration', 'false', ...args]);
    writeFileSync(path.join(root, dir, 'package.json'), JSON.stringify({ type }) + '\n');
    // The web console's page is plain files, served as they are: tsc does not copy them.
    cpSync(path.join(root, 'src/cli/web/assets'), path.join(root, dir, 'cli/web/assets'), { recursive: true });
  }
  await buildDeclarations(builds.map(({ dir }) => path.join(root, dir)));
}

module.exports = { buildDeclarations, entries };

if (require.main === module) {
  build().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
