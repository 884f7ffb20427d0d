import { OAuth2Client } from 'google-auth-library';
import { config } from '../config/config';
import { ApiError, unauthorized } from '../core/errors';

/**
 * seed-demo-users is called by Cloud Scheduler with an OIDC ID token signed by
 * Google for the scheduler's service account. Cloud Run already refuses callers
 * without run.invoker (the function is deployed with --no-allow-unauthenticated);
 * this check verifies the token again inside the function, so a mistaken IAM
 * binding alone never opens it.
 *
 * Only fetching Google's signing certificates needs the network; that one call
 * sits behind `CertificateSource` so tests can sign tokens with a local key and
 * still run the real verification below.
 */
export interface CertificateSource {
  certificates(): Promise<Record<string, string>>;
}

const oauthClient = new OAuth2Client();

export const googleCertificates: CertificateSource = {
  async certificates() {
    const { certs } = await oauthClient.getFederatedSignonCertsAsync();
    return certs as Record<string, string>;
  },
};

let source: CertificateSource = googleCertificates;

export function setCertificateSourceForTests(next: CertificateSource): void {
  source = next;
}

const GOOGLE_ISSUERS = ['https://accounts.google.com', 'accounts.google.com'];
const BEARER = /^Bearer\s+(\S+)$/i;

export async function authenticateScheduler(header: string | undefined): Promise<{ email: string }> {
  const { SCHEDULER_AUDIENCE, SCHEDULER_SERVICE_ACCOUNT } = config();
  if (!SCHEDULER_AUDIENCE || !SCHEDULER_SERVICE_ACCOUNT) {
    throw new ApiError(403, 'scheduler_not_configured', 'This function only accepts Cloud Scheduler calls, and none are configured');
  }
  const token = header ? BEARER.exec(header.trim())?.[1] : undefined;
  if (!token) throw unauthorized('A Cloud Scheduler OIDC token is required');

  let payload;
  try {
    const ticket = await oauthClient.verifySignedJwtWithCertsAsync(token, await source.certificates(), SCHEDULER_AUDIENCE, GOOGLE_ISSUERS);
    payload = ticket.getPayload();
  } catch {
    throw unauthorized('Invalid Cloud Scheduler token');
  }
  if (!payload?.email_verified || payload.email !== SCHEDULER_SERVICE_ACCOUNT) {
    throw new ApiError(403, 'forbidden', 'This caller may not run the seeding function');
  }
  return { email: payload.email };
}
