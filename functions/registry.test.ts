import { registry } from './registry';

describe('the registry', () => {
  it.each(registry.map((definition) => [definition.name, definition] as const))(
    '%s: its endpoint’s session mode agrees with its auth (a user’s functions confirm a session, the others have none)',
    (_name, definition) => {
      expect(definition.endpoint.session === 'none').toBe(definition.auth !== 'user');
    },
  );

  it('names every function once', () => {
    expect(new Set(registry.map((definition) => definition.name)).size).toBe(registry.length);
  });
});
