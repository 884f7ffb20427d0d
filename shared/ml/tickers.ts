/**
 * The 27 assets the investment recommendation service (IPRE) knows (SPEC §6).
 *
 * `basePrice` anchors the local stand-in's deterministic prices and the demo
 * seed's purchase prices, so demo profits come out as small real numbers.
 * `expectedReturn` and `expectedVolatility` are annual percentages, what the
 * service reports per ticker in a portfolio composition.
 */
export type Exchange = 'NMS' | 'NYQ' | 'PCX' | 'NAS';

export interface Ticker {
  readonly symbol: string;
  readonly longName: string;
  readonly exchange: Exchange;
  readonly currency: 'USD';
  readonly timezone: 'America/New_York';
  readonly basePrice: string;
  readonly expectedReturn: number;
  readonly expectedVolatility: number;
}

type TickerRow = [symbol: string, longName: string, exchange: Exchange, basePrice: string, expectedReturn: number, expectedVolatility: number];

const rows: readonly TickerRow[] = [
  ['AAPL', 'Apple Inc.', 'NMS', '148.92', 22.5, 27.0],
  ['AMZN', 'Amazon.com, Inc.', 'NMS', '3341.87', 20.1, 30.5],
  ['GOOG', 'Alphabet Inc.', 'NMS', '2795.31', 19.4, 26.2],
  ['FB', 'Facebook, Inc.', 'NMS', '358.64', 21.3, 33.8],
  ['MSFT', 'Microsoft Corporation', 'NMS', '299.72', 21.8, 24.6],
  ['TSLA', 'Tesla, Inc.', 'NMS', '709.67', 38.6, 58.4],
  ['NVDA', 'NVIDIA Corporation', 'NMS', '207.42', 34.2, 46.9],
  ['IBM', 'International Business Machines', 'NYQ', '139.62', 5.3, 22.1],
  ['SPY', 'SPDR S&P 500', 'PCX', '446.97', 11.8, 15.2],
  ['FXAIX', 'Fidelity 500 Index Fund', 'NAS', '155.43', 11.9, 15.1],
  ['VFINX', 'Vanguard Index Trust 500 Index', 'NAS', '411.25', 11.7, 15.3],
  ['OARMX', 'Oakmark Fund Service Class', 'NAS', '115.86', 12.6, 19.8],
  ['AMT', 'American Tower Corporation', 'NYQ', '287.65', 13.4, 21.7],
  ['PLD', 'Prologis, Inc.', 'NYQ', '134.05', 15.2, 22.9],
  ['CCI', 'Crown Castle International Corp', 'NYQ', '195.37', 10.8, 20.4],
  ['EQIX', 'Equinix, Inc.', 'NMS', '842.16', 14.6, 23.8],
  ['JNJ', 'Johnson & Johnson', 'NYQ', '174.21', 7.9, 14.6],
  ['UNH', 'UnitedHealth Group Incorporated', 'NYQ', '416.93', 18.7, 22.4],
  ['PFE', 'Pfizer, Inc.', 'NYQ', '46.97', 6.4, 20.9],
  ['ABT', 'Abbott Laboratories', 'NYQ', '126.54', 13.9, 19.6],
  ['JPM', 'JP Morgan Chase & Co.', 'NYQ', '159.83', 14.8, 26.7],
  ['V', 'Visa Inc.', 'NYQ', '229.94', 16.3, 23.1],
  ['MA', 'Mastercard Incorporated', 'NYQ', '356.12', 17.4, 24.2],
  ['BAC', 'Bank of America Corporation', 'NYQ', '41.68', 12.9, 31.2],
  ['PYPL', 'PayPal Holdings, Inc.', 'NMS', '276.49', 19.8, 35.6],
  ['WFC', 'Wells Fargo & Company', 'NYQ', '46.52', 8.7, 30.4],
  ['C', 'Citigroup, Inc.', 'NYQ', '71.23', 9.1, 32.8],
];

export const TICKERS: readonly Ticker[] = Object.freeze(
  rows.map(([symbol, longName, exchange, basePrice, expectedReturn, expectedVolatility]) =>
    Object.freeze({
      symbol,
      longName,
      exchange,
      currency: 'USD' as const,
      timezone: 'America/New_York' as const,
      basePrice,
      expectedReturn,
      expectedVolatility,
    }),
  ),
);

/** The symbols, for schemas that accept or answer only these (SPEC §6: the service knows these 27). */
export const TICKER_SYMBOLS = TICKERS.map((ticker) => ticker.symbol) as [string, ...string[]];

const bySymbol = new Map(TICKERS.map((ticker) => [ticker.symbol, ticker]));

/** Exact, case-sensitive match: the service itself only knows upper-case symbols. */
export function findTicker(symbol: string): Ticker | undefined {
  return bySymbol.get(symbol);
}
