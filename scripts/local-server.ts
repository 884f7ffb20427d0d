import type { Server } from 'node:http';
import * as functions from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { methodsAtPathsOf, registry } from '../functions/registry';
import { toApiError } from '../shared/http/error-mapping';
import { ApiError } from '../shared/http/errors';
import { toHttpFunction } from '../shared/http/http-function';
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
    candidates.find((candidate) => (candidate.definition.methods as string[]).includes(req.method)) ??
    (req.method === 'OPTIONS' ? candidates[0] : undefined);
  if (route) return route.run(req, res);

  const error = candidates.length
    ? new ApiError(405, 'method_not_allowed', `Method ${req.method} is not allowed here`, [], {
        Allow: [...new Set(candidates.flatMap((candidate) => candidate.definition.methods))].join(', '),
      })
    : toApiError(new ApiError(404, 'not_found', `Unknown route ${req.method} ${req.path}`));
  res.set(error.headers).status(error.status).json(error.toBody());
};

functions.http(LOCAL_API, localApi);

/** The framework's own server (the one getTestServer builds) for the dispatcher. */
export function createLocalServer(): Server {
  return getTestServer(LOCAL_API);
}
