/**
 * The port of a local stand-in (the ML stand-in, the mail catcher): the
 * variable `name` when set, else 0 (any free port), so two checkouts, or a
 * test run beside `npm start`, never fight over one.
 */
export function localPort(name: 'ML_STANDIN_PORT' | 'MAIL_CATCHER_PORT', env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[name] || '0';
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port > 65_535) {
    throw new Error(`${name} must be a port number (0-65535), got "${raw}"`);
  }
  return port;
}
