import { z } from 'zod';
import { SESSION_COLUMNS, type SessionRow } from '../../shared/auth/tokens';
import { sqlRows } from '../../shared/db/sql';
import { defineEndpoint } from '../../shared/http/endpoint';
import { errorResponses } from '../../shared/http/error-docs';
import { renderWallet, walletExample, walletJson } from '../../shared/wallets/wallet-json';

export default defineEndpoint({
  summary: "The user's wallets",
  description:
    'Every wallet of the logged-in user, oldest first (ties broken by id). `balance` is the exact decimal written as a JSON number ' +
    '(e.g. `650.00`); it always equals the sum of the wallet’s transactions.',
  responses: {
    200: { description: 'The wallets (an empty list when the user has none)', schema: z.array(walletJson), example: [walletExample] },
    ...errorResponses(401),
  },
  confirmsSessionItself: true,
  async handle({ unconfirmedSession }) {
    // The busiest request: the session and the wallets in one read, a row per wallet (one without when there is none).
    const rows = await sqlRows<SessionRow & { id: string | null; bankName: string; cardNumber: string; balance: string }>(
      `SELECT ${SESSION_COLUMNS}, w.id, w.bank_name AS bankName, w.card_number AS cardNumber, w.balance
       FROM sessions s JOIN users u ON u.id = s.user_id LEFT JOIN wallets w ON w.user_id = u.id
       WHERE s.id = ? ORDER BY w.created_at, w.id`,
      [unconfirmedSession.key.sessionId],
    );
    unconfirmedSession.confirm(rows[0]);
    return { status: 200, body: rows.filter((row) => row.id !== null).map((row) => renderWallet({ ...row, id: row.id as string })) };
  },
});
