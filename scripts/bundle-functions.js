// Part of `npm run build`: one esbuild bundle per deployed function, dist/bundles/<name>/index.cjs,
// and the entry Cloud Run starts, dist/bundles/main.cjs, which loads only the target's bundle.
// A cold instance then reads one file of its own code instead of hundreds (docs/performance.md).
const { createHash } = require('node:crypto');
const { mkdirSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const path = require('node:path');
const esbuild = require('esbuild');

const root = path.resolve(__dirname, '..');
const out = path.join(root, 'dist/bundles');

// Left out of every bundle and required from node_modules at run time (docs/performance.md says why):
const EXTERNAL = [
  // The framework keeps the registry of functions in its own module: ours must register in that one.
  '@google-cloud/functions-framework',
  // Reads its protos' JSON from its own folder at run time (google-gax); loaded only with a *_VERSION secret.
  '@google-cloud/secret-manager',
  // Its files are served from its folder (functions/docs/swagger-ui.ts).
  'swagger-ui-dist',
  // Prisma's client loads its WebAssembly query compiler from a file; no function loads Prisma.
  '@prisma/*',
];

/**
 * The registry names every function's handler (`require('./<name>/handler')`, called on first use):
 * in a function's bundle, the others' become a module that throws if it is ever required,
 * so their code (and the libraries only they use) is not in it.
 */
function onlyThisFunction(name) {
  return {
    name: 'only-this-function',
    setup(build) {
      build.onResolve({ filter: /^\.\/[a-z0-9-]+\/handler$/ }, (args) => {
        if (!args.importer.endsWith(path.join('functions', 'registry.ts'))) return undefined;
        const other = args.path.split('/')[1];
        return other === name ? undefined : { path: other, namespace: 'another-function' };
      });
      build.onLoad({ filter: /.*/, namespace: 'another-function' }, (args) => ({
        contents: `throw new Error(${JSON.stringify(`${args.path} is not in the ${name} bundle`)});`,
        loader: 'js',
      }));
    },
  };
}

/**
 * `@google-cloud/cloud-sql-connector` (1.12+) requires its SQL_DATA tunnel client at load, and with it
 * `@google-cloud/sql` and gRPC: ~530 ms of CPU on a cold instance's first database request, for a
 * Developer-edition tunnel this project never opens. Its one class becomes one that says so if constructed.
 */
const withoutCloudSqlDataTunnel = {
  name: 'without-cloud-sql-data-tunnel',
  setup(build) {
    build.onResolve({ filter: /^\.\/sql-data-client$/ }, (args) =>
      args.importer.includes(`${path.sep}@google-cloud${path.sep}cloud-sql-connector${path.sep}`)
        ? { path: 'sql-data-client', namespace: 'unused-tunnel' }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'unused-tunnel' }, () => ({
      contents:
        'exports.SqlDataClient = class SqlDataClient { constructor() { ' +
        "throw new Error('the Cloud SQL data tunnel (SQL_DATA) is left out of this bundle (scripts/bundle-functions.js)'); } };",
      loader: 'js',
    }));
  },
};

/**
 * jsonwebtoken asks semver at load whether this Node has three features (RSA-PSS, key details),
 * which loads 47 modules of semver (~5 ms of a cold start). Every Node this project runs on
 * (package.json engines, shared/config/node-version) has all three: the answers are written in.
 */
const JSONWEBTOKEN_NODE_CHECKS = ['psSupported', 'asymmetricKeyDetailsSupported', 'rsaPssKeyDetailsSupported'];
const jsonwebtokenWithoutSemver = {
  name: 'jsonwebtoken-without-semver',
  setup(build) {
    const filter = new RegExp(`^\\./(?:lib/)?(${JSONWEBTOKEN_NODE_CHECKS.join('|')})$`);
    build.onResolve({ filter }, (args) =>
      args.importer.includes(`${path.sep}jsonwebtoken${path.sep}`) ? { path: args.path, namespace: 'node-24-has-it' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'node-24-has-it' }, () => ({ contents: 'module.exports = true;', loader: 'js' }));
  },
};

const common = {
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'cjs',
  external: EXTERNAL,
  // Readable names in stack traces: whitespace and syntax minified, identifiers kept.
  minifyWhitespace: true,
  minifySyntax: true,
  // Error Reporting shows TypeScript lines (functions/load-bundle.ts maps the bundle's frames with it).
  sourcemap: 'linked',
  sourcesContent: false,
  legalComments: 'none',
  logLevel: 'warning',
  // The dynamic requires of the framework's own files (shared/http/framework-hooks.ts) stay requires.
  logOverride: { 'unsupported-require-call': 'silent', 'unsupported-dynamic-import': 'silent' },
  // import() becomes a require in a promise: a bundle runs as a vm script (functions/load-bundle.ts),
  // whose import() would need Node's experimental loader option, and everything imported is CommonJS.
  supported: { 'dynamic-import': false },
};

/** esbuild's options for one function's bundle. */
function functionBundle(name) {
  return {
    ...common,
    entryPoints: [path.join(root, 'functions/index.ts')],
    outfile: path.join(out, name, 'index.cjs'),
    plugins: [onlyThisFunction(name), withoutCloudSqlDataTunnel, jsonwebtokenWithoutSemver],
  };
}

/**
 * A bundle ends with its id, a hash of what esbuild wrote, and its code cache begins with the id
 * it was taken from: V8 checks a cache against the source's length only, and the loader uses a
 * cache only for the bundle it was taken from (functions/load-bundle.ts).
 */
function stampBundleId(file) {
  const code = readFileSync(file, 'utf8');
  const id = createHash('sha256').update(code).digest('hex').slice(0, 32);
  writeFileSync(file, `${code}${code.endsWith('\n') ? '' : '\n'}//# bundleId=${id}\n`);
}

async function bundleAll(names) {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  await Promise.all(names.map((name) => esbuild.build(functionBundle(name))));
  names.forEach((name) => stampBundleId(path.join(out, name, 'index.cjs')));
  await esbuild.build({ ...common, entryPoints: [path.join(root, 'functions/deployed-main.cts')], outfile: path.join(out, 'main.cjs') });
}

/**
 * The driver and the Cloud SQL connector alone, bundled as the functions bundle them, for
 * `npm run bench:connector` and the test that connects through it: exports { mariadb, Connector }.
 */
function bundleConnector(outfile) {
  return esbuild.build({
    ...common,
    stdin: { contents: "exports.mariadb = require('mariadb'); exports.Connector = require('@google-cloud/cloud-sql-connector').Connector;", resolveDir: root },
    outfile,
    plugins: [withoutCloudSqlDataTunnel],
  });
}

module.exports = { bundleAll, bundleConnector, functionBundle, out, stampBundleId };

if (require.main === module) {
  const names = process.argv.slice(2);
  bundleAll(names).catch((error) => {
    process.stderr.write(`${error.stack}\n`);
    process.exit(1);
  });
}
