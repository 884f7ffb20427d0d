import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A mail catcher for local development and the tests: a small real SMTP
 * server (RFC 5321's commands a client sends, enough for nodemailer) that
 * keeps every message instead of delivering it. Written here, not a package:
 * receiving is a page of code, and the failures the tests need (a server that
 * refuses, one that never greets, one that refuses messages) are one switch.
 * It offers neither STARTTLS nor AUTH, and accepts every recipient.
 */
export type MailCatcherMode =
  /** Catches every message. */
  | 'normal'
  /** Answers every connection `421` and closes it, as a server shutting down does. */
  | 'refuse'
  /** Accepts connections and never greets. */
  | 'hang'
  /** Greets, then refuses each message (`451` to MAIL FROM): up, but not delivering. */
  | 'reject-messages';

export interface CaughtMail {
  from: string;
  to: string[];
  subject: string;
  /** The text body, its Content-Transfer-Encoding undone. */
  text: string;
}

export interface MailCatcher {
  /** `smtp://127.0.0.1:<port>`, for SMTP_URL. */
  readonly url: string;
  readonly messages: readonly CaughtMail[];
  /** Connections accepted since start or the last clear(). */
  readonly connections: number;
  setMode(mode: MailCatcherMode): void;
  clear(): void;
  close(): Promise<void>;
}

export interface MailCatcherOptions {
  port: number;
  host?: string;
  /** Called with each message caught (npm start prints its link). */
  onMessage?: (mail: CaughtMail) => void;
}

// Limits of a catcher, not of SMTP: enough for any reset message.
const MAX_MESSAGE_BYTES = 1 << 20;
const MAX_LINE_BYTES = 4096;

export async function startMailCatcher({ port, host = '127.0.0.1', onMessage }: MailCatcherOptions): Promise<MailCatcher> {
  const messages: CaughtMail[] = [];
  const sockets = new Set<Socket>();
  let mode: MailCatcherMode = 'normal';
  let connections = 0;

  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    connections += 1;
    if (mode === 'hang') return;
    if (mode === 'refuse') {
      socket.end('421 mail-catcher Service not available, closing transmission channel\r\n');
      return;
    }
    converse(
      socket,
      () => mode,
      (mail) => {
        messages.push(mail);
        onMessage?.(mail);
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const address = server.address() as AddressInfo;

  return {
    url: `smtp://${host}:${address.port}`,
    get messages() {
      return messages;
    },
    get connections() {
      return connections;
    },
    setMode(next) {
      mode = next;
    },
    clear() {
      messages.length = 0;
      connections = 0;
    },
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** One SMTP session: commands line by line, and DATA until the lone dot. */
function converse(socket: Socket, mode: () => MailCatcherMode, caught: (mail: CaughtMail) => void): void {
  const reply = (line: string) => socket.write(`${line}\r\n`);
  let envelope: { from: string; to: string[] } | undefined;
  let data: string[] | undefined;
  let dataBytes = 0;
  let pending = '';

  reply('220 mail-catcher ESMTP');
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    pending += chunk;
    for (let end = pending.indexOf('\r\n'); end >= 0; end = pending.indexOf('\r\n')) {
      const line = pending.slice(0, end);
      pending = pending.slice(end + 2);
      if (data) {
        if (line === '.') {
          const mail = parseMessage(envelope!, data);
          data = undefined;
          envelope = undefined;
          caught(mail);
          reply('250 2.0.0 Caught');
        } else if ((dataBytes += line.length + 2) > MAX_MESSAGE_BYTES) {
          reply('552 5.3.4 Message too big');
          socket.end();
          return;
        } else {
          // Dot-stuffing undone (RFC 5321 4.5.2).
          data.push(line.startsWith('.') ? line.slice(1) : line);
        }
      } else {
        command(line);
      }
    }
    if (pending.length > MAX_LINE_BYTES && !data) {
      reply('500 5.5.6 Line too long');
      socket.end();
    }
  });

  function command(line: string): void {
    const verb = line.slice(0, 4).toUpperCase();
    const argument = line.slice(4).trim();
    switch (verb) {
      case 'EHLO':
        reply('250-mail-catcher');
        reply('250-8BITMIME');
        reply('250-SMTPUTF8');
        reply(`250 SIZE ${MAX_MESSAGE_BYTES}`);
        return;
      case 'HELO':
        reply('250 mail-catcher');
        return;
      case 'MAIL':
        if (mode() === 'reject-messages') return void reply('451 4.3.0 Mail server temporarily refusing messages');
        envelope = { from: addressIn(argument), to: [] };
        return void reply('250 2.1.0 OK');
      case 'RCPT':
        if (!envelope) return void reply('503 5.5.1 MAIL first');
        envelope.to.push(addressIn(argument));
        return void reply('250 2.1.5 OK');
      case 'DATA':
        if (!envelope?.to.length) return void reply('503 5.5.1 RCPT first');
        data = [];
        dataBytes = 0;
        return void reply('354 End data with <CR><LF>.<CR><LF>');
      case 'RSET':
        envelope = undefined;
        return void reply('250 2.0.0 OK');
      case 'NOOP':
        return void reply('250 2.0.0 OK');
      case 'QUIT':
        reply('221 2.0.0 Bye');
        socket.end();
        return;
      default:
        reply('502 5.5.2 Command not implemented');
    }
  }
}

/** `FROM:<a@b> SIZE=…` → `a@b`. */
const addressIn = (argument: string) => /<([^>]*)>/.exec(argument)?.[1] ?? '';

/** Headers and a single-part text body, as nodemailer writes a plain-text message. */
function parseMessage(envelope: { from: string; to: string[] }, lines: string[]): CaughtMail {
  const blank = lines.indexOf('');
  const headerLines = blank >= 0 ? lines.slice(0, blank) : lines;
  const body = blank >= 0 ? lines.slice(blank + 1).join('\r\n') : '';
  const headers = new Map<string, string>();
  let last = '';
  for (const line of headerLines) {
    if (/^[ \t]/.test(line) && last) headers.set(last, `${headers.get(last)} ${line.trim()}`);
    else {
      const colon = line.indexOf(':');
      last = line.slice(0, colon).toLowerCase();
      headers.set(last, line.slice(colon + 1).trim());
    }
  }
  return { ...envelope, subject: headers.get('subject') ?? '', text: decodeBody(body, headers.get('content-transfer-encoding')?.toLowerCase()) };
}

function decodeBody(body: string, encoding: string | undefined): string {
  if (encoding === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding === 'quoted-printable') {
    const bytes = body.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/gi, (_match, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8').replace(/\r\n/g, '\n');
  }
  return body.replace(/\r\n/g, '\n');
}

/** The first http(s) link in a message, as npm start prints it. */
export const linkIn = (mail: CaughtMail): string | undefined => /https?:\/\/\S+/.exec(mail.text)?.[0];
