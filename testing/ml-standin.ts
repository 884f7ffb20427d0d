import { startMlStandin, type MlStandin } from '../scripts/ml-standin/server';
import { resetConfigForTests } from '../shared/config/config';

/**
 * Starts the ML stand-in for the calling test file and points ML_SERVICE_URL
 * at it (call after useTestDatabase, whose beforeAll also resets the config).
 * Failures switched on in a test are cleared after it; `setTimeoutMs` shortens
 * the client's timeout for the hang tests.
 */
export interface MlStandinFixture {
  standin(): MlStandin;
  setTimeoutMs(ms: number): void;
}

const DEFAULT_TEST_TIMEOUT_MS = '2000';

export function useMlStandin(): MlStandinFixture {
  let standin: MlStandin | undefined;
  const setTimeoutMs = (ms: number | string) => {
    process.env.ML_TIMEOUT_MS = String(ms);
    resetConfigForTests();
  };
  beforeAll(async () => {
    standin = await startMlStandin({ port: 0 });
    process.env.ML_SERVICE_URL = standin.url;
    setTimeoutMs(DEFAULT_TEST_TIMEOUT_MS);
  });
  afterEach(() => {
    standin?.setMode('normal');
    if (process.env.ML_TIMEOUT_MS !== DEFAULT_TEST_TIMEOUT_MS) setTimeoutMs(DEFAULT_TEST_TIMEOUT_MS);
  });
  afterAll(async () => {
    delete process.env.ML_SERVICE_URL;
    delete process.env.ML_TIMEOUT_MS;
    resetConfigForTests();
    await standin?.close();
  });
  return {
    standin: () => {
      if (!standin) throw new Error('useMlStandin: the stand-in starts in beforeAll');
      return standin;
    },
    setTimeoutMs,
  };
}
