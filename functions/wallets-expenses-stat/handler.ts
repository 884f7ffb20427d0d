import { z } from 'zod';
import { defineEndpoint } from '../../shared/http/endpoint';
import { errorResponses } from '../../shared/http/error-docs';
import { moneyNumber } from '../../shared/money/decimal';
import { expensesStatJson } from '../../shared/wallets/expenses-stat';

const day = z.iso.date({ error: 'must be a date YYYY-MM-DD' });

const rangeQuery = z
  .object({
    start: day.optional().describe('First UTC day included, YYYY-MM-DD'),
    end: day.optional().describe('Last UTC day included, YYYY-MM-DD; not before start'),
  })
  .refine(({ start, end }) => !start || !end || start <= end, { path: ['end'], message: 'must not be before start' });

const dayTotals = z
  .object({
    purchases: moneyNumber.describe('Money that came in that day (top-ups, sale proceeds)'),
    sells: moneyNumber.describe('Money that went out that day (asset purchases), as a positive number'),
  })
  .meta({ id: 'DayTotals', description: "A UTC day's money in and out, over all the user's wallets" });

export default defineEndpoint({
  session: 'pipeline',
  summary: 'Money in and out per day, over all of the user’s wallets',
  description:
    'Keys are the epoch seconds of each UTC day’s 00:00, in ascending order; only days with at least one transaction appear. ' +
    'The field names are the old clients’: `purchases` is the money that came in that day (top-ups and sale proceeds), ' +
    '`sells` the money that went out (asset purchases), as a positive number; both are exact decimals written as JSON numbers. ' +
    'Optional `start` and `end` (YYYY-MM-DD, UTC days, both inclusive) bound the range; either may be given alone; ' +
    '`end` before `start` is a 400. A user with no transactions in range gets `{}`.',
  query: rangeQuery,
  responses: {
    200: {
      description: 'Totals per UTC day',
      schema: z.record(z.string().regex(/^\d+$/), dayTotals).describe('Keyed by the epoch seconds of each UTC day’s midnight'),
      example: { '1622678400': { purchases: 1250.0, sells: 0 }, '1622764800': { purchases: 400.0, sells: 1000.0 } },
    },
    ...errorResponses(400, 401),
  },
  async handle({ user, query }) {
    return { status: 200, raw: { contentType: 'application/json; charset=utf-8', payload: await expensesStatJson(user.id, query) } };
  },
});
