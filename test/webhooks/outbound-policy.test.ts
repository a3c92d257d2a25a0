/**
 * The outbound address policy on its own: only public unicast space is a destination unless a kind
 * is allowed, whatever form the address takes (IPv4-mapped, NAT64, 6to4, Teredo), and a name is
 * judged by every address it resolves to.
 */
import { describe, expect, it } from 'vitest';
import { createOutboundPolicy } from '../../server/outbound/outbound-policy.js';

const REFUSED_ALWAYS = [
  '0.0.0.0',
  '255.255.255.255',
  '224.0.0.1',
  '240.0.0.1',
  '192.0.0.8',
  '192.0.2.1',
  '198.18.0.1',
  '198.51.100.1',
  '203.0.113.5',
  '100.64.0.1',
  '::',
  '100::1',
  '2001:db8::1',
  '2001::1',
  '2002::1',
  '64:ff9b::a00:1',
  '64:ff9b::808:808',
  'ff02::1',
];
const INTERNAL = ['127.0.0.1', '::1', '::ffff:127.0.0.1', '10.1.1.1', '::ffff:10.0.0.1', '172.16.0.1', '192.168.1.1', 'fc00::1', '169.254.169.254', 'fe80::1'];
const PUBLIC = ['8.8.8.8', '1.1.1.1', '2001:4860:4860::8888', '::ffff:8.8.8.8'];

const resolve = (lookup: ReturnType<typeof createOutboundPolicy>['lookup'], name: string) =>
  new Promise<string>((done, fail) => lookup(name, {}, (error, address) => (error ? fail(error) : done(String(address)))));

describe('the outbound address policy', () => {
  it('sends only to public unicast addresses, in every form an address can take', () => {
    const policy = createOutboundPolicy([]);
    for (const address of [...REFUSED_ALWAYS, ...INTERNAL]) expect(() => policy.checkAddress(address), address).toThrow(/does not send to/);
    for (const address of PUBLIC) expect(() => policy.checkAddress(address), address).not.toThrow();
    expect(() => policy.checkUrl('http://[64:ff9b::a00:1]/hook')).toThrow(/rfc6052/);
    expect(() => policy.checkUrl('https://192.0.2.1/hook')).toThrow(/reserved/);
    expect(policy.checkUrl('https://[2001:4860:4860::8888]/hook').hostname).toBe('[2001:4860:4860::8888]');
  });

  it('opens only the kinds VIGIL_OUTBOUND_ALLOW names, and never the reserved ranges', () => {
    const policy = createOutboundPolicy(['loopback']);
    for (const address of ['127.0.0.1', '::1', '::ffff:127.0.0.1']) expect(() => policy.checkAddress(address), address).not.toThrow();
    for (const address of ['10.1.1.1', '169.254.169.254', ...REFUSED_ALWAYS]) expect(() => policy.checkAddress(address), address).toThrow();
    const internal = createOutboundPolicy(['private', 'link-local']);
    for (const address of ['10.1.1.1', 'fc00::1', '100.64.0.1', '169.254.169.254']) expect(() => internal.checkAddress(address), address).not.toThrow();
    expect(() => internal.checkAddress('127.0.0.1')).toThrow();
  });

  it('judges a name by the addresses it resolves to when connecting', async () => {
    await expect(resolve(createOutboundPolicy([]).lookup, 'localhost')).rejects.toThrow(/loopback/);
    expect(await resolve(createOutboundPolicy(['loopback']).lookup, 'localhost')).toMatch(/^(127\.0\.0\.1|::1)$/);
  });
});
