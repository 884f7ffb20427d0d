import { createHmac, createPrivateKey, sign, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { keyIdOf } from '../shared/auth/signing-key-pairs';

/** The run's private key (testing/global-setup), as auth-login holds it. */
export const issuerKey = (): KeyObject => createPrivateKey(process.env.SIGNING_PRIVATE_KEY as string);

/**
 * Keys the tests make themselves (expired, short-lived, naming another
 * session), signed as auth-login signs: ES256 with the run's private key and its `kid`.
 */
export function signAsIssuer(payload: object, options: jwt.SignOptions = {}): string {
  const privateKey = issuerKey();
  return jwt.sign(payload, privateKey, { algorithm: 'ES256', keyid: keyIdOf(privateKey), ...options });
}

/**
 * A key written by hand, header and all, as an attacker would: no library in
 * the way to refuse an odd header or algorithm on the attacker's behalf.
 */
export function handMadeKey(header: object, payload: object, signer: (signingInput: string) => Buffer): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const signingInput = `${part(header)}.${part(payload)}`;
  return `${signingInput}.${signer(signingInput).toString('base64url')}`;
}

/** JWS's ES256: an ECDSA P-256 signature of SHA-256, r and s side by side (RFC 7518 §3.4). */
export const es256 = (privateKey: KeyObject) => (input: string) => sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' });
export const hs256 = (secret: string | Buffer) => (input: string) => createHmac('sha256', secret).update(input).digest();
export const rs256 = (privateKey: KeyObject) => (input: string) => sign('sha256', Buffer.from(input), privateKey);
