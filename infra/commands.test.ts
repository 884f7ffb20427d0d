import { existsSync, readFileSync, statSync } from 'node:fs';
import { createOnce, formatCommand, gcloud, materialize, note, runJobs, runSteps, secret, SecretFile, type Command } from './commands';
import { shellWords } from './testing/printed-commands';

const recorder = (probeStatus: number, failing?: string) => {
  const calls: Array<{ line: string; quiet: boolean; stdin?: string; args: string[] }> = [];
  const exec = (command: Command, quiet: boolean) => {
    calls.push({
      line: formatCommand(command),
      quiet,
      stdin: command.stdin?.value,
      args: command.args.map((arg) => (typeof arg === 'string' ? arg : `${arg.flag}=${arg.content.value}`)),
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

  it('shows secrets by their label, in a secret file and on stdin', () => {
    const password = secret('database password', 's3cr3t-value');
    const command = { ...gcloud('sql', 'users', 'create', 'app', new SecretFile('--flags-file', password)), stdin: secret('payload', 'p4yl0ad') };
    expect(formatCommand(command)).toBe("gcloud sql users create app '--flags-file=<temporary file (mode 0600): database password>'  # stdin: <payload>");
  });
});

describe('materialize', () => {
  it('puts a secret file on the command line by path only, readable by its owner alone, and removes it afterwards', () => {
    const { argv, cleanup } = materialize(gcloud('x', new SecretFile('--flags-file', secret('s', 's3cr3t-value'))));
    const file = argv[1].slice('--flags-file='.length);
    expect(argv.join(' ')).not.toContain('s3cr3t-value');
    expect(readFileSync(file, 'utf8')).toBe('s3cr3t-value');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    cleanup();
    expect(existsSync(file)).toBe(false);
  });
});

describe('runSteps', () => {
  const steps = [
    note('a note'),
    gcloud('first'),
    createOnce(gcloud('describe', 'thing'), gcloud('create', 'thing'), gcloud('update', 'thing')),
    createOnce(gcloud('describe', 'other'), gcloud('create', 'other')),
    { ...gcloud('with', new SecretFile('--flag', secret('s', 'hidden'))), stdin: secret('input', 'fed') },
  ];

  it('only prints in a dry run, planning creation for a fresh project', () => {
    const lines: string[] = [];
    const { calls, exec } = recorder(0);
    runSteps(steps, { dryRun: true, print: (line) => lines.push(line), exec });
    expect(calls).toEqual([]);
    expect(lines).toEqual([
      '# a note',
      'gcloud first',
      'gcloud create thing',
      'gcloud create other',
      "gcloud with '--flag=<temporary file (mode 0600): s>'  # stdin: <input>",
    ]);
  });

  it('creates what the probe does not find', () => {
    const { calls, exec } = recorder(1);
    runSteps(steps, { dryRun: false, print: () => undefined, exec });
    expect(calls.filter((call) => !call.quiet).map((call) => call.line)).toEqual([
      'gcloud first',
      'gcloud create thing',
      'gcloud create other',
      "gcloud with '--flag=<temporary file (mode 0600): s>'  # stdin: <input>",
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
      "gcloud with '--flag=<temporary file (mode 0600): s>'  # stdin: <input>",
    ]);
    expect(lines).toContain('# already exists: gcloud describe other');
  });

  it('stops at the first failing command', () => {
    const { calls, exec } = recorder(1, 'create thing');
    expect(() => runSteps(steps, { dryRun: false, print: () => undefined, exec })).toThrow('Failed (exit 2): gcloud create thing');
    expect(calls.map((call) => call.line)).not.toContain('gcloud create other');
  });
});

describe('runJobs', () => {
  const job = (label: string) => ({ label, commands: [gcloud('deploy', label), gcloud('bind', label)] });

  it('runs at most `parallel` jobs at once, each in order, prefixing every line with its label', async () => {
    let running = 0;
    let most = 0;
    const order: string[] = [];
    const lines: string[] = [];
    const failed = await runJobs(['a', 'b', 'c', 'd', 'e'].map(job), {
      dryRun: false,
      print: (line) => lines.push(line),
      parallel: 2,
      exec: async (command, output) => {
        running += 1;
        most = Math.max(most, running);
        output(`building ${command.args[1]}`);
        await new Promise((resolve) => setTimeout(resolve, 5));
        order.push(command.args.join(' '));
        running -= 1;
        return 0;
      },
    });
    expect(failed).toEqual([]);
    expect(most).toBe(2);
    for (const label of ['a', 'b', 'c', 'd', 'e']) expect(order.indexOf(`deploy ${label}`)).toBeLessThan(order.indexOf(`bind ${label}`));
    expect(lines).toContain('[c] gcloud deploy c');
    expect(lines).toContain('[c] building c');
  });

  it('lets the others finish when one fails, and reports it', async () => {
    const ran: string[] = [];
    const lines: string[] = [];
    const failed = await runJobs(['a', 'b', 'c'].map(job), {
      dryRun: false,
      print: (line) => lines.push(line),
      parallel: 3,
      exec: async (command) => (ran.push(command.args.join(' ')), command.args.join(' ') === 'deploy b' ? 7 : 0),
    });
    expect(failed).toEqual(['b']);
    expect(ran.sort()).toEqual(['bind a', 'bind c', 'deploy a', 'deploy b', 'deploy c']);
    expect(lines).toContain('[b] FAILED (exit 7): gcloud deploy b');
  });

  it('only prints in a dry run, job after job', async () => {
    const lines: string[] = [];
    await runJobs(['a', 'b'].map(job), { dryRun: true, print: (line) => lines.push(line), parallel: 4, exec: () => Promise.reject(new Error('ran')) });
    expect(lines).toEqual(['gcloud deploy a', 'gcloud bind a', 'gcloud deploy b', 'gcloud bind b']);
  });
});
