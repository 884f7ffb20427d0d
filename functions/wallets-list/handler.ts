import { z } from 'zod';
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
  async handle({ user }) {
    const wallets = await sqlRows<{ id: string; bankName: string; cardNumber: string; balance: string }>(
      'SELECT id, bank_name AS bankName, card_number AS cardNumber, balance FROM wallets WHERE user_id = ? ORDER BY created_at, id',
      [user.id],
    );
    return { status: 200, body: wallets.map(renderWallet) };
  },
});
