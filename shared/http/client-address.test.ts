import { clientAddressOf } from './client-address';

describe('clientAddressOf: the X-Forwarded-For entry Google appended', () => {
  it('takes the entry left of the load balancer’s own, ignoring what the client wrote before it', () => {
    expect(clientAddressOf('198.51.100.4, 35.191.0.1', '169.254.1.1', 1)).toBe('198.51.100.4');
    expect(clientAddressOf('1.2.3.4, 10.0.0.1, 198.51.100.4, 35.191.0.1', '169.254.1.1', 1)).toBe('198.51.100.4');
    expect(clientAddressOf('1.2.3.4,198.51.100.4,35.191.0.1', undefined, 1)).toBe('198.51.100.4');
  });

  it('counts CLIENT_ADDRESS_HOPS entries from the right', () => {
    expect(clientAddressOf('1.2.3.4, 198.51.100.4, 35.191.0.1, 34.1.1.1', undefined, 2)).toBe('198.51.100.4');
    expect(clientAddressOf('1.2.3.4, 198.51.100.4', undefined, 0)).toBe('198.51.100.4');
  });

  it('takes the leftmost entry when there are fewer than that, and the socket’s peer when there is no header', () => {
    expect(clientAddressOf('198.51.100.4', '127.0.0.1', 1)).toBe('198.51.100.4');
    expect(clientAddressOf(undefined, '127.0.0.1', 1)).toBe('127.0.0.1');
    expect(clientAddressOf(' , ', '127.0.0.1', 1)).toBe('127.0.0.1');
    expect(clientAddressOf(undefined, undefined, 1)).toBe('unknown');
  });
});
