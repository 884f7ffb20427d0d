import { clientKey } from './client-throttle';

describe('clientKey: what a client is counted under', () => {
  it.each([
    ['203.0.113.9', '203.0.113.9'],
    [' 203.0.113.9 ', '203.0.113.9'],
    ['2001:db8:7:1::1', '2001:db8:7:1::/64'],
    ['2001:0DB8:0007:0001:ffff:ffff:ffff:ffff', '2001:db8:7:1::/64'],
    ['2001:db8::', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['::ffff:198.51.100.4', '198.51.100.4'],
    ['::ffff:c633:6404', '198.51.100.4'],
    ['2001:db8:7:1:0:0:192.0.2.1', '2001:db8:7:1::/64'],
    ['not an address', 'unparsable'],
    ['', 'unparsable'],
  ])('%j → %j', (address, key) => {
    expect(clientKey(address)).toBe(key);
  });
});
