import { spawnSync } from 'node:child_process';
import { createPrivateKey, createPublicKey, createSecretKey, randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import jwt from 'jsonwebtoken';
import { newSigningKeyPair, publicKeySetText } from '../shared/auth/signing-key-pairs';

/**
 * What signing and checking a key costs (issue 22): ES256 as deployed, and
 * HS256, the algorithm it replaced, for comparison. Warm figures are CPU per
 * operation in this process; the cold verify is the first key an instance
 * checks, in a fresh process of its own (bench/cold-verify.ts), the median of
 * several. A warm request of a function never pays a verify: checked keys are
 * kept (shared/auth/tokens.ts), so the cold figure is what a key costs a function.
 */
export interface SigningCost {
  es256SignUs: number;
  es256VerifyUs: number;
  hs256SignUs: number;
  hs256VerifyUs: number;
  coldVerify: { requireMs: number; parseKeysMs: number; firstVerifyMs: number; totalMs: number };
}

const cpuUs = (run: () => void, times: number) => {
  const start = process.cpuUsage();
  for (let i = 0; i < times; i += 1) run();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / times;
};
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

export function measureSigning({ times = 2000, spawns = 7 } = {}): SigningCost {
  const pair = newSigningKeyPair();
  const privateKey = createPrivateKey(pair.privateKeyPem);
  const publicKey = createPublicKey(pair.publicKeyPem);
  const secret = createSecretKey(randomBytes(48));
  const claims = () => ({ sub: randomUUID(), jti: randomUUID() });
  const es256 = jwt.sign(claims(), privateKey, { algorithm: 'ES256', keyid: pair.kid, expiresIn: 3600 });
  const hs256 = jwt.sign(claims(), secret, { algorithm: 'HS256', expiresIn: 3600 });
  // Warmed once each, so the figures are per operation, not the first one's setup.
  cpuUs(() => jwt.verify(es256, publicKey, { algorithms: ['ES256'] }), 50);
  const cost = {
    es256SignUs: cpuUs(() => jwt.sign(claims(), privateKey, { algorithm: 'ES256', keyid: pair.kid, expiresIn: 3600 }), times),
    es256VerifyUs: cpuUs(() => jwt.verify(es256, publicKey, { algorithms: ['ES256'] }), times),
    hs256SignUs: cpuUs(() => jwt.sign(claims(), secret, { algorithm: 'HS256', expiresIn: 3600 }), times),
    hs256VerifyUs: cpuUs(() => jwt.verify(hs256, secret, { algorithms: ['HS256'] }), times),
  };
  const colds = Array.from({ length: spawns }, () => {
    const child = spawnSync(process.execPath, [path.join(__dirname, 'cold-verify.ts')], {
      cwd: path.resolve(__dirname, '..'),
      env: { PATH: process.env.PATH, KEY: es256, KEYS: publicKeySetText([pair.publicKeyPem]) },
      encoding: 'utf8',
    });
    if (child.status !== 0) throw new Error(`cold verify failed: ${child.stderr}`);
    return JSON.parse(child.stdout) as SigningCost['coldVerify'];
  });
  const coldVerify = {
    requireMs: median(colds.map((c) => c.requireMs)),
    parseKeysMs: median(colds.map((c) => c.parseKeysMs)),
    firstVerifyMs: median(colds.map((c) => c.firstVerifyMs)),
    totalMs: median(colds.map((c) => c.totalMs)),
  };
  return { ...cost, coldVerify };
}

export function signingTable(cost: SigningCost): string {
  const us = (value: number) => `${value.toFixed(0)} µs`;
  const ms = (value: number) => `${value.toFixed(2)} ms`;
  return [
    `ES256 (deployed)  sign ${us(cost.es256SignUs)}  verify ${us(cost.es256VerifyUs)}   CPU per operation, warm`,
    `HS256 (before)    sign ${us(cost.hs256SignUs)}  verify ${us(cost.hs256VerifyUs)}`,
    `cold verify (an instance's first key): ${ms(cost.coldVerify.totalMs)} CPU = jsonwebtoken loaded ${ms(cost.coldVerify.requireMs)}` +
      ` + key set parsed ${ms(cost.coldVerify.parseKeysMs)} + first ES256 verify ${ms(cost.coldVerify.firstVerifyMs)} (median)`,
  ].join('\n');
}
