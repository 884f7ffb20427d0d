import { getTestServer } from '@google-cloud/functions-framework/testing';
import request from 'supertest';
import '../functions/index';
import { closePool } from '../shared/db/pool';

/**
 * Run by tests in a process of its own (tsx), to see what serving a function
 * loads: the functions framework serves FUNCTION_TARGET as on Cloud Run, this
 * sends it the one request in ONE_REQUEST (JSON `{method, path, headers,
 * body}`), and prints one line: `{status, body, modules}`, where `modules` is
 * every file in require.cache once the answer is in. Settings come from the
 * environment, as for the function itself.
 */
interface OneRequest {
  method: 'get' | 'post';
  path: string;
  headers?: Record<string, string>;
  body?: unknown;
}

async function main(): Promise<void> {
  const target = process.env.FUNCTION_TARGET;
  const spec = JSON.parse(process.env.ONE_REQUEST ?? '') as OneRequest;
  if (!target) throw new Error('FUNCTION_TARGET is not set');
  const agent = request(getTestServer(target));
  const sent = (spec.method === 'get' ? agent.get(spec.path) : agent.post(spec.path)).set(spec.headers ?? {});
  const response = spec.body === undefined ? await sent : await sent.send(spec.body as object);
  const modules = Object.keys(require.cache);
  await closePool();
  process.stdout.write(`${JSON.stringify({ status: response.status, body: response.body, modules })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
