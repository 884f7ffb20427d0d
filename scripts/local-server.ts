import type { Server } from 'node:http';
import * as functions from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { methodsAtPathsOf, registry } from '../functions/registry';
import { ApiError } from '../shared/core/errors';
import { methodNotAllowed, toHttpFunction } from '../shared/http/http-function';
import { beginRequest, endRequest, errorResult } from '../shared/http/request-lifecycle';
import { compilePath } from '../shared/http/route-path';
import '../functions/index';

/**
 * Development only: every registered function behind one port under its real
 * path, the way API Gateway fronts them in production. The request is handed
 * to the same per-function pipeline Cloud Run runs; this only picks which.
 */
const LOCAL_API = 'local-api';

const routes = registry.map((definition) => ({
  definition,
  paths: definition.paths.map(compilePath),
  run: toHttpFunction(definition, { corsMethods: methodsAtPathsOf(definition) }),
}));

const localApi: functions.HttpFunction = async (req, res) => {
  const candidates = routes.filter((route) => route.paths.some((path) => path.match(req.path)));
  const route =
    candidates.find((candidate) => (candidate.definition.methods as string[]).includes(req.method)) ?? (req.method === 'OPTIONS' ? candidates[0] : undefined);
  if (route) return route.run(req, res);

  // No function answers: refuse the way a function would, with its headers and log line.
  const allowed = [...new Set(candidates.flatMap((candidate) => candidate.definition.methods))];
  const scope = beginRequest(req, res, undefined, allowed);
  const refusal = allowed.length ? methodNotAllowed(req.method, allowed) : new ApiError(404, 'not_found', `Unknown route ${req.method} ${req.path}`);
  endRequest(req, res, scope, errorResult(refusal).result);
};

functions.http(LOCAL_API, localApi);

/** The framework's own server (the one getTestServer builds) for the dispatcher. */
export function createLocalServer(): Server {
  return getTestServer(LOCAL_API);
}
