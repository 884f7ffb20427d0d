// `npm start`: migrate, seed the demo users if absent, start the ML stand-in
// when no ML service is configured and the mail catcher when no mail server
// is, and serve every function on one port.
import '../shared/config/node-version';
import { checkStartupConfig, databaseUrl } from '../shared/config/config';
import { db } from '../shared/db/prisma';
import { applyMigrations } from '../shared/db/migrations';
import { DEMO_USERS } from '../shared/demo/demo-data';
import { seedDemoUsers } from '../shared/demo/seed';
import { logger } from '../shared/core/logging';
import { databaseHint } from './first-run';
import { LOCAL_CARD_HMAC_KEY, LOCAL_DATABASE_URL, LOCAL_PASSWORD_RESET_KEY } from './local-defaults';
import { localSigningKeys } from './local-signing-key';
import { localPort } from './local-port';
import { startMlStandin } from './ml-standin/server';
import { linkIn, startMailCatcher } from './mail-catcher/server';

const developmentDefaults: Record<string, string> = {
  DATABASE_URL: LOCAL_DATABASE_URL,
  // Development only; production reads these from Secret Manager (docs/deploy.md, Secrets).
  CARD_HMAC_KEY: LOCAL_CARD_HMAC_KEY,
  PASSWORD_RESET_KEY: LOCAL_PASSWORD_RESET_KEY,
  ALLOWED_ORIGINS: '*',
};

// Read before the defaults fill it in, so the first-run hint can say which URL was tried and why.
const databaseUrlFromEnvironment = Boolean(process.env.DATABASE_URL);

async function main(): Promise<void> {
  // Empty counts as unset, as in the configuration itself. A key pair given in the environment is used as a pair, or not at all.
  const signing: Record<string, string> = process.env.SIGNING_PUBLIC_KEYS || process.env.SIGNING_PUBLIC_KEYS_VERSION ? {} : localSigningKeys();
  for (const [name, value] of Object.entries({ ...developmentDefaults, ...signing })) if (!process.env[name]) process.env[name] = value;
  if (!process.env.ML_SERVICE_URL) {
    const standin = await startMlStandin({ port: localPort('ML_STANDIN_PORT') });
    process.env.ML_SERVICE_URL = standin.url;
    logger.info(`ML stand-in listening on ${standin.url}`);
  }
  if (!process.env.SMTP_URL) {
    // Development only: the link is printed so a person can follow it, and the message goes nowhere else.
    const catcher = await startMailCatcher({
      port: localPort('MAIL_CATCHER_PORT'),
      onMessage: (mail) => logger.info(`Mail catcher: "${mail.subject}" to ${mail.to.join(', ')}`, { link: linkIn(mail) }),
    });
    process.env.SMTP_URL = catcher.url;
    logger.info(`Mail catcher listening on ${catcher.url}`);
  }

  checkStartupConfig({ database: true });
  const applied = await applyMigrations(databaseUrl());
  logger.info(applied.length ? `Applied migrations: ${applied.join(', ')}` : 'Database is up to date');

  const demoUsers = await db().user.count({ where: { username: { in: DEMO_USERS.map((user) => user.username) } } });
  if (demoUsers < DEMO_USERS.length) {
    await seedDemoUsers();
    logger.info('Seeded the demo users');
  }

  // Loaded last: registering the functions checks the configuration set above.
  const { createLocalServer } = await import('./local-server');
  const port = Number(process.env.PORT ?? 8080);
  createLocalServer().listen(port, () => {
    logger.info(`API listening on http://localhost:${port}/api/v1/`, {
      demoLogins: DEMO_USERS.map((user) => `${user.username} / ${user.username}`),
      docs: `http://localhost:${port}/swagger/`,
      mlService: process.env.ML_SERVICE_URL,
      mailServer: process.env.SMTP_URL?.replace(/\/\/[^@/]*@/, '//'),
    });
  });
}

main().catch((error: Error) => {
  logger.error(`Start failed: ${error.message}`);
  const hint = databaseHint(error, { databaseUrl: process.env.DATABASE_URL ?? LOCAL_DATABASE_URL, fromEnvironment: databaseUrlFromEnvironment });
  // Plain text, not a JSON log line: a person reads this, at their first run.
  if (hint) process.stderr.write(`\n${hint}\n`);
  process.exit(1);
});
