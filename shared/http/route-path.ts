/**
 * Matches request paths against registry patterns like
 * `/api/v1/wallets/{wallet_id}/topup/`. The trailing slash is optional (SPEC §2).
 */
export interface CompiledPath {
  pattern: string;
  match(path: string): Record<string, string> | undefined;
}

export function compilePath(pattern: string): CompiledPath {
  const names: string[] = [];
  const source = pattern
    .replace(/\/$/, '')
    .split('/')
    .map((segment) => {
      const param = /^\{(\w+)\}$/.exec(segment);
      if (!param) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      names.push(param[1]);
      return '([^/]+)';
    })
    .join('/');
  const regex = new RegExp(`^${source}/?$`);
  return {
    pattern,
    match(path) {
      const found = regex.exec(path);
      if (!found) return undefined;
      try {
        return Object.fromEntries(names.map((name, index) => [name, decodeURIComponent(found[index + 1])]));
      } catch {
        return undefined; // a malformed %-escape cannot name any resource
      }
    },
  };
}
