import * as functions from '@google-cloud/functions-framework';
import { checkStartupConfig } from '../shared/config/config';
import { installFrameworkErrorHandler } from '../shared/http/framework-errors';
import { toHttpFunction } from '../shared/http/http-function';
import { findFunction, methodsAtPathsOf, registry } from './registry';

// The module Cloud Run loads (`functions-framework --target=<name>`): it
// registers every function, and the framework serves the one named by --target.
// Configuration is checked here, at start, so a missing variable stops the
// instance with its name instead of failing requests later. Cloud Run names the
// one function an instance serves in FUNCTION_TARGET, and it is checked for
// exactly what that function needs. Locally and in tests every function is
// served: the database settings are checked, and the ML service and scheduler
// settings (which tests and npm start supply per case) when first used.
const target = process.env.FUNCTION_TARGET ? findFunction(process.env.FUNCTION_TARGET) : undefined;
checkStartupConfig(
  target
    ? { database: target.deploy?.database !== false, ml: target.deploy?.ml === true, scheduler: target.auth === 'scheduler' }
    : { database: true },
);
installFrameworkErrorHandler();

for (const definition of registry) {
  functions.http(definition.name, toHttpFunction(definition, { corsMethods: methodsAtPathsOf(definition) }));
}
