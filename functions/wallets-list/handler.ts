import { z } from 'zod';
import { defineEndpoint } from '../../shared/http/endpoint';
import { errorResponses } from '../../shared/http/error-docs';
import { confirmSessionWithWallets } from '../../shared/wallets/session-wallets';
import { renderWallet, walletExample, walletJson } from '../../shared/wallets/wallet-json';

export default defineEndpoint({
  session: 'handler',
  summary: "The user's wallets",
  description:
    'Every wallet of the logged-in user, oldest first (ties broken by id). `balance` is the exact decimal written as a JSON number ' +
    '(e.g. `650.00`); it always equals the sum of the wallet’s transactions.',
  responses: {
    200: { description: 'The wallets (an empty list when the user has none)', schema: z.array(walletJson), example: [walletExample] },
    ...errorResponses(401),
  },
  async handle({ unconfirmedSession }) {
    // The busiest request: one statement, the session confirmed in the wallets' read.
    const { wallets } = await confirmSessionWithWallets(unconfirmedSession);
    return { status: 200, body: wallets.map(renderWallet) };
  },
});
