import { describe, expect, it } from 'vitest';
import { addressKind, isPrivateHost, isPublicAddress, limitNetwork } from '../src/net/ip-address.ts';

// Hosts as a parsed URL gives them (new URL() rewrites 127.1, 0x7f.1, 2130706433 to 127.0.0.1).
const host = (spelling: string) => new URL(`http://${spelling}/`).hostname;

describe('addressKind: what a feed fetch may reach', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    [host('127.1'), 'loopback'],
    [host('0x7f.1'), 'loopback'],
    [host('2130706433'), 'loopback'],
    ['10.0.0.1', 'private'],
    ['10.255.255.255', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['100.64.0.1', 'shared'],
    ['100.127.255.255', 'shared'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    [host('0'), 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['::1', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['[::1]', 'loopback'],
    ['::', 'unspecified'],
    [host('[::]'), 'unspecified'],
    ['fe80::1', 'link-local'],
    ['fe80::fc:ff:fe00:1%eth0', 'link-local'],
    ['febf::1', 'link-local'],
    ['fc00::1', 'unique-local'],
    ['fd12::1', 'unique-local'],
    ['fd00::2', 'unique-local'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    [host('[::ffff:127.0.0.1]'), 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:a00:1', 'private'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['::127.0.0.1', 'loopback'],
    ['64:ff9b::10.0.0.1', 'private'],
    ['2002:7f00:1::', 'loopback'],
    ['ff02::1', 'multicast'],
  ])('%s is %s', (ip, kind) => {
    expect(addressKind(ip)).toBe(kind);
    expect(isPublicAddress(ip)).toBe(false);
  });

  it.each(['8.8.8.8', '1.1.1.1', '192.0.2.2', '172.15.255.255', '172.32.0.1', '100.63.255.255', '100.128.0.1', '169.253.0.1', '11.0.0.1', '2606:4700:4700::1111', '2001:db8::1', '::ffff:8.8.8.8', '[2a00:1450:4007:80e::200e]'])(
    '%s is public',
    (ip) => {
      expect(addressKind(ip)).toBe('public');
      expect(isPublicAddress(ip)).toBe(true);
    },
  );

  it.each(['news.example.com', 'localhost', '1.2.3', '256.0.0.1', '1.2.3.4.5', ':::', '1::2::3', '12345::', 'g::1', '1:2:3:4:5:6:7:8:9', '', '::ffff:300.0.0.1'])('%j is not an IP literal', (text) => {
    expect(addressKind(text)).toBeUndefined();
    expect(isPublicAddress(text)).toBe(false);
  });

  it('a feed URL is on a private host by its spelling: a non-public literal or a localhost name', () => {
    for (const h of ['127.0.0.1', '[::1]', '10.1.2.3', 'localhost', 'LOCALHOST', 'localhost.', 'feeds.localhost', '[fd12::1]']) expect(isPrivateHost(h)).toBe(true);
    for (const h of ['news.example.com', '192.0.2.2', '[2001:db8::1]', 'localhost.example.com']) expect(isPrivateHost(h)).toBe(false);
  });
});

describe('limitNetwork (who an abuse limit counts)', () => {
  it.each([
    ['203.0.113.9', '203.0.113.9'],
    ['::ffff:203.0.113.9', '203.0.113.9'],
    ['2001:db8:1:2:aaaa::1', '2001:db8:1:2::/64'],
    ['2001:db8:1:2:ffff:ffff:ffff:fffe', '2001:db8:1:2::/64'],
    ['[2001:db8::1]', '2001:db8:0:0::/64'],
    ['not-an-address', 'not-an-address'],
  ])('%s → %s', (address, network) => {
    expect(limitNetwork(address)).toBe(network);
  });
});
