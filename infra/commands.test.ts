import { createOnce, formatCommand, gcloud, note, runSteps, secret, type Command } from './commands';
import { shellWords } from './testing/printed-commands';

const recorder = (probeStatus: number, failing?: string) => {
  const calls: Array<{ line: string; quiet: boolean; stdin?: string; args: string[] }> = [];
  const exec = (command: Command, quiet: boolean) => {
    calls.push({
      line: formatCommand(command),
      quiet,
      stdin: command.stdin?.value,
      args: command.args.map((arg) => (typeof arg === 'string' ? arg : arg.value)),
    });
    if (quiet) return probeStatus;
    return failing && formatCommand(command).includes(failing) ? 2 : 0;
  };
  return { calls, exec };
};

describe('formatCommand', () => {
  it('prints words a shell splits back into the same arguments', () => {
    const args = ['--schedule=0 3 * * *', "it's", '--set-env-vars=^|^A=1,2|B=3', '--format=value(defaultHostname)', 'plain-word'];
    const line = formatCommand(gcloud(...args));
    expect(shellWords(line)).toEqual(['gcloud', ...args]);
  });

  it('shows secrets by their label, on the command line and on stdin', () => {
    const password = secret('database password', 's3cr3t-value');
    const command = { ...gcloud('sql', 'users', 'create', 'app', password.asFlag('--password')), stdin: secret('payload', 'p4yl0ad') };
    expect(formatCommand(command)).toBe("gcloud sql users create app '--password=<database password>'  # stdin: <payload>");
  });
});

describe('runSteps', () => {
  const steps = [
    note('a note'),
    gcloud('first'),
    createOnce(gcloud('describe', 'thing'), gcloud('create', 'thing'), gcloud('update', 'thing')),
    createOnce(gcloud('describe', 'other'), gcloud('create', 'other')),
    { ...gcloud('with', secret('s', 'hidden').asFlag('--flag')), stdin: secret('input', 'fed') },
  ];

  it('only prints in a dry run, planning creation for a fresh project', () => {
    const lines: string[] = [];
    const { calls, exec } = recorder(0);
    runSteps(steps, { dryRun: true, print: (line) => lines.push(line), exec });
    expect(calls).toEqual([]);
    expect(lines).toEqual(['# a note', 'gcloud first', 'gcloud create thing', 'gcloud create other', "gcloud with '--flag=<s>'  # stdin: <input>"]);
  });

  it('creates what the probe does not find', () => {
    const { calls, exec } = recorder(1);
    runSteps(steps, { dryRun: false, print: () => undefined, exec });
    expect(calls.filter((call) => !call.quiet).map((call) => call.line)).toEqual([
      'gcloud first',
      'gcloud create thing',
      'gcloud create other',
      "gcloud with '--flag=<s>'  # stdin: <input>",
    ]);
    expect(calls.filter((call) => call.quiet).map((call) => call.line)).toEqual(['gcloud describe thing', 'gcloud describe other']);
    expect(calls.at(-1)).toMatchObject({ args: ['with', '--flag=hidden'], stdin: 'fed' });
  });

  it('updates, or leaves alone, what already exists', () => {
    const lines: string[] = [];
    const { calls, exec } = recorder(0);
    runSteps(steps, { dryRun: false, print: (line) => lines.push(line), exec });
    expect(calls.filter((call) => !call.quiet).map((call) => call.line)).toEqual([
      'gcloud first',
      'gcloud update thing',
      "gcloud with '--flag=<s>'  # stdin: <input>",
    ]);
    expect(lines).toContain('# already exists: gcloud describe other');
  });

  it('stops at the first failing command', () => {
    const { calls, exec } = recorder(1, 'create thing');
    expect(() => runSteps(steps, { dryRun: false, print: () => undefined, exec })).toThrow('Failed (exit 2): gcloud create thing');
    expect(calls.map((call) => call.line)).not.toContain('gcloud create other');
  });
});
