/**
 * The one function this instance serves: Cloud Run names it in FUNCTION_TARGET;
 * `functions-framework --target=<name>` (or `--target <name>`) on the command
 * line names it too. Undefined when every function is served (npm start, tests).
 */
export function functionTarget(env: NodeJS.ProcessEnv = process.env, argv: readonly string[] = process.argv): string | undefined {
  if (env.FUNCTION_TARGET) return env.FUNCTION_TARGET;
  const index = argv.findIndex((arg) => arg === '--target' || arg.startsWith('--target='));
  if (index < 0) return undefined;
  return argv[index].includes('=') ? argv[index].slice('--target='.length) : argv[index + 1];
}
