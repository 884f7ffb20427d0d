import { startMlStandin, type MlStandin } from '../../scripts/ml-standin/server';
import { createMlClient } from '../ml/client';
import { currentDeadline, DeadlineExceeded, startDeadline } from './deadline';

describe('request deadline', () => {
  it('settles with the work when it finishes in time, which sees its deadline', async () => {
    const deadline = startDeadline(1000);
    await expect(deadline.run(async () => currentDeadline() === deadline)).resolves.toBe(true);
    expect(deadline.signal.aborted).toBe(false);
  });

  it('rejects when the deadline passes, and aborts the signal the database and ML waits listen to', async () => {
    const deadline = startDeadline(50);
    const started = Date.now();
    await expect(deadline.run(() => new Promise(() => undefined))).rejects.toBeInstanceOf(DeadlineExceeded);
    expect(Date.now() - started).toBeLessThan(500);
    expect(deadline.signal.aborted).toBe(true);
    expect(deadline.commitOutcomeUnknown).toBe(false);
  });

  it('marks a COMMIT still in flight at the deadline as of unknown outcome', async () => {
    const deadline = startDeadline(20);
    await expect(
      deadline.run(async () => {
        deadline.commitsInFlight += 1;
        await new Promise(() => undefined);
      }),
    ).rejects.toBeInstanceOf(DeadlineExceeded);
    expect(deadline.commitOutcomeUnknown).toBe(true);
  });

  describe('an ML call', () => {
    let standin: MlStandin;
    beforeAll(async () => {
      standin = await startMlStandin({ port: 0 });
    });
    afterAll(() => standin.close());

    it('stops at the deadline, as a 504, even when its own timeout is longer', async () => {
      standin.setMode('hang');
      const client = createMlClient({ baseUrl: standin.url, timeoutMs: 5000 });
      const started = Date.now();
      await expect(startDeadline(300).run(() => client.getStat('AAPL'))).rejects.toMatchObject({ status: 504, code: 'ml_timeout' });
      expect(Date.now() - started).toBeLessThan(1000);
    });
  });
});
