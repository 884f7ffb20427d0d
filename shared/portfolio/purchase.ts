import type { SessionToConfirm } from '../auth/tokens';
import { ApiError } from '../core/errors';
import type { Result } from '../core/result';
import type { SqlTx } from '../db/sql';
import type { StoredAnswerLookup } from '../idempotency/idempotency';
import type { Decimal } from '../money/decimal';
import { balanceLimit, fitsInBalance } from '../wallets/balance';
import { recordMoneyMoves, setWalletBalance, type RecordedMove } from '../wallets/money-moves';
import { purchaseName, saleName } from '../wallets/transaction-names';
import { allocate } from './apportion';
import { saleProceeds } from './money';
import { payingWallet } from './paying-wallet';
import { buyablePrice, priceMoved, quotesFor } from './quotes';
import { deleteAssets, heldAssets, lockForPurchase, purchaseStart, replaceMetrics, storeAssets, type PayingWalletRow } from './store';

/**
 * Buying a portfolio (POST /api/v1/assets/, SPEC §3): the order apportioned to
 * the cent, priced at the service's quotes, the old portfolio sold and the new
 * one bought in one database transaction that confirms the caller's session
 * and locks their rows. Everything that needs the investment service happens
 * before that transaction, so a slow service holds no lock.
 */
export interface OrderLine {
  assetName: string;
  part: number;
  /** The price the body carries (what advice showed), if advice could quote it; only checked against the quote. */
  shownPrice?: Decimal;
  /** Where the asset is in the body, to name it in errors. */
  index: number;
  overallSum: Decimal;
}

export interface Order {
  investedSum: Decimal;
  lines: OrderLine[];
  metrics: { rateOfReturn: Decimal; volatility: Decimal; valueAtRisk: Decimal };
}

export type PricedAsset = OrderLine & { pricePerUnit: Decimal };

/** An order as the request states it: each asset's part and the price advice showed. */
export interface OrderRequest {
  investedSum: Decimal;
  assets: ReadonlyArray<{ assetName: string; part: number; shownPrice?: Decimal }>;
  metrics: Order['metrics'];
}

/** Each asset's share of the invested sum, to the cent (allocate); 400 when one would be worth under a cent. */
export function orderFrom(request: OrderRequest): Order {
  const lines = allocate(
    request.assets.map((asset, index) => ({ ...asset, index })),
    request.investedSum,
  );
  // The database refuses an asset worth less than a cent; say so in terms of the request.
  if (lines.some(({ overallSum }) => overallSum.lessThan('0.01'))) {
    throw new ApiError(400, 'invalid_request', 'Invalid invested_sum: too small to buy at least 0.01 of every asset', [
      { field: 'invested_sum', message: 'too small to buy at least 0.01 of every asset' },
    ]);
  }
  return { investedSum: request.investedSum, lines, metrics: request.metrics };
}

const noWalletHolds = (amount: Decimal) =>
  new ApiError(422, 'insufficient_funds', `No wallet holds the invested sum of ${amount.toFixed(2)}`, [
    { field: 'invested_sum', message: `no wallet holds ${amount.toFixed(2)}` },
  ]);

/**
 * The order at the service's quotes: each asset is bought at its quote, and
 * refused with 409 when the body's price is stale advice (see PRICE_TOLERANCE).
 */
function priceOrder(order: Order, quotes: ReadonlyMap<string, Decimal>): PricedAsset[] {
  const priced = order.lines.map((line) => ({ ...line, pricePerUnit: buyablePrice(line.assetName, quotes.get(line.assetName)!) }));
  // An asset advice could not quote carries no shown price: nothing is stale about it.
  const stale = priced.flatMap(({ shownPrice, ...asset }) => (shownPrice && priceMoved(shownPrice, asset.pricePerUnit) ? [{ ...asset, shownPrice }] : []));
  if (stale.length > 0) {
    throw new ApiError(
      409,
      'price_changed',
      'Prices have moved since this advice was given; ask for new advice (GET /api/v1/assets/advice/) and buy that',
      stale.map((asset) => ({
        field: `assets.${asset.index}.statistics.current_price`,
        message: `is ${asset.shownPrice.toFixed(2)}; ${asset.assetName} is quoted at ${asset.pricePerUnit.toFixed(2)} now`,
      })),
    );
  }
  return priced;
}

/** The transaction found a portfolio to sell with assets not yet priced; it is rolled back, priced, and run again. */
class QuotesNeeded extends Error {
  constructor(readonly assetNames: string[]) {
    super(`Quotes needed for ${assetNames.join(', ')}`);
  }
}

// The first round has quotes for everything held when the purchase began, so
// it needs more only when another purchase for the same user changed the
// portfolio in between; only purchases racing that way can use up the rounds.
const MAX_ROUNDS = 3;

/** What a purchase changed, for its answer. */
export interface Purchased {
  /** The paying wallet, with its balance after the purchase. */
  wallet: PayingWalletRow;
  /** The sale of the previous portfolio, if there was one, then the purchase. */
  moves: RecordedMove[];
  assets: readonly PricedAsset[];
  metrics: Order['metrics'];
}

async function purchaseInTransaction(
  tx: SqlTx,
  session: SessionToConfirm,
  order: Order,
  assets: readonly PricedAsset[],
  quotes: ReadonlyMap<string, Decimal>,
): Promise<Purchased> {
  // The session, the user's row and the wallets, locked in the transaction's
  // first statement, as every money move starts (see lockForPurchase): a
  // logout that committed while this purchase was being priced refuses it
  // here, and one that comes later waits for it to commit.
  const wallets = await lockForPurchase(tx, session);
  const userId = session.key.userId;
  const payer = payingWallet(wallets, order.investedSum);
  if (!payer) throw noWalletHolds(order.investedSum);

  // A plain read under READ COMMITTED (every connection's level): it sees the portfolio any earlier purchase committed while we waited for the locks.
  const previous = await heldAssets(tx, userId);
  const unpriced = [...new Set(previous.map((asset) => asset.assetName))].filter((name) => !quotes.has(name));
  if (unpriced.length > 0) throw new QuotesNeeded(unpriced);

  // Every amount is checked before anything is written: a sale credit or a
  // balance past what DECIMAL(17,2) holds would fail its insert as a 500.
  const proceeds = previous.length > 0 ? saleProceeds(previous.map((holding) => ({ holding, currentPrice: quotes.get(holding.assetName)! }))) : undefined;
  const balance = payer.balance.plus(proceeds ?? 0).minus(order.investedSum);
  if (proceeds && !fitsInBalance(proceeds)) {
    throw balanceLimit({ field: 'invested_sum', message: 'the sale of the current portfolio would credit more than a wallet can hold' });
  }
  if (!fitsInBalance(balance)) {
    throw balanceLimit({ field: 'invested_sum', message: 'the sale of the current portfolio would take the balance over its limit; invest more' });
  }

  // Both moves are stamped by the database's clock once the locks were held,
  // the purchase a microsecond after the sale, and written together.
  const moves = await recordMoneyMoves(tx, { walletId: payer.id, userId, at: wallets[0].lockedAt }, [
    ...(proceeds ? [{ name: saleName(previous.length), sum: proceeds }] : []),
    { name: purchaseName(assets.length), sum: order.investedSum.negated() },
  ]);
  const bought = moves[moves.length - 1];
  await deleteAssets(tx, previous);
  await storeAssets(tx, bought.id, assets);
  await replaceMetrics(tx, userId, order.metrics);
  await setWalletBalance(tx, payer.id, balance);

  return { wallet: { ...payer, balance }, moves, assets, metrics: order.metrics };
}

/** What the purchase needs of the request it serves (the pipeline's HandlerContext). */
export interface PurchaseRequest {
  unconfirmedSession: SessionToConfirm;
  storedAnswer: StoredAnswerLookup;
  sqlTransaction(work: (tx: SqlTx) => Promise<Result>): Promise<Result>;
  replayOrRefuse(refusal: unknown): Promise<Result>;
}

/**
 * Buys `order` for the caller, selling what they hold, and answers with
 * `render` of what changed (rendered inside the transaction, so an
 * Idempotency-Key stores that very answer).
 */
export async function buyPortfolio(
  { unconfirmedSession, storedAnswer, sqlTransaction, replayOrRefuse }: PurchaseRequest,
  order: Order,
  render: (purchased: Purchased) => Result,
): Promise<Result> {
  // Everything that needs the investment service happens before the first
  // database transaction: the session, wallets, holdings and any answer
  // stored under the Idempotency-Key are read in one statement, then the old
  // and the new assets quoted concurrently. A retry is answered from its
  // stored answer before anything is priced; a slow service (a timeout,
  // retried) holds no locks and no connection, and the transaction normally
  // runs once and commits.
  let assets: PricedAsset[];
  let quotes: Map<string, Decimal>;
  try {
    const start = await purchaseStart(unconfirmedSession, storedAnswer);
    if (start.replay) return start.replay;
    // Checked again under the locks; refusing here spares the service a pointless call.
    if (!payingWallet(start.wallets, order.investedSum)) throw noWalletHolds(order.investedSum);
    quotes = await quotesFor([...order.lines.map((line) => line.assetName), ...start.heldNames]);
    assets = priceOrder(order, quotes);
  } catch (error) {
    if (!(error instanceof ApiError) || !unconfirmedSession.confirmed) throw error;
    // A retry racing its own first attempt may find the money spent, prices
    // moved or the service down once that attempt has committed: it replays
    // that answer; otherwise the refusal stands.
    return replayOrRefuse(error);
  }

  for (let round = 0; round < MAX_ROUNDS; round += 1) {
    try {
      return await sqlTransaction(async (tx) => render(await purchaseInTransaction(tx, unconfirmedSession, order, assets, quotes)));
    } catch (error) {
      if (!(error instanceof QuotesNeeded)) throw error;
      // Another purchase changed the portfolio since it was read: price what it bought, and run again.
      quotes = new Map([...quotes, ...(await quotesFor(error.assetNames))]);
    }
  }
  return replayOrRefuse(new ApiError(409, 'portfolio_changed', 'The portfolio kept changing while this purchase was being priced; retry'));
}
