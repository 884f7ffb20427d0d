import { z } from 'zod';
import { isUniqueViolation } from '../../shared/db/conflicts';
import { defineEndpoint } from '../../shared/http/endpoint';
import { badRequest } from '../../shared/core/errors';
import { errorResponses } from '../../shared/http/error-docs';
import { createWallet } from '../../shared/wallets/new-wallet';
import { renderWallet, walletJson } from '../../shared/wallets/wallet-json';

// Card numbers must be JSON strings: a JSON number would drop leading zeros and
// cannot carry 19 digits exactly.
const createWalletBody = z
  .object({
    bank_name: z
      .string({ error: 'must be a string' })
      .trim()
      .min(1, 'must not be blank')
      .max(50, 'must be at most 50 characters')
      // Documents what trim().min(1) enforces: a blank name is refused.
      .meta({ pattern: '\\S' }),
    card_number: z
      .string({ error: 'must be a string of 12 to 19 digits' })
      .trim()
      .regex(/^\d{12,19}$/, 'must be 12 to 19 digits, without spaces or dashes'),
  })
  .meta({ id: 'NewWallet' });

const duplicateCard = () => badRequest('card_number', 'a wallet with this card number already exists');

export default defineEndpoint({
  session: 'pipeline',
  summary: 'Add a wallet (bank card)',
  description:
    '`bank_name`: 1–50 characters after trimming surrounding spaces. `card_number`: a JSON string of 12–19 digits ' +
    '(surrounding spaces are trimmed; no inner spaces or dashes; a JSON number is refused because it cannot keep leading zeros ' +
    'or 19 digits). Card numbers are unique across all users: a card already registered, by anyone, is a 400 naming ' +
    '`card_number`. The new wallet starts with balance 0.',
  body: createWalletBody,
  bodyExample: { bank_name: 'Bank of Banks', card_number: '5587258023401650' },
  responses: {
    201: {
      description: 'The wallet, created',
      schema: walletJson,
      example: { id: '6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f', bank_name: 'Bank of Banks', card_number: '5587258023401650', balance: 0 },
    },
    ...errorResponses(400, 401, 413, 415),
  },
  async handle({ user, body, sqlTransaction }) {
    try {
      return await sqlTransaction(async (tx) => ({
        status: 201,
        body: renderWallet(await createWallet(tx, user.id, body.bank_name, body.card_number)),
      }));
    } catch (error) {
      // card_number is the only unique column a create can collide on (ids are fresh UUIDs).
      if (isUniqueViolation(error)) throw duplicateCard();
      throw error;
    }
  },
});
