import { createPublicKey } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { newSigningKeyPair, publicKeySetText } from '../shared/auth/signing-key-pairs';

/**
 * `npm start`'s signing key: made once per checkout in .tools/ (never
 * committed), so keys a client holds survive a restart, as deployed ones
 * survive a deploy. No Google account needed; production's key pair lives in
 * Secret Manager (docs/deploy.md, Signing keys).
 */
export const LOCAL_SIGNING_KEY_FILE = path.resolve(__dirname, '..', '.tools', 'local-signing-key.pem');

export function localSigningKeys(file = LOCAL_SIGNING_KEY_FILE): { SIGNING_PRIVATE_KEY: string; SIGNING_PUBLIC_KEYS: string } {
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, newSigningKeyPair().privateKeyPem, { mode: 0o600 });
  }
  const privateKeyPem = readFileSync(file, 'utf8');
  const publicKeyPem = createPublicKey(privateKeyPem).export({ format: 'pem', type: 'spki' }).toString();
  return { SIGNING_PRIVATE_KEY: privateKeyPem, SIGNING_PUBLIC_KEYS: publicKeySetText([publicKeyPem]) };
}
