import * as functions from '@google-cloud/functions-framework';
import { checkStartupConfig } from '../shared/config/config';
import { installFrameworkErrorHandler } from '../shared/http/framework-errors';
import { toHttpFunction } from '../shared/http/http-function';
import { findFunction, methodsAtPathsOf, registry } from './registry';

// The module Cloud Run loads (`functions-framework --target=<name>`): it
// registers every function, and the framework serves the one named by --target.
// Configuration is checked here, at start, so a missing variable stops the
// instance with its name instead of failing requests later. Cloud Run names the
// one function an instance serves in FUNCTION_TARGET; `docs` needs no database
// or secret. Locally and in tests every function is served, so all is checked.
const target = process.env.FUNCTION_TARGET ? findFunction(process.env.FUNCTION_TARGET) : undefined;
checkStartupConfig({ database: target?.deploy?.database !== false });
installFrameworkErrorHandler();

for (const definition of registry) {
  functions.http(definition.name, toHttpFunction(definition, { corsMethods: methodsAtPathsOf(definition) }));
}
