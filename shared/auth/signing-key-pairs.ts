import { createHash, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';

/**
 * API keys are ES256 JWTs (shared/auth/tokens.ts). The private key signs, in
 * the functions that issue keys only; every function verifies with a set of
 * public keys, `kid` → PEM (SIGNING_PUBLIC_KEYS, the signing-public-keys
 * secret). This module is the one place that makes a pair and names it, for
 * the deploy (infra/secrets.ts), local development and the tests alike.
 */

/** One key pair as it is stored: PKCS#8 and SPKI PEM, and its `kid`. */
export interface SigningKeyPair {
  kid: string;
  privateKeyPem: string;
  publicKeyPem: string;
}

/**
 * A key's id is its RFC 7638 JWK thumbprint (SHA-256, base64url): computed
 * from the public key, never stored beside it, so a private key and the id it
 * signs under cannot disagree, and two different keys never share one.
 */
export function keyIdOf(key: KeyObject | string): string {
  const publicKey = typeof key !== 'string' && key.type === 'public' ? key : createPublicKey(key);
  const jwk = publicKey.export({ format: 'jwk' });
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256') throw new Error('A signing key must be an EC P-256 key (ES256)');
  // The required members in lexicographic order, no whitespace (RFC 7638 §3.2).
  const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
  return createHash('sha256').update(canonical).digest('base64url');
}

export function newSigningKeyPair(): SigningKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    kid: keyIdOf(publicKey),
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicKeyPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
  };
}

/** The SIGNING_PUBLIC_KEYS text for these public keys: a JSON object of `kid` → SPKI PEM. */
export function publicKeySetText(publicKeyPems: readonly string[]): string {
  return JSON.stringify(Object.fromEntries(publicKeyPems.map((pem) => [keyIdOf(pem), pem])));
}
