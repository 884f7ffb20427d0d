import type { AsyncExec, Command, Exec, Query } from '../commands';

/**
 * Stands in for `gcloud secrets …` with Secret Manager's behaviour as the
 * scripts rely on it: versions numbered from 1, a disabled version cannot be
 * accessed, `versions list` filtered on the state and sorted newest first.
 * Every other command (IAM bindings, deploys, the database user) succeeds and
 * is recorded, so a test can run the real scripts through a whole rotation.
 * https://cloud.google.com/sdk/gcloud/reference/secrets/versions
 */
interface Version {
  payload: string;
  enabled: boolean;
  created: number;
}

export class FakeSecretManager {
  readonly secrets = new Map<string, Version[]>();
  /** Each secret's IAM policy: role → members. */
  readonly policies = new Map<string, Map<string, Set<string>>>();
  /** Every command run, in order. */
  readonly ran: Command[] = [];
  /** The clock versions are stamped with. */
  now = Date.parse('2026-01-01T00:00:00Z');

  add(name: string, payload: string): number {
    const versions = this.secrets.get(name) ?? [];
    versions.push({ payload, enabled: true, created: this.now });
    this.secrets.set(name, versions);
    return versions.length;
  }

  /** The payload of a version, as the functions would read it. */
  payload(name: string, version: number | string): string {
    return this.version(name, String(version)).payload;
  }

  /** Who holds a role on a secret, sorted. */
  members(name: string, role = 'roles/secretmanager.secretAccessor'): string[] {
    return [...(this.policies.get(name)?.get(role) ?? [])].sort();
  }

  states(name: string): string[] {
    return (this.secrets.get(name) ?? []).map((version, index) => `${index + 1}:${version.enabled ? 'enabled' : 'disabled'}`);
  }

  private version(name: string, number: string): Version {
    const found = this.secrets.get(name)?.[Number(number) - 1];
    if (!found) throw new Error(`NOT_FOUND: ${name} version ${number}`);
    return found;
  }

  run(command: Command): { status: number; stdout: string } {
    this.ran.push(command);
    const words = command.args.filter((arg): arg is string => typeof arg === 'string');
    const flag = (name: string) => words.find((word) => word.startsWith(`--${name}=`))?.slice(name.length + 3);
    if (words[0] !== 'secrets') return { status: 0, stdout: '' };
    const [, verb, sub, ...rest] = words;
    const ok = (stdout = '') => ({ status: 0, stdout });

    if (verb === 'describe') return { status: this.secrets.has(sub) ? 0 : 1, stdout: '' };
    if (verb === 'create') {
      if (this.secrets.has(sub)) return { status: 1, stdout: '' };
      this.add(sub, command.stdin!.value);
      return ok();
    }
    if (verb === 'add-iam-policy-binding' || verb === 'remove-iam-policy-binding') {
      if (!this.secrets.has(sub)) return { status: 1, stdout: '' };
      const policy = this.policies.get(sub) ?? new Map<string, Set<string>>();
      this.policies.set(sub, policy);
      const members = policy.get(flag('role')!) ?? new Set<string>();
      policy.set(flag('role')!, members);
      if (verb === 'add-iam-policy-binding') members.add(flag('member')!);
      // As gcloud: removing a binding that is not there fails.
      else if (!members.delete(flag('member')!)) return { status: 1, stdout: '' };
      return ok();
    }
    if (verb === 'get-iam-policy') {
      if (!this.secrets.has(sub)) return { status: 1, stdout: '' };
      const bindings = [...(this.policies.get(sub) ?? new Map<string, Set<string>>())]
        .filter(([, members]) => members.size > 0)
        .map(([role, members]) => ({ members: [...members], role }));
      return ok(JSON.stringify({ bindings, etag: 'BwX', version: 1 }));
    }
    if (verb !== 'versions') throw new Error(`The fake does not know: gcloud ${words.join(' ')}`);

    if (sub === 'add') {
      if (!this.secrets.has(rest[0])) return { status: 1, stdout: '' };
      this.add(rest[0], command.stdin!.value);
      return ok();
    }
    if (sub === 'list') {
      const name = rest[0];
      const numbered = (this.secrets.get(name) ?? []).map((version, index) => ({ ...version, number: index + 1 }));
      const newestFirst = numbered.sort((a, b) => b.created - a.created || b.number - a.number);
      const path = (number: number) => `projects/42/secrets/${name}/versions/${number}`;
      if (flag('filter') === 'state:enabled') {
        const limit = Number(flag('limit') ?? Infinity);
        return ok(
          newestFirst
            .filter((version) => version.enabled)
            .slice(0, limit)
            .map((version) => `${path(version.number)}\n`)
            .join(''),
        );
      }
      if (flag('format') === 'value(name,state,createTime)') {
        return ok(
          newestFirst
            .map((version) => `${path(version.number)}\t${version.enabled ? 'ENABLED' : 'DISABLED'}\t${new Date(version.created).toISOString()}\n`)
            .join(''),
        );
      }
      throw new Error(`The fake does not know: gcloud ${words.join(' ')}`);
    }
    const version = this.version(flag('secret')!, rest[0]);
    if (sub === 'access') return version.enabled ? ok(version.payload) : { status: 1, stdout: '' };
    if (sub === 'enable' || sub === 'disable') {
      version.enabled = sub === 'enable';
      return ok();
    }
    throw new Error(`The fake does not know: gcloud ${words.join(' ')}`);
  }

  /** Replaceable, to make one command fail. */
  exec: Exec = (command) => this.run(command).status;

  readonly execAsync: AsyncExec = async (command) => this.run(command).status;

  /** As spawnQuery: the output, or a throw on failure. */
  readonly query: Query = (command) => {
    const { status, stdout } = this.run(command);
    if (status !== 0) throw new Error(`Failed (exit ${status}): gcloud ${command.args.join(' ')}`);
    return stdout;
  };
}
