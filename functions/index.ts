import * as functions from '@google-cloud/functions-framework';
import { config } from '../shared/config/config';
import { installFrameworkErrorHandler } from '../shared/http/framework-errors';
import { toHttpFunction } from '../shared/http/http-function';
import { registry } from './registry';

// The module Cloud Run loads (`functions-framework --target=<name>`): it
// registers every function, and the framework serves the one named by --target.
// Configuration is checked here, at start, so a missing variable stops the
// instance with its name instead of failing requests later.
config();
installFrameworkErrorHandler();

for (const definition of registry) {
  functions.http(definition.name, toHttpFunction(definition));
}
