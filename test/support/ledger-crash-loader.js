/**
 * Lets a plain Node process run this project's TypeScript sources (decorators included), the way ts-jest
 * does for the tests: `node --import ./test/support/ledger-crash-loader.js some-file.ts`. Each `.ts`
 * module is transpiled on load (no type check; cached in the OS temp dir by content hash) and a
 * relative `./x.js` import resolves to `./x.ts`.
 * Used by test/ledger-crash.e2e-spec.ts to start a child process on the current sources (dist/ may be
 * stale when jest is run without `npm run build`).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { registerHooks } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, URL } from 'node:url';
import ts from 'typescript';

const compilerOptions = {
  module: ts.ModuleKind.ESNext,
  target: ts.ScriptTarget.ES2023,
  experimentalDecorators: true,
  emitDecoratorMetadata: true,
  useDefineForClassFields: false,
  esModuleInterop: true,
  isolatedModules: true,
  sourceMap: false,
  inlineSourceMap: true,
};

/** Transpiled modules by hash of (compiler, options, file, source): later children start faster. */
const cacheDir = join(tmpdir(), 'fixbazaar-ts-loader-cache');
mkdirSync(cacheDir, { recursive: true });

function transpile(fileName) {
  const source = readFileSync(fileName, 'utf8');
  const key = createHash('sha256')
    .update(`${ts.version}\0${JSON.stringify(compilerOptions)}\0${fileName}\0${source}`)
    .digest('hex');
  const cached = join(cacheDir, `${key}.js`);
  if (existsSync(cached)) return readFileSync(cached, 'utf8');
  const { outputText } = ts.transpileModule(source, { fileName, compilerOptions });
  // Write then rename: children running at once never read a half-written file.
  const partial = `${cached}.${process.pid}.tmp`;
  writeFileSync(partial, outputText);
  renameSync(partial, cached);
  return outputText;
}

registerHooks({
  resolve(specifier, context, nextResolve) {
    const parent = context.parentURL;
    if (
      parent !== undefined &&
      parent.endsWith('.ts') &&
      (specifier.startsWith('./') || specifier.startsWith('../')) &&
      specifier.endsWith('.js')
    ) {
      const candidate = new URL(`${specifier.slice(0, -3)}.ts`, parent);
      if (existsSync(fileURLToPath(candidate))) return { url: candidate.href, shortCircuit: true };
    }
    return nextResolve(specifier, context);
  },
  load(url, context, nextLoad) {
    if (url.startsWith('file:') && url.endsWith('.ts')) {
      return { format: 'module', source: transpile(fileURLToPath(url)), shortCircuit: true };
    }
    return nextLoad(url, context);
  },
});
