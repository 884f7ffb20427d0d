/**
 * The client's address as Google's front end saw it. On Cloud Run every
 * request arrives through Google's front end (and, here, API Gateway), never
 * from the client's own socket, so the socket's peer is Google's. Google's
 * load balancers append two entries to X-Forwarded-For: `<client address>,
 * <load balancer address>`; anything to their left came from the client and
 * proves nothing (a client sends `X-Forwarded-For: 1.2.3.4` to be anyone).
 * The one entry to trust is therefore counted from the right: skip the
 * CLIENT_ADDRESS_HOPS entries Google's infrastructure appended after the
 * client's (1 for the load balancer's own; docs/auth.md says how to check the
 * count on a deployment), and take the next.
 *
 * With fewer entries than that, the header did not come through that chain
 * (a local server): its leftmost entry is the best there is. With no header,
 * the socket's peer is the client.
 */
export function clientAddressOf(forwardedFor: string | undefined, socketAddress: string | undefined, hops: number): string {
  const entries = (forwardedFor ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (entries.length === 0) return socketAddress ?? 'unknown';
  return entries[Math.max(0, entries.length - 1 - hops)];
}
