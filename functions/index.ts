import * as functions from '@google-cloud/functions-framework';
import { checkStartupConfig } from '../shared/config/config';
import { functionTarget } from '../shared/config/function-target';
import { checkSigningKeysAtStart } from '../shared/auth/signing-keys';
import { skipFrameworkDomains } from '../shared/http/framework-domain';
import { installFrameworkErrorHandler } from '../shared/http/framework-hooks';
import { toHttpFunction } from '../shared/http/http-function';
import { findFunction, methodsAtPathsOf, registry } from './registry';

// The module Cloud Run loads (`functions-framework --target=<name>`): it
// registers every function, and the framework serves the one named by --target.
// Configuration is checked here, at start, so a missing variable stops the
// instance with its name instead of failing requests later. When the instance
// serves one function (Cloud Run's FUNCTION_TARGET, or --target), it is checked
// for exactly what that function needs. Locally and in tests every function is
// served: the database settings are checked, and the ML service and scheduler
// settings and SMTP_URL (which tests and npm start supply per case) when first used.
const targetName = functionTarget();
const target = targetName ? findFunction(targetName) : undefined;
checkStartupConfig(
  target
    ? {
        database: target.deploy?.database !== false,
        ml: target.deploy?.ml === true,
        mail: target.deploy?.mail === true,
        scheduler: target.auth === 'scheduler',
        cardKey: target.deploy?.cardKey === true,
        signs: target.deploy?.signs === true,
        resetKey: target.deploy?.resetKey === true,
      }
    : { database: true },
);
// Every function that checks keys, and the ones that sign, parse their keys now: a malformed one stops the instance.
if (target?.deploy?.database !== false) checkSigningKeysAtStart({ signs: target?.deploy?.signs === true });
installFrameworkErrorHandler();
skipFrameworkDomains();

for (const definition of registry) {
  functions.http(definition.name, toHttpFunction(definition, { corsMethods: methodsAtPathsOf(definition) }));
}
