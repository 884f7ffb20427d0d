import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { quoteFor } from '../../scripts/ml-standin/market-data';
import { db } from '../../shared/db/prisma';
import * as sql from '../../shared/db/sql';
import { DEMO_USERS } from '../../shared/demo/demo-data';
import { demoId, demoPurchasePrice, seedDemoUsers } from '../../shared/demo/seed';
import { Decimal, MAX_AMOUNT } from '../../shared/money/decimal';
import { useMlStandin } from '../../testing/ml-standin';
import { findTicker } from '../../shared/ml/tickers';
import { callFunction, loginAs, logout, tokenHeader } from '../../testing/http';
import { useTestDatabase } from '../../testing/test-database';
import { dailyFlowsOutOfStep, rebuildFlowsOfWallet } from '../../testing/wallets';
import { purchaseName, saleName } from '../../shared/wallets/transaction-names';
import endpoint from './handler';

useTestDatabase();
const ml = useMlStandin();

const keys: Record<string, string> = {};
beforeAll(async () => {
  await seedDemoUsers();
  for (const user of DEMO_USERS) keys[user.username] = await loginAs(user.username);
});

type Body = Record<string, unknown>;

const purchase = (username: string, body: Body, idempotencyKey?: string) => {
  const request = callFunction('assets-purchase').post('/api/v1/assets/').set(tokenHeader(keys[username]));
  return (idempotencyKey ? request.set('Idempotency-Key', idempotencyKey) : request).send(body);
};

async function adviceFor(username: string, query: Record<string, string>): Promise<Body> {
  const response = await callFunction('assets-advice').get('/api/v1/assets/advice/').query(query).set(tokenHeader(keys[username]));
  expect(response.status).toBe(200);
  return response.body;
}

/** The stand-in's price of an asset, in cents, as the service would quote it now. */
const quote = (assetName: string) => new Decimal(quoteFor(findTicker(assetName)!).current_price).toDecimalPlaces(2, Decimal.ROUND_HALF_UP);
const cents = (value: Decimal) => value.toDecimalPlaces(2, Decimal.ROUND_HALF_UP);

/** A plain body: parts and prices as the client would send them. */
const bodyOf = (investedSum: string, parts: Array<[string, number]>) => ({
  assets: parts.map(([asset_name, part_of_portfolio]) => ({ asset_name, part_of_portfolio, statistics: { current_price: quote(asset_name).toFixed(2) } })),
  metrics: { rate_of_return: '12.30', volatility: '15.00', value_at_risk: '-0.25' },
  invested_sum: investedSum,
});

/** Every row purchases touch, to prove a refused purchase changed nothing. */
async function snapshot() {
  const rows = await Promise.all([
    db().wallet.findMany({ orderBy: { id: 'asc' } }),
    db().transaction.findMany({ orderBy: { id: 'asc' } }),
    db().asset.findMany({ orderBy: { id: 'asc' } }),
    db().metrics.findMany({ orderBy: { id: 'asc' } }),
    db().idempotencyRecord.count(),
  ]);
  return JSON.parse(JSON.stringify(rows));
}

/** SPEC §4: every balance equals the sum of its wallet's transactions. */
async function expectBalancesMatchLedger() {
  const wallets = await db().wallet.findMany({ include: { transactions: true } });
  for (const wallet of wallets) {
    const ledger = wallet.transactions.reduce((sum, transaction) => sum.plus(transaction.sum), new Decimal(0));
    expect(`${wallet.id} ${wallet.balance.toFixed(2)}`).toBe(`${wallet.id} ${ledger.toFixed(2)}`);
  }
  expect(await dailyFlowsOutOfStep()).toEqual([]);
}

async function portfolioOf(username: string) {
  const user = await db().user.findUniqueOrThrow({ where: { username } });
  const [assets, metrics] = await Promise.all([
    db().asset.findMany({ where: { transaction: { wallet: { userId: user.id } } }, include: { transaction: true } }),
    db().metrics.findMany({ where: { userId: user.id } }),
  ]);
  return { assets, metrics };
}

/** What selling a seeded demo portfolio credits at the stand-in's quotes, worked out here by hand. */
function demoSaleValue(username: string): Decimal {
  const { portfolio } = DEMO_USERS.find((user) => user.username === username)!;
  return portfolio!.parts.reduce((total, [assetName, percent], index) => {
    const overallSum = new Decimal(portfolio!.investedSum).times(percent).dividedBy(100);
    return total.plus(cents(overallSum.times(quote(assetName)).dividedBy(demoPurchasePrice(assetName, index))));
  }, new Decimal(0));
}

describe('POST /api/v1/assets/', () => {
  // Each purchase starts from the demo data of SPEC §5.
  beforeEach(() => seedDemoUsers());

  it('buys an advice response sent back verbatim, selling the portfolio held before', async () => {
    const advice = await adviceFor('lyraking', { risk_level: '49' });
    const johnBefore = await portfolioOf('johnwick');

    const response = await purchase('lyraking', { ...advice, invested_sum: advice.suggested_sum });
    expect(response.status).toBe(201);
    const adviceAssets = advice.assets as Array<{ part_of_portfolio: number; overall_sum: string; asset_name: string; statistics: { current_price: string } }>;
    const proceeds = demoSaleValue('lyraking');
    const balance = new Decimal('1950.50').plus(proceeds).minus('1950.50');
    expect(response.body).toEqual({
      detail: 'Portfolio purchased',
      wallet: { id: demoId('lyraking', 'wallet', 0), bank_name: 'Bank of Banks', card_number: '************1650', balance: balance.toNumber() },
      transactions: [
        { created_at: expect.any(String), name: saleName(7), sum: proceeds.toNumber(), sum_direction: '+' },
        { created_at: expect.any(String), name: purchaseName(adviceAssets.length), sum: 1950.5, sum_direction: '-' },
      ],
      metrics: advice.metrics,
      assets: adviceAssets.map(({ part_of_portfolio, asset_name, statistics }) => ({
        part_of_portfolio,
        overall_sum: expect.any(String),
        asset_name,
        price_per_unit: statistics.current_price,
      })),
      invested_sum: '1950.50',
    });
    expect(response.text).toContain(`"balance":${balance.toFixed(2)}`);
    expect(endpoint.responses[201].schema!.parse(response.body)).toBeTruthy();
    // This advice's parts add up to 99: each asset gets its part's share of 99, to the cent, adding up exactly.
    const partsTotal = adviceAssets.reduce((sum, asset) => sum + asset.part_of_portfolio, 0);
    expect(partsTotal).toBe(99);
    const stored = response.body.assets.map((asset: { overall_sum: string }) => new Decimal(asset.overall_sum));
    stored.forEach((sum: Decimal, index: number) => {
      expect(sum.minus(new Decimal('1950.50').times(adviceAssets[index].part_of_portfolio).dividedBy(partsTotal)).abs().lessThan('0.01')).toBe(true);
    });
    expect(Decimal.sum(...stored).toFixed(2)).toBe('1950.50');

    // GET /assets/ now lists what was bought, with the advice's parts, at zero profit: bought at the current price.
    const listed = await callFunction('assets-list').get('/api/v1/assets/').set(tokenHeader(keys.lyraking));
    expect(listed.body.invested_sum).toBe('1950.50');
    expect(listed.body.metrics).toEqual(advice.metrics);
    expect(listed.body.assets.map((asset: Body) => [asset.asset_name, asset.part_of_portfolio, asset.overall_sum])).toEqual(
      response.body.assets.map((asset: Body) => [asset.asset_name, asset.part_of_portfolio, asset.overall_sum]),
    );
    expect(listed.body.assets.every((asset: { statistics: { profit: string } }) => asset.statistics.profit === '0.00')).toBe(true);

    // The database stamped both rows, the sale first; the answer shows the stamps the statement lists.
    const statement = await callFunction('wallets-transactions')
      .get(`/api/v1/wallets/${demoId('lyraking', 'wallet', 0)}/transactions/`)
      .set(tokenHeader(keys.lyraking));
    expect(statement.body.slice(-2)).toEqual(response.body.transactions);
    const [soldAt, boughtAt] = response.body.transactions.map((transaction: { created_at: string }) => transaction.created_at);
    expect(soldAt < boughtAt).toBe(true);
    expect(Math.abs(new Date(boughtAt).getTime() - Date.now())).toBeLessThan(5_000);

    const after = await portfolioOf('lyraking');
    expect(after.metrics).toHaveLength(1);
    expect(new Set(after.assets.map((asset) => asset.transaction.name))).toEqual(new Set([purchaseName(adviceAssets.length)]));
    expect(await portfolioOf('johnwick')).toEqual(johnBefore);
    await expectBalancesMatchLedger();
  });

  it('buys advice sent back whole when advice could not quote an asset: that asset at the quote, with nothing to check', async () => {
    const first = (await adviceFor('lyraking', { risk_level: '49' })).assets as Array<{ asset_name: string }>;
    const unquoted = first[0].asset_name;
    ml.standin().setMode('error500', { route: 'stat', assetName: unquoted });
    const advice = await adviceFor('lyraking', { risk_level: '49' });
    const adviceAssets = advice.assets as Array<{ asset_name: string; statistics: { current_price: string } | null }>;
    expect(adviceAssets.find((asset) => asset.asset_name === unquoted)!.statistics).toBeNull();
    ml.standin().setMode('normal');

    const response = await purchase('lyraking', { ...advice, invested_sum: advice.suggested_sum });
    expect(response.status).toBe(201);
    expect(response.body.assets.map((asset: Body) => [asset.asset_name, asset.price_per_unit])).toEqual(
      adviceAssets.map(({ asset_name }) => [asset_name, quote(asset_name).toFixed(2)]),
    );
    await expectBalancesMatchLedger();
  });

  it.each([
    ['johnwick', '49', '606.30', 100, '606.31'],
    ['lyraking', '0', '1000.00', 101, '1010.00'],
    ['alexray', '49', '2650.00', 100, '2650.00'], // rounding gives 102: advice falls back to parts adding up to 100
  ])(
    'buys %s’s advice at risk_level %s for %s verbatim (parts adding up to %i, sums to %s)',
    async (username, riskLevel, investingSum, partsTotal, adviceTotal) => {
      const advice = await adviceFor(username, { risk_level: riskLevel, investing_sum: investingSum });
      const parts = (advice.assets as Array<{ part_of_portfolio: number }>).map((asset) => asset.part_of_portfolio);
      expect(parts.reduce((sum, part) => sum + part, 0)).toBe(partsTotal);
      expect(Decimal.sum(...(advice.assets as Array<{ overall_sum: string }>).map((asset) => asset.overall_sum)).toFixed(2)).toBe(adviceTotal);
      const response = await purchase(username, { ...advice, invested_sum: advice.suggested_sum });
      expect(response.status).toBe(201);
      expect(response.body.assets.map((asset: { part_of_portfolio: number }) => asset.part_of_portfolio)).toEqual(parts);
      const stored = response.body.assets.map((asset: { overall_sum: string }) => new Decimal(asset.overall_sum));
      expect(Decimal.sum(...stored).toFixed(2)).toBe(investingSum);
      if (partsTotal === 100) {
        // Advice rounds each part's sum on its own; the purchase splits invested_sum exactly: at most a cent apart.
        (advice.assets as Array<{ overall_sum: string }>).forEach((asset, index) => {
          expect(stored[index].minus(asset.overall_sum).abs().lessThanOrEqualTo('0.01')).toBe(true);
        });
      }
      await expectBalancesMatchLedger();
    },
  );

  it('credits exactly 1690.00 for 1230.00 + 500.00 held at a loss of 40.00', async () => {
    // Purchase prices chosen against the stand-in's quotes so the two holdings are worth exactly 1200.00 and 490.00 now.
    const pricedFor = (assetName: string, overallSum: string, worth: string) => {
      for (let price = quote(assetName).times(overallSum).dividedBy(worth).toDecimalPlaces(2).minus('0.05'); ; price = price.plus('0.01')) {
        if (cents(new Decimal(overallSum).times(quote(assetName)).dividedBy(price)).equals(worth)) return price;
      }
    };
    const user = await db().user.findUniqueOrThrow({ where: { username: 'alexray' } });
    const walletId = demoId('alexray', 'wallet', 0);
    await db().$transaction(async (tx) => {
      const bought = await tx.transaction.create({ data: { walletId, name: purchaseName(2), sum: new Decimal('-1730.00') } });
      await tx.asset.createMany({
        data: [
          { transactionId: bought.id, assetName: 'AMZN', overallSum: new Decimal('1230.00'), pricePerUnit: pricedFor('AMZN', '1230.00', '1200.00') },
          { transactionId: bought.id, assetName: 'GOOG', overallSum: new Decimal('500.00'), pricePerUnit: pricedFor('GOOG', '500.00', '490.00') },
        ],
      });
      await tx.wallet.update({ where: { id: walletId }, data: { balance: new Decimal('920.00') } });
      await tx.metrics.create({ data: { userId: user.id, rateOfReturn: new Decimal(1), volatility: new Decimal(1), valueAtRisk: new Decimal(1) } });
    });
    await rebuildFlowsOfWallet(walletId);

    const response = await purchase(
      'alexray',
      bodyOf('100.00', [
        ['SPY', 60],
        ['V', 40],
      ]),
    );
    expect(response.status).toBe(201);
    expect(response.body.transactions.map((t: Body) => [t.name, t.sum, t.sum_direction])).toEqual([
      ['Sale of 2 asset(s)', 1690, '+'],
      ['Purchase of 2 asset(s)', 100, '-'],
    ]);
    expect(response.text).toContain('"sum":1690.00');
    expect(response.body.wallet.balance).toBe(2510); // 920.00 + 1690.00 − 100.00
    await expectBalancesMatchLedger();
  });

  /** Gives alexray a hand-made portfolio: one holding bought for `overallSum` at `pricePerUnit`, after topping up `topUp`. */
  async function holdForAlex(topUp: Decimal, assetName: string, overallSum: Decimal, pricePerUnit: Decimal) {
    const user = await db().user.findUniqueOrThrow({ where: { username: 'alexray' } });
    const walletId = demoId('alexray', 'wallet', 0);
    await db().$transaction(async (tx) => {
      await tx.transaction.deleteMany({ where: { walletId } });
      await tx.transaction.create({ data: { walletId, name: 'Top-up the wallet', sum: topUp } });
      const bought = await tx.transaction.create({ data: { walletId, name: purchaseName(1), sum: overallSum.negated() } });
      await tx.asset.create({ data: { transactionId: bought.id, assetName, overallSum, pricePerUnit } });
      await tx.wallet.update({ where: { id: walletId }, data: { balance: topUp.minus(overallSum) } });
      await tx.metrics.create({ data: { userId: user.id, rateOfReturn: new Decimal(1), volatility: new Decimal(1), valueAtRisk: new Decimal(1) } });
    });
    await rebuildFlowsOfWallet(walletId);
  }

  it('answers 422 balance_limit, writing nothing, when the sale would credit more than DECIMAL(17,2) holds', async () => {
    // 10,000,000,000,000.00 bought at 0.01 a unit is worth ~1.5e17 at today's price.
    await holdForAlex(new Decimal('10000000000100.00'), 'AAPL', new Decimal('10000000000000.00'), new Decimal('0.01'));
    const before = await snapshot();
    const response = await purchase('alexray', bodyOf('1.00', [['SPY', 100]]), randomUUID());
    expect([response.status, response.body.error]).toEqual([
      422,
      {
        code: 'balance_limit',
        message: 'The wallet balance cannot exceed 999999999999999.99',
        details: [{ field: 'invested_sum', message: expect.any(String) }],
      },
    ]);
    expect(await snapshot()).toEqual(before);
  });

  it('answers 422 balance_limit when the sale would take the balance over the limit, and buys when investing enough', async () => {
    // Bought at half today's price: the sale roughly doubles the money, onto a nearly full wallet.
    const pricePerUnit = cents(quote('MSFT').dividedBy(2));
    const worth = cents(new Decimal('100.00').times(quote('MSFT')).dividedBy(pricePerUnit));
    await holdForAlex(MAX_AMOUNT, 'MSFT', new Decimal('100.00'), pricePerUnit);
    const before = await snapshot();
    // MAX − 100.00 + worth − invested fits exactly when invested = worth − 100.00.
    const justOver = worth.minus('100.01').toFixed(2);
    const over = await purchase('alexray', bodyOf(justOver, [['SPY', 100]]));
    expect([over.status, over.body.error.code, over.body.error.details[0].field]).toEqual([422, 'balance_limit', 'invested_sum']);
    expect(await snapshot()).toEqual(before);

    const exact = await purchase('alexray', bodyOf(worth.minus('100.00').toFixed(2), [['SPY', 100]]));
    expect(exact.status).toBe(201);
    expect(exact.text).toContain('"balance":999999999999999.99');
    await expectBalancesMatchLedger();
  });

  it('buys without a sale when nothing is held, split to the cent', async () => {
    const response = await purchase(
      'alexray',
      bodyOf('1000.00', [
        ['AAPL', 34],
        ['MSFT', 33],
        ['TSLA', 0],
        ['JNJ', 33],
      ]),
    );
    expect(response.status).toBe(201);
    expect(response.body.transactions).toEqual([{ created_at: expect.any(String), name: 'Purchase of 3 asset(s)', sum: 1000, sum_direction: '-' }]);
    expect(response.body.assets).toEqual([
      { part_of_portfolio: 34, overall_sum: '340.00', asset_name: 'AAPL', price_per_unit: quote('AAPL').toFixed(2) },
      { part_of_portfolio: 33, overall_sum: '330.00', asset_name: 'JNJ', price_per_unit: quote('JNJ').toFixed(2) },
      { part_of_portfolio: 33, overall_sum: '330.00', asset_name: 'MSFT', price_per_unit: quote('MSFT').toFixed(2) },
    ]);
    expect(response.body.metrics).toEqual({ rate_of_return: '12.30', volatility: '15.00', value_at_risk: '-0.25' });
    expect(response.body.wallet.balance).toBe(1650);
  });

  it('accepts parts adding up to 99 or 101 as shares of their sum', async () => {
    const response = await purchase(
      'alexray',
      bodyOf('100.00', [
        ['AAPL', 34],
        ['MSFT', 34],
        ['JNJ', 33],
      ]),
    );
    expect(response.status).toBe(201);
    expect(response.body.assets.map((asset: Body) => asset.overall_sum)).toEqual(['33.67', '33.66', '32.67']);
    expect(
      (
        await purchase(
          'alexray',
          bodyOf('100.00', [
            ['AAPL', 50],
            ['MSFT', 49],
          ]),
        )
      ).status,
    ).toBe(201);
  });

  it('refuses a price the client names: buying AAPL at 0.01 is a 409 and changes nothing', async () => {
    const before = await snapshot();
    const exploit = bodyOf('100.00', [['AAPL', 100]]);
    exploit.assets[0].statistics.current_price = '0.01';
    const response = await purchase('johnwick', exploit, randomUUID());
    expect(response.status).toBe(409);
    expect(response.body.error).toEqual({
      code: 'price_changed',
      message: expect.stringContaining('advice'),
      details: [{ field: 'assets.0.statistics.current_price', message: `is 0.01; AAPL is quoted at ${quote('AAPL').toFixed(2)} now` }],
    });
    expect(await snapshot()).toEqual(before);
  });

  it('buys at the quote when the body’s price is within 2 % of it, and names each asset past 2 %', async () => {
    const shifted = (assetName: string, factor: string) => quote(assetName).times(factor).toDecimalPlaces(2, Decimal.ROUND_DOWN).toFixed(2);
    const body = bodyOf('100.00', [
      ['MSFT', 30],
      ['AAPL', 50],
      ['JNJ', 20],
    ]);
    body.assets[0].statistics.current_price = shifted('MSFT', '1.019');
    body.assets[2].statistics.current_price = shifted('JNJ', '0.9801');
    const within = await purchase('alexray', body);
    expect(within.status).toBe(201);
    expect(within.body.assets.map((asset: Body) => [asset.asset_name, asset.price_per_unit])).toEqual([
      ['AAPL', quote('AAPL').toFixed(2)],
      ['MSFT', quote('MSFT').toFixed(2)],
      ['JNJ', quote('JNJ').toFixed(2)],
    ]);
    const stored = await portfolioOf('alexray');
    expect(Object.fromEntries(stored.assets.map((asset) => [asset.assetName, asset.pricePerUnit.toFixed(2)]))).toEqual({
      AAPL: quote('AAPL').toFixed(2),
      MSFT: quote('MSFT').toFixed(2),
      JNJ: quote('JNJ').toFixed(2),
    });

    const before = await snapshot();
    body.assets[0].statistics.current_price = shifted('MSFT', '1.021');
    body.assets[2].statistics.current_price = shifted('JNJ', '0.979');
    const past = await purchase('alexray', body);
    expect([past.status, past.body.error.code]).toEqual([409, 'price_changed']);
    expect(past.body.error.details.map((detail: { field: string }) => detail.field)).toEqual([
      'assets.0.statistics.current_price',
      'assets.2.statistics.current_price',
    ]);
    expect(await snapshot()).toEqual(before);
  });

  it('quotes every new asset, and the assets held, through the service; a failing quote of a new asset changes nothing', async () => {
    const requestsBefore = ml.standin().requests;
    expect(
      (
        await purchase(
          'johnwick',
          bodyOf('100.00', [
            ['TSLA', 60],
            ['V', 40],
          ]),
        )
      ).status,
    ).toBe(201);
    // The log keeps only the latest requests: count this purchase's back from its end.
    const made = ml.standin().requests - requestsBefore;
    const quoted = ml
      .standin()
      .log.slice(ml.standin().log.length - made)
      .filter((request) => request.path === '/stat/')
      .map((request) => request.query.asset_name);
    expect(new Set(quoted)).toEqual(new Set(['TSLA', 'V', 'AAPL', 'MSFT', 'GOOG', 'JNJ', 'SPY']));

    ml.standin().setMode('error500', { route: 'stat', assetName: 'NVDA' });
    const before = await snapshot();
    const response = await purchase(
      'alexray',
      bodyOf('100.00', [
        ['SPY', 50],
        ['NVDA', 50],
      ]),
      randomUUID(),
    );
    expect([response.status, response.body.error.code]).toEqual([503, 'ml_unavailable']);
    expect(await snapshot()).toEqual(before);
  });

  it('answers 422 when no wallet holds invested_sum, without asking for quotes', async () => {
    const before = await snapshot();
    const requests = ml.standin().requests;
    const response = await purchase('johnwick', bodyOf('650.01', [['AAPL', 100]]));
    expect(response.status).toBe(422);
    expect(response.body.error).toMatchObject({ code: 'insufficient_funds', details: [{ field: 'invested_sum', message: expect.any(String) }] });
    expect(ml.standin().requests).toBe(requests);
    expect(await snapshot()).toEqual(before);
    // 650.00 is exactly what the wallet holds: that is enough.
    expect((await purchase('johnwick', bodyOf('650.00', [['AAPL', 100]]))).status).toBe(201);
  });

  it.each([
    ['error500', 503, 'ml_unavailable'],
    ['hang', 504, 'ml_timeout'],
    ['garbage', 502, 'ml_bad_response'],
    ['wrong-shape', 502, 'ml_bad_response'],
  ] as const)('answers %s while pricing the old portfolio with %i and changes nothing', async (mode, status, code) => {
    ml.setTimeoutMs(300);
    ml.standin().setMode(mode, { route: 'stat', assetName: 'GOOG' });
    const before = await snapshot();
    const response = await purchase('johnwick', bodyOf('100.00', [['SPY', 100]]), randomUUID());
    expect([response.status, response.body.error.code]).toEqual([status, code]);
    if (status === 503) expect(response.headers['retry-after']).toMatch(/^\d+$/);
    expect(await snapshot()).toEqual(before);
  });

  it('leaves exactly one portfolio when purchases for one user race, each selling what the one before bought', async () => {
    const advice = await adviceFor('johnwick', { risk_level: '80', investing_sum: '300' });
    const body = { ...advice, invested_sum: '300.00' };
    const responses = await Promise.all([1, 2, 3, 4].map(() => purchase('johnwick', body, randomUUID())));
    expect(responses.map((response) => response.status)).toEqual([201, 201, 201, 201]);

    const { assets, metrics } = await portfolioOf('johnwick');
    expect(metrics).toHaveLength(1);
    expect(new Set(assets.map((asset) => asset.transactionId)).size).toBe(1);
    expect(assets.map((asset) => asset.assetName).sort()).toEqual((advice.assets as Body[]).map((asset) => asset.asset_name).sort());

    const statement = await db().transaction.findMany({ where: { walletId: demoId('johnwick', 'wallet', 0) }, orderBy: { createdAt: 'asc' } });
    const moves = statement.slice(-8).map((transaction) => [transaction.name.replace(/\d+/, 'N'), transaction.sum.toFixed(2)]);
    const sale = (sum: string) => ['Sale of N asset(s)', sum];
    const bought = ['Purchase of N asset(s)', '-300.00'];
    // The first sells the seeded portfolio; each later one sells 300.00 bought at today's price.
    expect(moves).toEqual([sale(demoSaleValue('johnwick').toFixed(2)), bought, sale('300.00'), bought, sale('300.00'), bought, sale('300.00'), bought]);
    await expectBalancesMatchLedger();
  });

  it('replays the first answer for a repeated Idempotency-Key, even with the service down, and refuses the key with another body', async () => {
    const key = randomUUID();
    const body = bodyOf('200.00', [
      ['SPY', 70],
      ['V', 30],
    ]);
    const first = await purchase('johnwick', body, key);
    expect(first.status).toBe(201);
    const after = await snapshot();

    ml.standin().setMode('error500');
    const replay = await purchase('johnwick', body, key);
    expect(replay.status).toBe(201);
    expect(replay.text).toBe(first.text);
    expect(await snapshot()).toEqual(after);

    const reused = await purchase('johnwick', { ...body, invested_sum: '201.00' }, key);
    expect([reused.status, reused.body.error.code]).toEqual([409, 'idempotency_key_reused']);
    expect(await snapshot()).toEqual(after);
  });

  it('moves money once when the same Idempotency-Key is sent several times at once by a user holding a portfolio', async () => {
    const before = await db().wallet.findUniqueOrThrow({ where: { id: demoId('johnwick', 'wallet', 0) } });
    const key = randomUUID();
    const body = bodyOf('300.00', [
      ['SPY', 60],
      ['V', 40],
    ]);
    // Quotes come before the transaction, so no request claims the key and then rolls back to fetch them, which
    // made the same-key inserts waiting on that claim deadlock; each request runs at most one transaction (a
    // retry that finds the answer stored runs none).
    const spy = jest.spyOn(sql, 'inSqlTransaction');
    let transactions = 0;
    const responses = await Promise.all([1, 2, 3, 4, 5, 6].map(() => purchase('johnwick', body, key))).finally(() => {
      transactions = spy.mock.calls.length;
      spy.mockRestore();
    });
    expect(transactions).toBeGreaterThanOrEqual(1);
    expect(transactions).toBeLessThanOrEqual(6);
    const outcomes = responses.map((response) => (response.status === 201 ? 201 : `${response.status} ${response.body.error?.code}`));
    // A retry that arrives while the first is running waits for it and replays its answer.
    expect(outcomes).toEqual([201, 201, 201, 201, 201, 201]);
    expect(new Set(responses.map((response) => response.text)).size).toBe(1);

    const { assets, metrics } = await portfolioOf('johnwick');
    expect(metrics).toHaveLength(1);
    expect(assets.map((asset) => asset.assetName).sort()).toEqual(['SPY', 'V']);
    const statement = await db().transaction.findMany({ where: { walletId: before.id }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
    expect(statement.slice(-3).map((transaction) => [transaction.name, transaction.sum.toFixed(2)])).toEqual([
      ['Purchase of 5 asset(s)', '-1000.00'],
      ['Sale of 5 asset(s)', demoSaleValue('johnwick').toFixed(2)],
      ['Purchase of 2 asset(s)', '-300.00'],
    ]);
    expect(responses[0].body.wallet.balance).toBe(before.balance.plus(demoSaleValue('johnwick')).minus('300.00').toNumber());
    await expectBalancesMatchLedger();
  });

  it('replays a purchase that spent the money rather than refusing its retry with 422', async () => {
    const key = randomUUID();
    const body = bodyOf('2650.00', [['SPY', 100]]); // alexray's whole balance
    const first = await purchase('alexray', body, key);
    expect([first.status, first.body.wallet.balance]).toEqual([201, 0]);
    const after = await snapshot();
    const replay = await purchase('alexray', body, key);
    expect(replay.status).toBe(201);
    expect(replay.text).toBe(first.text);
    expect(await snapshot()).toEqual(after);
    // Without the key, the same body is a new purchase, which no wallet can pay now.
    expect((await purchase('alexray', body)).status).toBe(422);
  });

  it('never loads Prisma: a purchase selling a portfolio, with an Idempotency-Key, served by a process of its own', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [require.resolve('tsx/cli'), 'testing/serve-one-request.ts'], {
      cwd: path.resolve(__dirname, '../..'),
      env: {
        ...process.env,
        FUNCTION_TARGET: 'assets-purchase',
        ONE_REQUEST: JSON.stringify({
          method: 'post',
          path: '/api/v1/assets/',
          headers: { ...tokenHeader(keys.johnwick), 'Idempotency-Key': randomUUID() },
          body: bodyOf('100.00', [
            ['SPY', 60],
            ['V', 40],
          ]),
        }),
      },
      timeout: 30_000,
    });
    const { status, body, modules } = JSON.parse(stdout.trim().split('\n').at(-1)!) as { status: number; body: Body; modules: string[] };
    expect([status, (body.transactions as Body[]).map((transaction) => transaction.name)]).toEqual([201, [saleName(5), purchaseName(2)]]);
    // The list is the process's own: it holds the handler and the driver.
    expect(modules.some((file) => /functions[\\/]assets-purchase[\\/]handler/.test(file))).toBe(true);
    expect(modules.some((file) => /node_modules[\\/]mariadb[\\/]/.test(file))).toBe(true);
    expect(modules.filter((file) => /[\\/](@prisma|prisma[\\/]generated)[\\/]/.test(file))).toEqual([]);
    // Without INSTANCE_CONNECTION_NAME the Cloud SQL connector (and gRPC, Google's auth library) stays unloaded.
    expect(modules.filter((file) => /node_modules[\\/](@google-cloud[\\/]cloud-sql-connector|@grpc|google-auth-library)[\\/]/.test(file))).toEqual([]);
    await expectBalancesMatchLedger();
  }, 40_000);

  it('documents a body example its own schema accepts', () => {
    expect(endpoint.body!.safeParse(endpoint.bodyExample).success).toBe(true);
    expect(endpoint.responses[201].schema!.safeParse(endpoint.responses[201].example).success).toBe(true);
  });
});

describe('POST /api/v1/assets/ and its caller’s session', () => {
  const body = () =>
    bodyOf('100.00', [
      ['SPY', 60],
      ['V', 40],
    ]);
  const until = async (condition: () => boolean) => {
    for (let tries = 0; !condition(); tries += 1) {
      if (tries > 500) throw new Error('never happened');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  };

  it.each([
    ['logs out', (key: string) => logout(key), 'Token has been revoked'],
    ['is deactivated', () => db().user.update({ where: { username: 'lyraking' }, data: { isActive: false } }), 'User inactive or deleted'],
  ])('refuses the purchase with 401 and writes nothing when the caller %s while it is being priced', async (_case, act, message) => {
    const key = await loginAs('lyraking');
    const before = await snapshot();
    ml.standin().setMode('slow', { route: 'stat' });
    const quotesAsked = ml.standin().requests;
    try {
      const pending = callFunction('assets-purchase')
        .post('/api/v1/assets/')
        .set(tokenHeader(key))
        .set('Idempotency-Key', randomUUID())
        .send(body())
        .then((r) => r);
      // The purchase has read the session and is waiting for its quotes.
      await until(() => ml.standin().requests > quotesAsked);
      await act(key);
      const response = await pending;
      expect([response.status, response.body.error?.message]).toEqual([401, message]);
      expect(await snapshot()).toEqual(before);
    } finally {
      await db().user.update({ where: { username: 'lyraking' }, data: { isActive: true } });
    }
  });

  it('answers a retry from its stored answer before pricing or locking anything, even after the portfolio changed', async () => {
    const key = randomUUID();
    const first = await purchase('lyraking', body(), key);
    expect(first.status).toBe(201);
    // Another purchase replaces what the first bought: pricing the retry now would sell other assets.
    expect((await purchase('lyraking', bodyOf('50.00', [['MA', 100]]))).status).toBe(201);
    const after = await snapshot();
    const quotesAsked = ml.standin().requests;
    const spy = jest.spyOn(sql, 'inSqlTransaction');
    try {
      const replay = await purchase('lyraking', body(), key);
      expect([replay.status, replay.text]).toEqual([201, first.text]);
      expect(spy).not.toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
    expect(ml.standin().requests).toBe(quotesAsked);
    expect(await snapshot()).toEqual(after);
  });

  it('gives a retry of another caller’s key no answer: keys are per user', async () => {
    const key = randomUUID();
    expect((await purchase('lyraking', body(), key)).status).toBe(201);
    const other = await purchase('johnwick', body(), key);
    expect(other.status).toBe(201);
    // John's own wallet paid, not the one lyraking's answer named.
    expect(other.body.wallet.card_number).toBe('************8213');
  });
});

describe('POST /api/v1/assets/ with a bad body', () => {
  const assetsOf = (parts: Array<[string, number]>) => bodyOf('1', parts).assets;
  type Request = ReturnType<typeof bodyOf>;
  it.each<[string, string, (body: Request) => unknown]>([
    [
      'parts adding up to 98',
      'assets',
      (b) => ({
        ...b,
        assets: assetsOf([
          ['AAPL', 49],
          ['MSFT', 49],
        ]),
      }),
    ],
    [
      'parts adding up to 102',
      'assets',
      (b) => ({
        ...b,
        assets: assetsOf([
          ['AAPL', 51],
          ['MSFT', 51],
        ]),
      }),
    ],
    [
      'an asset listed twice',
      'assets',
      (b) => ({
        ...b,
        assets: assetsOf([
          ['AAPL', 50],
          ['AAPL', 50],
        ]),
      }),
    ],
    ['no assets', 'assets', (b) => ({ ...b, assets: [] })],
    ['a part over 100', 'assets.0.part_of_portfolio', (b) => ({ ...b, assets: assetsOf([['AAPL', 101]]) })],
    [
      'a fractional part',
      'assets.0.part_of_portfolio',
      (b) => ({
        ...b,
        assets: assetsOf([
          ['AAPL', 99.5],
          ['MSFT', 0.5],
        ]),
      }),
    ],
    ['an unknown asset', 'assets.1.asset_name', (b) => ({ ...b, assets: [b.assets[0], { ...b.assets[1], asset_name: 'NOPE' }] })],
    ['an asset name over 20 characters', 'assets.0.asset_name', (b) => ({ ...b, assets: [{ ...b.assets[0], asset_name: 'A'.repeat(21) }] })],
    ['statistics of a string', 'assets.0.statistics', (b) => ({ ...b, assets: b.assets.map((a) => ({ ...a, statistics: '1.00' })) })],
    [
      'a current price under 0.01',
      'assets.0.statistics.current_price',
      (b) => ({ ...b, assets: b.assets.map((a) => ({ ...a, statistics: { current_price: '0.00' } })) }),
    ],
    ['a volatility under 0.01', 'metrics.volatility', (b) => ({ ...b, metrics: { ...b.metrics, volatility: 0 } })],
    ['a rate of return with 3 decimals', 'metrics.rate_of_return', (b) => ({ ...b, metrics: { ...b.metrics, rate_of_return: '1.234' } })],
    ['no invested_sum', 'invested_sum', ({ invested_sum: _, ...rest }) => rest],
    ['an invested_sum of 0', 'invested_sum', (b) => ({ ...b, invested_sum: 0 })],
    ['an invested_sum too small to give each asset a cent', 'invested_sum', (b) => ({ ...b, invested_sum: '0.02' })],
  ])('answers 400 for %s, naming %s, and changes nothing', async (_case, field, change) => {
    const before = await snapshot();
    const body = change(
      bodyOf('100.00', [
        ['AAPL', 40],
        ['MSFT', 30],
        ['JNJ', 30],
      ]),
    );
    const response = await purchase('johnwick', body as Body);
    expect(response.status).toBe(400);
    expect(response.body.error.details.map((detail: { field: string }) => detail.field)).toContain(field);
    expect(await snapshot()).toEqual(before);
  });
});
