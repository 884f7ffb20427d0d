/**
 * Runs the ML stand-in on its own, for local development of the functions:
 * `tsx scripts/ml-standin.ts`, then point ML_SERVICE_URL at the printed URL
 * (a free port unless ML_STANDIN_PORT names one).
 * Failures can be switched on from outside with
 * `curl -X POST <url>/__control -d '{"mode":"error500","route":"stat"}'`.
 */
import { localPort } from './local-port';
import { startMlStandin } from './ml-standin/server';

async function main(): Promise<void> {
  const standin = await startMlStandin({ port: localPort('ML_STANDIN_PORT'), host: process.env.ML_STANDIN_HOST ?? '127.0.0.1' });
  console.log(JSON.stringify({ severity: 'INFO', message: 'ML stand-in listening', url: standin.url }));

  const stop = () => {
    standin.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(JSON.stringify({ severity: 'ERROR', message: `ML stand-in failed to start: ${error instanceof Error ? error.message : String(error)}` }));
  process.exit(1);
});
