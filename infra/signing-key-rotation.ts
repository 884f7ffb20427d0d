import { createPublicKey } from 'node:crypto';
import { registry } from '../functions/registry';
import { keyIdOf, newSigningKeyPair, publicKeySetText } from '../shared/auth/signing-key-pairs';
import { parseConfig } from '../shared/config/config';
import { formatCommand, gcloud, Secret, type Command, type Exec, type Query } from './commands';
import { versionLookup } from './deploy';
import { deploySettingsOf, SECRETS, type InfraSettings } from './settings';

/**
 * Rotating the ES256 key pair that signs API keys, without a failed request
 * (docs/deploy.md, Rotating the signing key). A deploy pins each secret's
 * newest *enabled* version (deploy.ts), and this is what the rotation steers:
 *
 *   1. --rotate-signing-key: a new pair. Its public key joins the published
 *      set (a new signing-public-keys version); its private key is added as a
 *      signing-private-key version and disabled at once, so deploys keep
 *      signing with the current key. Then `deploy --all`: every function
 *      accepts both keys.
 *   2. --sign-with-new-key: enables the new private version; then deploy the
 *      functions that sign (auth-login). The old private version stays
 *      enabled: an instance of an older revision that starts must read it.
 *   3. --retire-old-signing-keys, a key lifetime later: publishes only the
 *      signing key and disables the older private versions; then
 *      `deploy --all`.
 *
 * Every value is read with `gcloud … access` (standard output, never
 * printed) and written on standard input; --dry-run prints the commands,
 * with placeholders for what a real run would read.
 */
export interface RotationRun {
  dryRun: boolean;
  print: (line: string) => void;
  exec: Exec;
  query: Query;
}

/**
 * How long an API key lives: the deploy sets no TOKEN_TTL_SECONDS (deploy-plan.ts
 * environmentOf), so the functions use the default of shared/config/config.ts.
 */
export const KEY_LIFETIME_SECONDS = parseConfig({}, { database: false }).TOKEN_TTL_SECONDS;

export const PLACEHOLDERS = {
  newest: '<newest-enabled-version>',
  added: '<the version just added>',
  pending: '<the newest version, disabled>',
  older: '<each older enabled version>',
} as const;

interface KeyVersion {
  version: number;
  enabled: boolean;
  created: string;
}

const signingFunctions = () => registry.filter((definition) => deploySettingsOf(definition).signs).map((definition) => definition.name);

/** Every signing-private-key version not destroyed: number, state and creation time. */
export const privateKeyVersionsList = (settings: InfraSettings): Command =>
  gcloud(
    'secrets',
    'versions',
    'list',
    SECRETS.signingPrivateKey,
    `--project=${settings.projectId}`,
    '--filter=NOT state:destroyed',
    '--format=value(name,state,createTime)',
  );

const access = (settings: InfraSettings, secretName: string, version: string) =>
  gcloud('secrets', 'versions', 'access', version, `--secret=${secretName}`, `--project=${settings.projectId}`);

const versionCommand = (settings: InfraSettings, action: 'enable' | 'disable', version: string) =>
  gcloud('secrets', 'versions', action, version, `--secret=${SECRETS.signingPrivateKey}`, `--project=${settings.projectId}`, '--quiet');

const addVersion = (settings: InfraSettings, secretName: string, payload: Secret): Command => ({
  ...gcloud('secrets', 'versions', 'add', secretName, '--data-file=-', `--project=${settings.projectId}`),
  stdin: payload,
});

/** Newest first. */
export function parseKeyVersions(output: string): KeyVersion[] {
  return output
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [name, state, created] = line.split(/\s+/);
      const version = Number(name.split('/').at(-1));
      if (!Number.isInteger(version) || !/^(ENABLED|DISABLED)$/i.test(state ?? '')) throw new Error(`Unexpected ${SECRETS.signingPrivateKey} version: ${line}`);
      return { version, enabled: /^ENABLED$/i.test(state), created: created ?? '' };
    })
    .sort((a, b) => b.version - a.version);
}

/** `kid` → SPKI PEM, each kid checked against its key. */
export function parsePublicKeySet(text: string): Record<string, string> {
  const set = JSON.parse(text) as unknown;
  if (!set || typeof set !== 'object' || Array.isArray(set)) throw new Error(`${SECRETS.signingPublicKeys} is not a JSON object of kid → public key`);
  for (const [kid, pem] of Object.entries(set)) {
    if (typeof pem !== 'string' || keyIdOf(pem) !== kid) throw new Error(`${SECRETS.signingPublicKeys}: the key under kid ${kid} is not that key`);
  }
  return set as Record<string, string>;
}

function runner(run: RotationRun) {
  return {
    /** A lookup: printed, and run for its output unless this is a dry run. */
    read(command: Command): string | undefined {
      run.print(formatCommand(command));
      return run.dryRun ? undefined : run.query(command);
    },
    change(command: Command): void {
      run.print(formatCommand(command));
      if (run.dryRun) return;
      const status = run.exec(command, false);
      if (status !== 0) throw new Error(`Failed (exit ${status}): ${formatCommand(command)}`);
    },
    note: (text: string) => run.print(`# ${text}`),
  };
}

/** The private key versions, with the one signing (newest enabled) and a newer disabled one, if a rotation is half done. */
function keyVersions(output: string) {
  const versions = parseKeyVersions(output);
  const signing = versions.find((version) => version.enabled);
  if (!signing) throw new Error(`${SECRETS.signingPrivateKey} has no enabled version: run npm run deploy:secrets`);
  const pending = versions.find((version) => !version.enabled && version.version > signing.version);
  return { versions, signing, pending };
}

/** The newest enabled signing-public-keys version and its set. */
function publishedSet(settings: InfraSettings, step: ReturnType<typeof runner>) {
  const found = step.read(versionLookup(SECRETS.signingPublicKeys, settings));
  if (found === undefined) {
    step.read(access(settings, SECRETS.signingPublicKeys, PLACEHOLDERS.newest));
    return undefined;
  }
  const version = found.trim().split('/').at(-1) ?? '';
  if (!/^\d+$/.test(version)) throw new Error(`${SECRETS.signingPublicKeys} has no enabled version: run npm run deploy:secrets`);
  return { version, keys: parsePublicKeySet(step.read(access(settings, SECRETS.signingPublicKeys, version))!) };
}

/** Step 1: a new pair, published, its private key added disabled. */
export function rotateSigningKey(settings: InfraSettings, run: RotationRun): void {
  const step = runner(run);
  const listed = step.read(privateKeyVersionsList(settings));
  if (listed !== undefined) {
    const { pending } = keyVersions(listed);
    if (pending) {
      throw new Error(
        `${SECRETS.signingPrivateKey} version ${pending.version} is newer than the signing key and disabled: a rotation is under way. ` +
          'Deploy every function (npm run deploy -- --all), then npm run deploy:secrets -- --sign-with-new-key',
      );
    }
  }
  const published = publishedSet(settings, step);
  const pair = newSigningKeyPair();
  const set = published
    ? new Secret(
        `<${SECRETS.signingPublicKeys}: kids ${[...Object.keys(published.keys), pair.kid].join(', ')}>`,
        publicKeySetText([...Object.values(published.keys), pair.publicKeyPem]),
      )
    : new Secret(`<${SECRETS.signingPublicKeys}: the keys of version ${PLACEHOLDERS.newest} and kid ${pair.kid}>`, '');
  step.change(addVersion(settings, SECRETS.signingPublicKeys, set));

  const before = new Set(listed === undefined ? [] : parseKeyVersions(listed).map((version) => version.version));
  step.change(addVersion(settings, SECRETS.signingPrivateKey, new Secret(`<signing private key: EC P-256, PKCS#8 PEM, kid ${pair.kid}>`, pair.privateKeyPem)));
  // Disabled at once, so that a deploy, which pins the newest enabled version, keeps signing with the current key.
  const after = step.read(privateKeyVersionsList(settings));
  let added: string = PLACEHOLDERS.added;
  if (after !== undefined) {
    const fresh = parseKeyVersions(after).filter((version) => !before.has(version.version));
    if (fresh.length !== 1) throw new Error(`Expected one new ${SECRETS.signingPrivateKey} version, found ${fresh.length}: disable the new one by hand`);
    added = String(fresh[0].version);
  }
  try {
    step.change(versionCommand(settings, 'disable', added));
  } catch (error) {
    // Enabled, the new key would sign after the next deploy of auth-login, before the other functions accept it.
    throw new Error(`${(error as Error).message}\n${SECRETS.signingPrivateKey}:${added} is enabled: disable it before any deploy`, { cause: error });
  }
  step.note(`Added ${SECRETS.signingPrivateKey}:${added} (kid ${pair.kid}), disabled; its public key is in the newest ${SECRETS.signingPublicKeys} version.`);
  step.note('Next: npm run deploy -- --all (every function accepts the new key), then npm run deploy:secrets -- --sign-with-new-key');
}

/** Step 2: the new private key enabled, for the next deploy of the functions that sign to pin. */
export function signWithNewKey(settings: InfraSettings, run: RotationRun, now = () => Date.now()): void {
  const step = runner(run);
  const listed = step.read(privateKeyVersionsList(settings));
  let pending: string = PLACEHOLDERS.pending;
  if (listed !== undefined) {
    const found = keyVersions(listed).pending;
    if (!found) {
      throw new Error(
        `No ${SECRETS.signingPrivateKey} version newer than the signing key is disabled: nothing to sign with. Start with npm run deploy:secrets -- --rotate-signing-key`,
      );
    }
    pending = String(found.version);
  }
  step.change(versionCommand(settings, 'enable', pending));
  const earliest = new Date(now() + KEY_LIFETIME_SECONDS * 1000).toISOString();
  step.note(`Next: npm run deploy -- ${signingFunctions().join(' ')} (new keys are signed with ${SECRETS.signingPrivateKey}:${pending} from then on).`);
  step.note(
    `Keys signed with the previous key stay valid for TOKEN_TTL_SECONDS (${KEY_LIFETIME_SECONDS} s) after that deploy: ` +
      `run npm run deploy:secrets -- --retire-old-signing-keys no earlier than ${earliest} (later by as long as the deploy waits).`,
  );
}

/** Step 3: only the signing key published, the older private keys disabled. */
export function retireOldSigningKeys(settings: InfraSettings, run: RotationRun, now = () => Date.now()): void {
  const step = runner(run);
  const listed = step.read(privateKeyVersionsList(settings));
  let signingVersion: string = PLACEHOLDERS.newest;
  let older: string[] = [PLACEHOLDERS.older];
  if (listed !== undefined) {
    const { versions, signing, pending } = keyVersions(listed);
    if (pending) {
      throw new Error(
        `${SECRETS.signingPrivateKey} version ${pending.version} is disabled and not yet signing: retiring now would unpublish its public key. ` +
          'Finish the rotation first (npm run deploy:secrets -- --sign-with-new-key)',
      );
    }
    const created = Date.parse(signing.created);
    const until = created + KEY_LIFETIME_SECONDS * 1000;
    step.note(
      `Signing with ${SECRETS.signingPrivateKey}:${signing.version}, created ${signing.created}; TOKEN_TTL_SECONDS is ${KEY_LIFETIME_SECONDS} s, counted from the deploy of ${signingFunctions().join(', ')} that followed --sign-with-new-key.`,
    );
    // Only what is certain: the switch came after the version was made, so the old keys live at least until then.
    if (!Number.isFinite(created) || now() < until) {
      throw new Error(`Too early: keys signed with the previous key may be valid until ${new Date(until).toISOString()} at the least`);
    }
    signingVersion = String(signing.version);
    older = versions.filter((version) => version.enabled && version.version < signing.version).map((version) => String(version.version));
  }

  // The signing key's public key, computed from the private key itself: nothing else says which key a version holds.
  const privateKey = step.read(access(settings, SECRETS.signingPrivateKey, signingVersion));
  const published = publishedSet(settings, step);
  if (privateKey === undefined || published === undefined) {
    step.change(addVersion(settings, SECRETS.signingPublicKeys, new Secret(`<${SECRETS.signingPublicKeys}: only the key of version ${signingVersion}>`, '')));
  } else {
    const publicKeyPem = createPublicKey(privateKey).export({ format: 'pem', type: 'spki' }).toString();
    const kid = keyIdOf(publicKeyPem);
    if (!published.keys[kid]) {
      throw new Error(`${SECRETS.signingPublicKeys}:${published.version} lacks the signing key (kid ${kid}): run npm run deploy -- --all before anything else`);
    }
    if (Object.keys(published.keys).length === 1 && older.length === 0) {
      step.note('Nothing to retire: only the signing key is published, and no older private key is enabled.');
      return;
    }
    if (Object.keys(published.keys).length > 1) {
      step.change(addVersion(settings, SECRETS.signingPublicKeys, new Secret(`<${SECRETS.signingPublicKeys}: kid ${kid}>`, publicKeySetText([publicKeyPem]))));
    }
  }
  for (const version of older) step.change(versionCommand(settings, 'disable', version));
  step.note('Next: npm run deploy -- --all (the functions stop accepting the retired keys)');
}
