import { linkIn, startMailCatcher, type CaughtMail, type MailCatcher } from '../scripts/mail-catcher/server';
import { resetConfigForTests } from '../shared/config/config';
import { resetMailerForTests } from '../shared/mail/mailer';

/**
 * Starts the mail catcher for the calling test file and points SMTP_URL at it
 * (call after useTestDatabase, whose beforeAll also resets the config). After
 * each test its messages are cleared, its failures switched off, and the
 * mailer forgets a failure it saw (so no test inherits a "mail server down").
 */
export interface MailCatcherFixture {
  catcher(): MailCatcher;
  /** The messages caught for `address`, oldest first. */
  messagesTo(address: string): CaughtMail[];
  /** `uid` and `token` from the link in `mail`, as the web client would read them. */
  resetLinkIn(mail: CaughtMail): { uid: string; token: string };
}

/** The link's shape with the default PASSWORD_RESET_LINK: `…/password-reset/confirm/{uid}/{token}/`. */
const RESET_LINK = /\/password-reset\/confirm\/([^/]+)\/([^/]+)\/$/;

export function useMailCatcher(): MailCatcherFixture {
  let catcher: MailCatcher | undefined;
  beforeAll(async () => {
    catcher = await startMailCatcher({ port: 0 });
    process.env.SMTP_URL = catcher.url;
    resetConfigForTests();
    resetMailerForTests();
  });
  afterEach(() => {
    catcher?.setMode('normal');
    catcher?.clear();
    resetMailerForTests();
  });
  afterAll(async () => {
    delete process.env.SMTP_URL;
    resetConfigForTests();
    resetMailerForTests();
    await catcher?.close();
  });
  const started = () => {
    if (!catcher) throw new Error('useMailCatcher: the catcher starts in beforeAll');
    return catcher;
  };
  return {
    catcher: started,
    messagesTo: (address) => started().messages.filter((mail) => mail.to.includes(address)),
    resetLinkIn(mail) {
      const found = RESET_LINK.exec(linkIn(mail) ?? '');
      if (!found) throw new Error(`no reset link in: ${mail.text}`);
      return { uid: decodeURIComponent(found[1]), token: decodeURIComponent(found[2]) };
    },
  };
}
