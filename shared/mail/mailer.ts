import nodemailer, { type Transporter } from 'nodemailer';
import { config, smtpUrl } from '../config/config';
import { ApiError } from '../core/errors';

/**
 * E-mail through the SMTP server SMTP_URL names (a provider's relay in
 * production, the mail catcher locally): nodemailer speaks the protocol
 * (STARTTLS, AUTH, dot-stuffing, MIME encoding). A message is sent while the
 * request waits, so a mail server that fails is the client's 503, never a
 * 200 for a message that went nowhere.
 *
 * After a failure the server is taken as down for SMTP_RETRY_AFTER_SECONDS:
 * every call in that time fails at once, with the same 503 whoever it was
 * for, instead of waiting on the server again (docs/failure-behaviour.md).
 */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
}

let transport: { key: string; transporter: Transporter } | undefined;
let downUntilMs = 0;

function transporter(): Transporter {
  const url = smtpUrl();
  const timeout = config().SMTP_TIMEOUT_MS;
  const key = `${timeout} ${url}`;
  if (transport?.key !== key) {
    transport = {
      key,
      // One connection per message, no pool: a reset is rare, and a pooled
      // connection the server closed while idle would fail the next request.
      transporter: nodemailer.createTransport({
        url,
        connectionTimeout: timeout,
        greetingTimeout: timeout,
        socketTimeout: timeout,
        // Messages are our own text; nothing in them may read a file or a URL.
        disableFileAccess: true,
        disableUrlAccess: true,
      }),
    };
  }
  return transport.transporter;
}

const mailUnavailable = (retryAfterSeconds: number, cause?: unknown) =>
  new ApiError(503, 'mail_unavailable', 'The mail server is unavailable; retry later', [], { 'Retry-After': String(retryAfterSeconds) }, cause);

/** Throws the 503 at once while the mail server is known to be down (a failure less than SMTP_RETRY_AFTER_SECONDS ago). */
export function refuseWhileMailServerDown(): void {
  const secondsLeft = Math.ceil((downUntilMs - Date.now()) / 1000);
  if (secondsLeft > 0) throw mailUnavailable(secondsLeft);
}

async function withMailServer(work: (transporter: Transporter) => Promise<unknown>): Promise<void> {
  refuseWhileMailServerDown();
  try {
    await work(transporter());
  } catch (cause) {
    const { SMTP_RETRY_AFTER_SECONDS: seconds } = config();
    downUntilMs = Date.now() + seconds * 1000;
    throw mailUnavailable(seconds, cause);
  }
}

/** Hands `message` to the mail server, or throws 503 with Retry-After. */
export function sendMail(message: MailMessage): Promise<void> {
  return withMailServer((server) => server.sendMail({ from: config().MAIL_FROM, ...message }));
}

/**
 * The same conversation as sendMail up to the message itself (connect, TLS,
 * greeting, AUTH), then QUIT: for a request that has nothing to send, so that
 * it fails when sending would have, and spends about as long at it.
 */
export function checkMailServer(): Promise<void> {
  return withMailServer((server) => server.verify());
}

/** Tests point SMTP_URL at a new catcher or make one fail; production never calls this. */
export function resetMailerForTests(): void {
  transport?.transporter.close();
  transport = undefined;
  downUntilMs = 0;
}
