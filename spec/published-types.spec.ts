import path from 'node:path';
import ts from 'typescript';

// The declarations users get (emitted from the sources in memory, as the build does) must
// make commands awaitable with precise result types and still plain Observables to RxJS.
const root = path.join(__dirname, '..');
// Inside the project, so the declarations find rxjs in node_modules as an installed package would.
const out = path.join(root, 'virtual-dist');

const consumer = `
import { Beanstalk, work } from 'rx-beanstalk';
import type { Awaitable, HandlerContext, Job, ServerStats } from 'rx-beanstalk';
import { firstValueFrom, from, mergeMap, of } from 'rxjs';
type Is<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const yes = <T extends true>(): T | undefined => undefined;
export async function main(bs: Beanstalk, signal: AbortSignal): Promise<void> {
  const id = await bs.put('x');
  const peeked = await bs.peek(id);
  const blocking = await bs.watch('a').reserveOne({ signal });
  const timed = await bs.watch('a').reserveOne({ timeout: 1 });
  const deleted = await bs.delete(id);
  const first = await firstValueFrom(bs.tube('t').peekReady());
  const stats = of(1).pipe(mergeMap(() => bs.stats()));
  const tubes = from(bs.listTubes());
  const aborted = await bs.stats().result({ signal });
  yes<Is<typeof id, number>>();
  yes<Is<typeof peeked, Job | undefined>>();
  yes<Is<typeof blocking, Job>>();
  yes<Is<typeof timed, Job | undefined>>();
  yes<Is<typeof deleted, void>>();
  yes<Is<typeof first, Job>>();
  yes<Is<typeof stats, import('rxjs').Observable<ServerStats>>>();
  yes<Is<typeof tubes, import('rxjs').Observable<string[]>>>();
  yes<Is<typeof aborted, ServerStats>>();
  const command: Awaitable<number> = bs.tube('t').put('y');
  for await (const job of bs.watch('a').jobs({ concurrency: 2, signal })) {
    yes<Is<typeof job, Job>>();
    await job.release({ delay: 1 });
  }
  work({ client: bs, signal, tubes: { a: (job: Job, context: HandlerContext) => context.attempt + job.id } });
  void command;
}
`;

test('the emitted .d.ts give awaitable commands precise types, and RxJS still sees Observables', () => {
  const options: ts.CompilerOptions = {
    strict: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    skipLibCheck: true,
    types: ['node'],
    declaration: true,
    emitDeclarationOnly: true,
    rootDir: path.join(root, 'src'),
    outDir: out,
  };
  const emitted = new Map<string, string>();
  const emitHost = ts.createCompilerHost(options);
  emitHost.writeFile = (file, text) => emitted.set(path.resolve(file), text);
  const emit = ts.createProgram([path.join(root, 'src/index.ts')], options, emitHost).emit();
  expect(emit.diagnostics).toEqual([]);
  expect(emitted.get(path.resolve(out, 'index.d.ts'))).toBeDefined();

  const useOptions: ts.CompilerOptions = {
    ...options,
    declaration: false,
    emitDeclarationOnly: false,
    noEmit: true,
    rootDir: undefined,
    outDir: undefined,
    baseUrl: root,
    paths: { 'rx-beanstalk': [path.join(out, 'index.d.ts')] },
  };
  const consumerFile = path.join(root, 'spec/published-types-consumer.ts');
  const host = ts.createCompilerHost(useOptions);
  const read = host.readFile.bind(host);
  const exists = host.fileExists.bind(host);
  host.readFile = (file) => (file === consumerFile ? consumer : (emitted.get(path.resolve(file)) ?? read(file)));
  host.fileExists = (file) => file === consumerFile || emitted.has(path.resolve(file)) || exists(file);
  host.directoryExists = (dir) => path.resolve(dir).startsWith(out) || ts.sys.directoryExists(dir);
  const program = ts.createProgram([consumerFile], useOptions, host);
  const problems = ts
    .getPreEmitDiagnostics(program)
    .map((d) => `${d.file?.fileName ?? ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
  expect(problems).toEqual([]);
  // The consumer really read the emitted declarations, not the sources.
  expect(program.getSourceFiles().some((f) => f.fileName.startsWith(out))).toBe(true);
  expect(program.getSourceFiles().some((f) => f.fileName.startsWith(path.join(root, 'src')))).toBe(false);
}, 120000); // two whole programs: slow on a loaded machine
