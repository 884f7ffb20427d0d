import { z } from 'zod';
import { passesLuhn } from '../../shared/cards/card-number';
import { cardHmacKey, config } from '../../shared/config/config';
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
      // abort: a malformed number gets this one message, not the Luhn check's too.
      .regex(/^\d{12,19}$/, { error: 'must be 12 to 19 digits, without spaces or dashes', abort: true })
      .refine(passesLuhn, 'is not a valid card number (Luhn check)'),
  })
  .meta({ id: 'NewWallet' });

// Said only for the caller's own wallets: uniqueness is per user, so nothing here tells whether anyone else holds the card.
const duplicateCard = () => badRequest('card_number', 'you already have a wallet with this card number');

export default defineEndpoint({
  session: 'pipeline',
  summary: 'Add a wallet (bank card)',
  description:
    '`bank_name`: 1–50 characters after trimming surrounding spaces. `card_number`: a JSON string of 12–19 digits ' +
    '(surrounding spaces are trimmed; no inner spaces or dashes; a JSON number is refused because it cannot keep leading zeros ' +
    'or 19 digits) that passes the Luhn check. A card the same user already registered is a 400 naming `card_number`; ' +
    'another user holding the same card makes no difference. A user holds at most `MAX_WALLETS_PER_USER` wallets (20 unless ' +
    'configured): the next one is a 422 `wallet_limit`. The new wallet starts with balance 0; the answer, like every answer, ' +
    'shows the card masked to its last four digits.',
  body: createWalletBody,
  bodyExample: { bank_name: 'Bank of Banks', card_number: '5587258023401650' },
  responses: {
    201: {
      description: 'The wallet, created',
      schema: walletJson,
      example: { id: '6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f', bank_name: 'Bank of Banks', card_number: '************1650', balance: 0 },
    },
    ...errorResponses(400, 401, 413, 415, 422),
  },
  async handle({ user, body, sqlTransaction }) {
    try {
      return await sqlTransaction(async (tx) => ({
        status: 201,
        body: renderWallet(
          await createWallet(tx, {
            userId: user.id,
            bankName: body.bank_name,
            cardNumber: body.card_number,
            cardKey: cardHmacKey(),
            maxWallets: config().MAX_WALLETS_PER_USER,
          }),
        ),
      }));
    } catch (error) {
      // (user_id, card_hash) is the only unique key a create can collide on (ids are fresh UUIDs).
      if (isUniqueViolation(error)) throw duplicateCard();
      throw error;
    }
  },
});
