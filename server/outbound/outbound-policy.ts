/**
 * Where Vigil may send things (webhooks, channels): http and https URLs only, and never to a
 * private, loopback, link-local or otherwise internal address unless the configuration allows that
 * kind (VIGIL_OUTBOUND_ALLOW, e.g. `loopback` for tests and local receivers). Names are checked
 * when a URL is saved and again, for every address they resolve to, when Vigil connects, so a name
 * that later resolves somewhere internal is refused at send time too.
 */
import { BlockList, isIP } from 'node:net';
import dns from 'node:dns';

export const ADDRESS_KINDS = ['loopback', 'private', 'link-local'] as const;
export type AddressKind = (typeof ADDRESS_KINDS)[number];

const RANGES: Record<AddressKind | 'reserved', [string, number, 'ipv4' | 'ipv6'][]> = {
  loopback: [
    ['127.0.0.0', 8, 'ipv4'],
    ['::1', 128, 'ipv6'],
  ],
  private: [
    ['10.0.0.0', 8, 'ipv4'],
    ['172.16.0.0', 12, 'ipv4'],
    ['192.168.0.0', 16, 'ipv4'],
    ['100.64.0.0', 10, 'ipv4'],
    ['fc00::', 7, 'ipv6'],
  ],
  'link-local': [
    ['169.254.0.0', 16, 'ipv4'],
    ['fe80::', 10, 'ipv6'],
  ],
  // Never a destination: "this network", multicast, broadcast and the like.
  reserved: [
    ['0.0.0.0', 8, 'ipv4'],
    ['224.0.0.0', 4, 'ipv4'],
    ['240.0.0.0', 4, 'ipv4'],
    ['::', 128, 'ipv6'],
    ['ff00::', 8, 'ipv6'],
  ],
};

function blockListOf(kinds: readonly (AddressKind | 'reserved')[]): BlockList {
  const list = new BlockList();
  for (const kind of kinds) for (const [network, prefix, family] of RANGES[kind]) list.addSubnet(network, prefix, family);
  return list;
}

export class OutboundRefused extends Error {}

export interface OutboundPolicy {
  /** Throws OutboundRefused with the reason when `url` may not be used. */
  checkUrl(url: string): URL;
  /** Throws OutboundRefused when `address` (an IP) may not be connected to. */
  checkAddress(address: string): void;
  /** A dns.lookup that refuses forbidden addresses: give it to http.request as `lookup`. */
  readonly lookup: typeof dns.lookup;
}

export function createOutboundPolicy(allowed: readonly AddressKind[]): OutboundPolicy {
  const refused = blockListOf([...ADDRESS_KINDS.filter((kind) => !allowed.includes(kind)), 'reserved']);
  const checkAddress = (address: string) => {
    const unmapped = address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
    const family = isIP(unmapped) === 6 ? 'ipv6' : 'ipv4';
    if (refused.check(unmapped, family)) {
      throw new OutboundRefused(`${address} is a private, loopback, link-local or reserved address, which Vigil does not send to`);
    }
  };
  const lookup = ((hostname: string, options: dns.LookupOptions, callback: (...args: unknown[]) => void) => {
    dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error);
      try {
        for (const { address } of addresses) checkAddress(address);
      } catch (refusal) {
        return callback(refusal);
      }
      if (options.all) return callback(null, addresses);
      const [first] = addresses;
      return callback(null, first!.address, first!.family);
    });
  }) as unknown as typeof dns.lookup;
  return {
    checkUrl(raw) {
      let url: URL;
      try {
        url = new URL(raw);
      } catch {
        throw new OutboundRefused('is not a URL');
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new OutboundRefused('must use http or https');
      if (url.username || url.password) throw new OutboundRefused('must not carry credentials; use a secret or headers');
      const host = url.hostname.replace(/^\[|\]$/g, '');
      if (isIP(host)) checkAddress(host);
      else if (host === 'localhost' || host.endsWith('.localhost')) checkAddress('127.0.0.1');
      return url;
    },
    checkAddress,
    lookup,
  };
}
