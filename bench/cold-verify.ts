// One cold verify, as the first request of an instance pays it: jsonwebtoken
// loaded, the public key set parsed, one ES256 key checked. Run by plain
// `node` in a fresh process (type stripping), so it must stay erasable
// TypeScript; prints one JSON line of CPU milliseconds (bench/signing-cost.ts).
import { createPublicKey } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';

const ms = (usage: NodeJS.CpuUsage) => (usage.user + usage.system) / 1000;
const { KEY, KEYS } = process.env;
const start = process.cpuUsage();
// Resolved from the checkout (the bench runs this with it as the working directory).
const jwt = createRequire(path.join(process.cwd(), 'package.json'))('jsonwebtoken');
const loaded = process.cpuUsage();
const set = Object.fromEntries(Object.entries(JSON.parse(KEYS ?? '{}') as Record<string, string>).map(([kid, pem]) => [kid, createPublicKey(pem)]));
const parsed = process.cpuUsage();
const kid = JSON.parse(Buffer.from((KEY ?? '').split('.')[0], 'base64url').toString()).kid;
jwt.verify(KEY, set[kid], { algorithms: ['ES256'] });
const verified = process.cpuUsage();
const between = (from: NodeJS.CpuUsage, to: NodeJS.CpuUsage) => ms(to) - ms(from);
process.stdout.write(
  `${JSON.stringify({ requireMs: between(start, loaded), parseKeysMs: between(loaded, parsed), firstVerifyMs: between(parsed, verified), totalMs: between(start, verified) })}\n`,
);
