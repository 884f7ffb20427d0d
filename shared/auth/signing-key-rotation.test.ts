import jwt from 'jsonwebtoken';
import { RUNTIME_NODE_OPTIONS } from '../../infra/settings';
import { seedDemoUsers } from '../demo/seed';
import { startFunctionProcess, type FunctionProcess } from '../../testing/function-process';
import { useTestDatabase } from '../../testing/test-database';
import { newSigningKeyPair, publicKeySetText, type SigningKeyPair } from './signing-key-pairs';

/**
 * The rotation drill of docs/deploy.md (Signing keys), with instances started
 * at each stage as Cloud Run starts them: the framework's CLI, one function
 * per process, given what the deploy of that stage mounts.
 *
 *   before     public {old}       signs with old
 *   published  public {old, new}  signs with old   (deploy:secrets --rotate-signing-key, deploy --all)
 *   moved      public {old, new}  signs with new   (--sign-with-new-key, deploy the issuers)
 *   retired    public {new}       signs with new   (after the longest key lifetime: --retire-old-signing-keys, deploy --all)
 *
 * Every key issued at any stage is accepted by every instance that can be
 * running beside the one that issued it, or later while the key lives: no
 * request fails. What each stage may not accept shows why the steps go in this order.
 */
const database = useTestDatabase();
const [old, next] = [newSigningKeyPair(), newSigningKeyPair()];

interface Stage {
  name: string;
  published: SigningKeyPair[];
  signer: SigningKeyPair;
}
const STAGES: Stage[] = [
  { name: 'before', published: [old], signer: old },
  { name: 'published', published: [old, next], signer: old },
  { name: 'moved', published: [old, next], signer: next },
  { name: 'retired', published: [next], signer: next },
];

const running: FunctionProcess[] = [];
const instances = new Map<string, { issuer: FunctionProcess; checker: FunctionProcess }>();
const keys = new Map<string, string>();

const envOf = (stage: Stage) => ({
  DATABASE_URL: database.url(),
  NODE_OPTIONS: RUNTIME_NODE_OPTIONS,
  NODE_ENV: 'production',
  SIGNING_PUBLIC_KEYS: publicKeySetText(stage.published.map((pair) => pair.publicKeyPem)),
  SIGNING_PRIVATE_KEY: stage.signer.privateKeyPem,
});

async function call(instance: FunctionProcess, path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`http://127.0.0.1:${instance.port}${path}`, init);
}

beforeAll(async () => {
  await seedDemoUsers();
  await Promise.all(
    STAGES.map(async (stage) => {
      // The checker is given no private key: as deployed, it has none.
      const [issuer, checker] = await Promise.all([
        startFunctionProcess('auth-login', envOf(stage)),
        startFunctionProcess('auth-user', { ...envOf(stage), SIGNING_PRIVATE_KEY: '' }),
      ]);
      running.push(issuer, checker);
      instances.set(stage.name, { issuer, checker });
    }),
  );
  for (const stage of STAGES) {
    const response = await call(instances.get(stage.name)!.issuer, '/api/v1/auth/login/', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: 'johnwick', password: 'johnwick' }),
    });
    expect(response.status).toBe(200);
    keys.set(stage.name, ((await response.json()) as { key: string }).key);
  }
}, 120_000);

afterAll(() => {
  for (const instance of running) instance.stop();
});

const accepts = async (checkerStage: string, keyStage: string) =>
  (await call(instances.get(checkerStage)!.checker, '/api/v1/auth/user/', { headers: { Authorization: `token ${keys.get(keyStage)}` } })).status;

it('signs at each stage with the key that stage names', () => {
  for (const stage of STAGES) expect(jwt.decode(keys.get(stage.name)!, { complete: true })?.header.kid).toBe(stage.signer.kid);
});

// [checker's stage, key's stage]: every pair that can meet during the drill.
it.each([
  ['before', 'before'],
  ['before', 'published'],
  ['published', 'before'],
  ['published', 'published'],
  ['published', 'moved'],
  ['published', 'retired'],
  ['moved', 'before'],
  ['moved', 'published'],
  ['moved', 'moved'],
  ['moved', 'retired'],
  ['retired', 'moved'],
  ['retired', 'retired'],
])('an instance started at stage %s accepts a key issued at stage %s', async (checker, key) => {
  expect(await accepts(checker, key)).toBe(200);
});

it.each([
  // Why signing waits for the deploy of the published set: an instance still on the old set refuses the new key.
  ['before', 'moved'],
  ['before', 'retired'],
  // Why retiring waits for the longest key lifetime: the old key's holders are refused.
  ['retired', 'before'],
  ['retired', 'published'],
])('an instance started at stage %s refuses a key issued at stage %s (401)', async (checker, key) => {
  expect(await accepts(checker, key)).toBe(401);
});
