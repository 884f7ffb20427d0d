import { resetConfigForTests } from '../shared/config/config';

/**
 * Environment settings for the calling describe block (or file): set before
 * its tests, and put back as they were after them, unset ones unset again.
 */
export function useSettings(settings: Record<string, string>): void {
  const saved = new Map<string, string | undefined>();
  beforeAll(() => {
    for (const [name, value] of Object.entries(settings)) {
      saved.set(name, process.env[name]);
      process.env[name] = value;
    }
    resetConfigForTests();
  });
  afterAll(() => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    resetConfigForTests();
  });
}
