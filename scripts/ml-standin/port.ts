/**
 * The stand-in's port: ML_STANDIN_PORT when set, else 0 (any free port), so
 * two checkouts, or a test run beside `npm start`, never fight over one.
 */
export function mlStandinPort(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.ML_STANDIN_PORT || '0';
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port > 65_535) {
    throw new Error(`ML_STANDIN_PORT must be a port number (0-65535), got "${raw}"`);
  }
  return port;
}
