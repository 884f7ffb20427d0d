import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import Module, { createRequire, SourceMap } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';

/**
 * Loads a function's bundle as `require` would, with V8's code cache taken
 * *after* the bundle ran and served a first request (`<bundle>.v8cache`,
 * written by the build, scripts/take-code-cache.js). Node's compile cache
 * keeps only what V8 compiles before a module's first statement; V8 compiles
 * most functions lazily, on their first call, so the bundle's module wrappers,
 * everything its load calls and everything a first request runs were compiled
 * anew on every cold start (docs/performance.md).
 *
 * V8 checks a cache against its source's length only: a cache from another
 * build of a bundle of the same length would be accepted and run that
 * build's code. So each bundle ends with its id (a hash of its content,
 * scripts/bundle-functions.js), each cache begins with the id it was taken
 * from, and a cache for another id is not used. A cache V8 refuses (another
 * Node) is ignored and the bundle compiled as usual.
 *
 * NODE_DEBUG=bundle says on stderr whether the cache was used.
 *
 * With `takeCodeCache` (the build, scripts/take-code-cache.js) no cache is
 * read, and the caller saves one with `saveCodeCache()` once the bundle has
 * run as far as it can: V8 caches what it has compiled by then.
 */
export function loadBundle(file: string, { takeCodeCache = false } = {}): { saveCodeCache(): void } {
  const cacheFile = `${file}.v8cache`;
  const code = readFileSync(file, 'utf8');
  const id = bundleIdOf(code);
  let cachedData: Buffer | undefined;
  let state = 'absent';
  if (!takeCodeCache && id) {
    try {
      const cache = readFileSync(cacheFile);
      if (cache.subarray(0, id.length + 1).toString('latin1') === `${id}\n`) cachedData = cache.subarray(id.length + 1);
      else state = 'stale (another build)';
    } catch {
      // Built without one: compiled as usual.
    }
  }
  // CommonJS's own wrapper, on a line of its own: lineOffset keeps the bundle's line numbers its own.
  const source = `(function (exports, require, module, __filename, __dirname) {\n${code}\n});`;
  const script = new vm.Script(source, { filename: file, lineOffset: -1, cachedData });
  if (!takeCodeCache && /\bbundle\b/.test(process.env.NODE_DEBUG ?? '')) {
    if (cachedData) state = script.cachedDataRejected ? 'rejected' : 'accepted';
    process.stderr.write(`bundle: ${path.relative(process.cwd(), file)} code cache ${state}\n`);
  }
  const bundle = new Module(file);
  bundle.filename = file;
  // Registered as require registers a module, so a require of the bundle's own path finds it.
  (Module as unknown as { _cache: Record<string, Module> })._cache[file] = bundle;
  mapStackTraces(file);
  const run = script.runInThisContext() as (...args: unknown[]) => void;
  run.call(bundle.exports, bundle.exports, createRequire(file), bundle, file, path.dirname(file));
  bundle.loaded = true;
  return {
    saveCodeCache() {
      if (!id) throw new Error(`${file} has no bundle id: only scripts/bundle-functions.js's bundles get a code cache`);
      // Renamed into place: a cold start never reads half a cache.
      const partial = `${cacheFile}.${process.pid}.partial`;
      writeFileSync(partial, Buffer.concat([Buffer.from(`${id}\n`, 'latin1'), script.createCachedData()]));
      renameSync(partial, cacheFile);
    },
  };
}

/** The id a bundle ends with (`//# bundleId=<hex>`, scripts/bundle-functions.js), if it has one. */
function bundleIdOf(code: string): string | undefined {
  return /\/\/# bundleId=([0-9a-f]{16,64})\n?$/.exec(code.slice(-100))?.[1];
}

/**
 * Stack traces in TypeScript files and lines. Node maps stacks only for the
 * modules its own loader compiled, not for a vm script, so frames of the
 * bundle are mapped here from `<bundle>.map`, read the first time a stack
 * is formatted (a cold start reads none).
 */
function mapStackTraces(file: string): void {
  let map: SourceMap | null | undefined;
  const sourceMap = () => {
    if (map === undefined) {
      try {
        map = new SourceMap(JSON.parse(readFileSync(`${file}.map`, 'utf8')));
      } catch {
        map = null;
      }
    }
    return map;
  };
  const original = (frame: NodeJS.CallSite): string | undefined => {
    const line = frame.getLineNumber();
    const column = frame.getColumnNumber();
    if (frame.getFileName() !== file || line === null || column === null) return undefined;
    const entry = sourceMap()?.findEntry(line - 1, column - 1);
    if (!entry || !('originalSource' in entry) || !entry.originalSource) return undefined;
    const where = `${path.resolve(path.dirname(file), entry.originalSource)}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
    const name = frame.getFunctionName() ?? frame.getMethodName();
    return name ? `${frame.isConstructor() ? 'new ' : ''}${name} (${where})` : where;
  };
  Error.prepareStackTrace = (error: unknown, frames: NodeJS.CallSite[]) => {
    let header: string;
    try {
      header = Error.prototype.toString.call(error);
    } catch {
      header = 'Error';
    }
    return [header, ...frames.map((frame) => `    at ${original(frame) ?? frame.toString()}`)].join('\n');
  };
}
