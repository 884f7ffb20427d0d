// `node scripts/take-code-cache.js <function> [<bundle file>]`, run by scripts/finish-build.js in a
// process of its own for each function, with throwawaySettings(): loads the
// function's bundle, serves it one request the way its first one will come,
// then saves V8's code cache (dist/bundles/<name>/index.cjs.v8cache).
//
// V8 compiles a function on its first call, and a code cache holds only what
// was compiled when it was taken. Taken right after the bundle loaded, it left
// out everything a first request runs: the handler's module, the driver (its
// 330 KB module body alone), jsonwebtoken, the request pipeline. Every cold
// start compiled those again, before its first answer.
//
// The database is unreachable here, so the request runs as far as a first
// request does until it needs the database, and is answered 503 there (a public
// function's request; the key, signed with this build's throwaway key, and the
// body, the endpoint's documented example, pass their checks first). Nothing
// connects anywhere else. NODE_DEBUG=bundle prints the answer.
const { createPrivateKey, randomUUID, sign } = require('node:crypto');
const path = require('node:path');

const dist = path.resolve(__dirname, '../dist');

/**
 * The settings each function is loaded with: every outside service at a closed local port
 * (9, discard), so nothing is reached, and a key pair made for these loads and dropped.
 */
function throwawaySettings() {
  const { newSigningKeyPair, publicKeySetText } = require(path.join(dist, 'shared/auth/signing-key-pairs.js'));
  const pair = newSigningKeyPair();
  const unused = 'build-only-never-used-0123456789abcdef';
  return {
    PATH: process.env.PATH,
    // As Cloud Run runs it (express, for one, changes with it).
    NODE_ENV: 'production',
    LOG_LEVEL: 'silent',
    DATABASE_URL: 'mysql://build@127.0.0.1:9/never-dialled',
    SIGNING_PUBLIC_KEYS: publicKeySetText([pair.publicKeyPem]),
    SIGNING_PRIVATE_KEY: pair.privateKeyPem,
    PASSWORD_RESET_KEY: unused,
    CARD_HMAC_KEY: unused,
    ML_SERVICE_URL: 'http://127.0.0.1:9',
    SMTP_URL: 'smtp://127.0.0.1:9',
    SCHEDULER_AUDIENCE: 'https://build.invalid',
    SCHEDULER_SERVICE_ACCOUNT: 'build@build.invalid',
  };
}

/** The request a client would make first: the endpoint's first method and path, its example body, a key if it takes one. */
function firstRequest(definition) {
  const openApi = require(path.join(dist, 'openapi.json'));
  const method = definition.methods[0];
  const operation = openApi.paths[definition.paths[0]]?.[method.toLowerCase()] ?? {};
  const pathParameters = (operation.parameters ?? []).filter((parameter) => parameter.in === 'path');
  const url = definition.paths[0].replace(/\{(\w+)\}/g, (_, param) => {
    const schema = pathParameters.find((parameter) => parameter.name === param)?.schema ?? {};
    return schema.format === 'uuid' ? randomUUID() : 'WARMUP';
  });
  const headers = {};
  if (definition.auth === 'user') headers.Authorization = `Token ${signedKey()}`;
  const example = operation.requestBody?.content?.['application/json']?.example;
  if (example !== undefined) headers['Content-Type'] = 'application/json';
  return { method, url, headers, body: example === undefined ? undefined : JSON.stringify(example) };
}

/** A key as auth-login signs one (ES256, its `kid`), with this build's throwaway private key. */
function signedKey() {
  // node:crypto rather than jsonwebtoken: what this script requires from node_modules goes into the compile cache.
  const { keyIdOf } = require(path.join(dist, 'shared/auth/signing-key-pairs.js'));
  const privateKey = createPrivateKey(process.env.SIGNING_PRIVATE_KEY);
  const now = Math.floor(Date.now() / 1000);
  const part = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${part({ alg: 'ES256', typ: 'JWT', kid: keyIdOf(privateKey) })}.${part({ sub: randomUUID(), jti: randomUUID(), iat: now, exp: now + 60 })}`;
  return `${input}.${sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
}

/** How the warm-up request ends when it ran as far as it can here: at the database, or, without one, answered. */
function expectedAnswer(definition) {
  if (definition.auth === 'scheduler') return { status: 401, code: 'unauthorized' };
  if (definition.deploy?.database === false) return { status: 200 };
  return { status: 503, code: 'database_unavailable' };
}

/** Serves the function (registered by its bundle) one first request, and says how it was answered. */
async function warmUp(name, definition) {
  // Required after the bundle ran, so the framework module is the one the bundle registered its function in.
  const { getTestServer } = require('@google-cloud/functions-framework/testing');
  const server = getTestServer(name);
  await new Promise((listening, failed) => {
    server.once('error', failed);
    server.listen(0, '127.0.0.1', listening);
  });
  const request = firstRequest(definition);
  // The database is a closed local port: refused at once, answered 503 in well under this.
  const answer = await fetch(`http://127.0.0.1:${server.address().port}${request.url}`, {
    method: request.method,
    headers: request.headers,
    body: request.body,
    signal: AbortSignal.timeout(5_000),
  });
  const text = await answer.text();
  let code;
  try {
    code = JSON.parse(text).error?.code;
  } catch {
    // Not an error body (docs answers the document).
  }
  return { request, status: answer.status, code, text };
}

async function main(name, file = path.join(dist, 'bundles', name, 'index.cjs')) {
  const { loadBundle } = require(path.join(dist, 'functions/load-bundle.js'));
  const { findFunction } = require(path.join(dist, 'functions/registry.js'));
  const definition = findFunction(name);
  if (!definition) throw new Error(`take-code-cache: no function ${JSON.stringify(name)} in the registry`);
  const bundle = loadBundle(file, { takeCodeCache: true });
  // Whatever happens to the request, the cache holds what ran, and the build goes on.
  try {
    const answer = await warmUp(name, definition);
    const expected = expectedAnswer(definition);
    if (/\bbundle\b/.test(process.env.NODE_DEBUG ?? '')) {
      process.stderr.write(`bundle: ${name} warm-up ${answer.request.method} ${answer.request.url} answered ${answer.status} ${answer.text.slice(0, 200)}\n`);
    }
    if (answer.status !== expected.status || (expected.code && answer.code !== expected.code)) {
      process.stderr.write(
        `take-code-cache: ${name}'s warm-up was answered ${answer.status} ${answer.code ?? ''}, not ${expected.status} ${expected.code ?? ''}: ` +
          'its cache holds less of a first request than it could\n',
      );
    }
  } catch (error) {
    process.stderr.write(`take-code-cache: ${name}'s warm-up request failed (${error.message}); its cache holds what ran before\n`);
  }
  bundle.saveCodeCache();
  // The pool's retries and the server would keep the process alive; nothing else is left to do.
  process.exit(0);
}

if (require.main === module) {
  main(process.argv[2], process.argv[3]).catch((error) => {
    process.stderr.write(`${error.stack}\n`);
    process.exit(1);
  });
}

module.exports = { takeCodeCacheScript: __filename, throwawaySettings };
