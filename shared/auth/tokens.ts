import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { z } from 'zod';
import { config } from '../config/config';
import { db } from '../db/client';
import { purgeExpired } from '../db/housekeeping';
import type { AuthenticatedUser } from '../http/endpoint';
import { unauthorized } from '../http/errors';
import { jwtSecret } from './secrets';

/**
 * A key is a JWT naming a session row. The signature proves we issued it; the
 * row makes logout real (revoked_at) and lets expiry be enforced server-side.
 */
const ALGORITHM = 'HS256';
const claimsSchema = z.object({ sub: z.string(), jti: z.string() });

export async function issueToken(userId: string): Promise<string> {
  const sessionId = randomUUID();
  const ttlSeconds = config().TOKEN_TTL_SECONDS;
  const now = new Date();
  // Housekeeping at the moment sessions grow: expired rows, anyone's, can go.
  await purgeExpired('sessions', now);
  await db().session.create({ data: { id: sessionId, userId, expiresAt: new Date(now.getTime() + ttlSeconds * 1000) } });
  return jwt.sign({}, await jwtSecret(), {
    algorithm: ALGORITHM,
    subject: userId,
    jwtid: sessionId,
    expiresIn: ttlSeconds,
  });
}

// Schemes are case-insensitive (RFC 7235): old clients send `token`, others `Token` or `Bearer`.
const AUTH_HEADER = /^(?:token|bearer)\s+(\S+)$/i;

export interface Authenticated {
  user: AuthenticatedUser;
  sessionId: string;
}

export async function authenticate(header: string | undefined): Promise<Authenticated> {
  if (!header) throw unauthorized('Authentication credentials were not provided');
  const key = AUTH_HEADER.exec(header.trim())?.[1];
  if (!key) throw unauthorized('Authorization header must be "token <key>"');

  let claims: z.infer<typeof claimsSchema>;
  try {
    claims = claimsSchema.parse(jwt.verify(key, await jwtSecret(), { algorithms: [ALGORITHM] }));
  } catch (error) {
    if (error instanceof jwt.TokenExpiredError) throw unauthorized('Token has expired');
    throw unauthorized('Invalid token');
  }

  const session = await db().session.findUnique({ where: { id: claims.jti }, include: { user: true } });
  if (!session || session.userId !== claims.sub) throw unauthorized('Invalid token');
  if (session.revokedAt) throw unauthorized('Token has been revoked');
  if (session.expiresAt <= new Date()) throw unauthorized('Token has expired');
  if (!session.user.isActive) throw unauthorized('User inactive or deleted');

  const { user } = session;
  return {
    sessionId: session.id,
    user: {
      id: user.id,
      username: user.username,
      email: user.email,
      firstName: user.firstName,
      lastName: user.lastName,
      mlUuid: user.mlUuid,
    },
  };
}

export async function revokeSession(sessionId: string): Promise<void> {
  await db().session.updateMany({ where: { id: sessionId, revokedAt: null }, data: { revokedAt: new Date() } });
}
