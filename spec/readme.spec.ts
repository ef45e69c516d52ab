import { readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { useBeanstalkd } from './helpers/setup.js';

// The README's TypeScript examples are type-checked against the sources, and the usage
// example is run against a real beanstalkd, so the documentation cannot rot.
const root = path.join(__dirname, '..');
const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]);
const compiled = blocks.filter((code) => code.includes("from 'rx-beanstalk'"));
// The usage example is the block that exports `main(url)`, wherever it stands.
const usage = compiled.find((code) => code.includes('export async function main(url: string)')) ?? '';

function typeCheck(files: Record<string, string>): string[] {
  const options: ts.CompilerOptions = {
    strict: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    esModuleInterop: true,
    skipLibCheck: true,
    noEmit: true,
    types: ['node'],
    baseUrl: root,
    paths: { 'rx-beanstalk': ['src/index.ts'], 'rx-beanstalk/otel': ['src/otel/index.ts'] },
  };
  const host = ts.createCompilerHost(options);
  const read = host.readFile.bind(host);
  host.readFile = (file) => files[file] ?? read(file);
  const exists = host.fileExists.bind(host);
  host.fileExists = (file) => file in files || exists(file);
  const program = ts.createProgram(Object.keys(files), options, host);
  return ts
    .getPreEmitDiagnostics(program)
    .map((d) => `${d.file?.fileName ?? ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
}

describe('README', () => {
  const ctx = useBeanstalkd();

  test('has TypeScript examples that import the library', () => {
    expect(compiled.length).toBeGreaterThanOrEqual(2);
  });

  test('every example type-checks against the sources', () => {
    const files = Object.fromEntries(compiled.map((code, i) => [path.join(root, `spec/readme-example-${i}.ts`), code]));
    expect(typeCheck(files)).toEqual([]);
  });

  test('the usage example runs against a real beanstalkd', async () => {
    const source = usage;
    expect(source).not.toBe('');
    const js = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    }).outputText;
    const module = { exports: {} as { main?: (url: string) => Promise<string[]> } };
    // The README's code runs as the module a user would write, with the package mapped to the sources.
    /* eslint-disable @typescript-eslint/no-require-imports, @typescript-eslint/no-implied-eval, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return */
    const requireMapped = (id: string) => (id === 'rx-beanstalk' ? require('../src/index') : require(id));
    new Function('require', 'module', 'exports', js)(requireMapped, module, module.exports);
    /* eslint-enable @typescript-eslint/no-require-imports, @typescript-eslint/no-implied-eval, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return */
    expect(await module.exports.main?.(ctx.server.url)).toEqual([
      'sent to ada@example.com',
      'sent to alan@example.com',
    ]);
  });
});
