/**
 * The text an Idempotency-Key's request hash is taken over: JSON with object
 * keys sorted, so the same body with its keys in another order is the same
 * request. Its output must never change — stored hashes are compared with it
 * across deploys — and it walks client data, so it keeps an explicit stack
 * instead of recursing: no body can exhaust the call stack here, whatever
 * limits run before it.
 */
type Step = { text: string } | { value: unknown };

export function canonicalJson(root: unknown): string {
  const out: string[] = [];
  const steps: Step[] = [{ value: root }];
  // Steps are popped from the end, so each container pushes its parts in reverse.
  while (steps.length > 0) {
    const step = steps.pop()!;
    if ('text' in step) {
      out.push(step.text);
      continue;
    }
    const { value } = step;
    if (Array.isArray(value)) {
      const parts: Step[] = [{ text: '[' }];
      value.forEach((element, index) => parts.push(...(index > 0 ? [{ text: ',' }] : []), { value: element }));
      parts.push({ text: ']' });
      steps.push(...parts.reverse());
    } else if (value && typeof value === 'object') {
      const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
      const parts: Step[] = [{ text: '{' }];
      entries.forEach(([key, element], index) => parts.push({ text: `${index > 0 ? ',' : ''}${JSON.stringify(key)}:` }, { value: element }));
      parts.push({ text: '}' });
      steps.push(...parts.reverse());
    } else {
      out.push(JSON.stringify(value) ?? 'null');
    }
  }
  return out.join('');
}
