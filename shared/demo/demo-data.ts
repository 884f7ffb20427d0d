/**
 * The demo users of SPEC §5, as data. The seed writes exactly this; the tests
 * read it to know what the seed must have written.
 */
export interface DemoWallet {
  bankName: string;
  cardNumber: string;
  topUps: string[];
}

export interface DemoPortfolio {
  /** Index into `wallets` of the wallet that paid. */
  paidFrom: number;
  investedSum: string;
  parts: Array<[assetName: string, percent: number]>;
  metrics: { rateOfReturn: string; volatility: string; valueAtRisk: string };
}

export interface DemoUser {
  username: string;
  firstName: string;
  lastName: string;
  mlUuid: string;
  wallets: DemoWallet[];
  portfolio?: DemoPortfolio;
}

export const DEMO_USERS: readonly DemoUser[] = [
  {
    username: 'johnwick',
    firstName: 'John',
    lastName: 'Wick',
    mlUuid: 'user-0000000000000001',
    wallets: [{ bankName: 'The name of bank', cardNumber: '4532580928888213', topUps: ['1000.00', '250.00', '400.00'] }],
    portfolio: {
      paidFrom: 0,
      investedSum: '1000.00',
      parts: [
        ['AAPL', 30],
        ['MSFT', 25],
        ['GOOG', 20],
        ['JNJ', 15],
        ['SPY', 10],
      ],
      metrics: { rateOfReturn: '14.20', volatility: '18.50', valueAtRisk: '0.63' },
    },
  },
  {
    username: 'lyraking',
    firstName: 'Lyra',
    lastName: 'King',
    mlUuid: 'user-0000000000000501',
    wallets: [
      { bankName: 'Bank of Banks', cardNumber: '5587258023401650', topUps: ['5000.00', '100.50', '100.00', '200.00', '50.00', '1500.00'] },
      { bankName: 'Bank example', cardNumber: '6011453600253939', topUps: ['10.00', '60.00', '1200.00', '11.99'] },
    ],
    portfolio: {
      paidFrom: 0,
      investedSum: '5000.00',
      parts: [
        ['SPY', 25],
        ['FXAIX', 20],
        ['JPM', 15],
        ['V', 10],
        ['MA', 10],
        ['PLD', 10],
        ['UNH', 10],
      ],
      metrics: { rateOfReturn: '9.80', volatility: '11.20', valueAtRisk: '0.65' },
    },
  },
  {
    username: 'alexray',
    firstName: 'Alex',
    lastName: 'Ray',
    mlUuid: 'user-0000000000000999',
    wallets: [{ bankName: 'The Bank', cardNumber: '378285203711297', topUps: ['150.00', '200.00', '300.00', '1000.00', '1000.00'] }],
  },
];

export const demoEmail = (username: string) => `${username}@example.com`;
