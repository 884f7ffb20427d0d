import { randomBytes } from 'node:crypto';
import { parseCommandLine, runCli, type Io } from './cli';
import { createOnce, gcloud, runSteps, secret, Secret, type Step } from './commands';
import { SECRETS, type InfraSettings } from './settings';

/**
 * The two secrets the database functions mount (--set-secrets): the JWT
 * signing key and the whole DATABASE_URL, which carries the database user's
 * password. Generated here, fed to gcloud on stdin, never printed or written
 * to disk. The database user is created together with its URL secret, so
 * the password exists in exactly one place.
 *
 *   tsx infra/secrets.ts --project=P [--dry-run]
 */
export interface GeneratedSecrets {
  jwtSecret: Secret;
  databasePassword: Secret;
}

export function generateSecrets(): GeneratedSecrets {
  return {
    jwtSecret: secret('jwt secret: 48 random bytes, base64', randomBytes(48).toString('base64')),
    // Hex needs no escaping inside the URL.
    databasePassword: secret('database password: 24 random bytes, hex', randomBytes(24).toString('hex')),
  };
}

/** Through the unix socket Cloud Run mounts for --set-cloudsql-instances. */
export function databaseUrl(settings: InfraSettings, password: Secret): Secret {
  const url = (pass: string) =>
    `mysql://${settings.databaseUser}:${pass}@localhost/${settings.databaseName}?socket=/cloudsql/${settings.instanceConnectionName}`;
  return new Secret(url(password.shown), url(password.value));
}

export function secretsSteps(settings: InfraSettings, generated: GeneratedSecrets): Step[] {
  const project = `--project=${settings.projectId}`;
  const createSecret = (name: string, payload: Secret) => ({
    ...gcloud('secrets', 'create', name, '--replication-policy=automatic', '--data-file=-', project),
    stdin: payload,
  });
  const readableByFunctions = (name: string) =>
    gcloud(
      'secrets', 'add-iam-policy-binding', name, project,
      `--member=serviceAccount:${settings.runtimeServiceAccount}`,
      '--role=roles/secretmanager.secretAccessor',
      '--quiet',
    );

  return [
    createOnce(gcloud('secrets', 'describe', SECRETS.jwt, project), createSecret(SECRETS.jwt, generated.jwtSecret)),
    createOnce(gcloud('secrets', 'describe', SECRETS.databaseUrl, project), [
      gcloud(
        'sql', 'users', 'create', settings.databaseUser, `--instance=${settings.sqlInstance}`, '--host=%', project,
        generated.databasePassword.asFlag('--password'),
      ),
      createSecret(SECRETS.databaseUrl, databaseUrl(settings, generated.databasePassword)),
    ]),
    readableByFunctions(SECRETS.jwt),
    readableByFunctions(SECRETS.databaseUrl),
  ];
}

export function main(argv: string[], io: Io): void {
  const { settings } = parseCommandLine(argv, io.env);
  runSteps(secretsSteps(settings, generateSecrets()), { dryRun: settings.dryRun, print: io.print, exec: io.exec });
}

if (require.main === module) runCli(main);
