/**
 * Where Vigil may send things (webhooks, channels, SMTP): http and https URLs only, and only to
 * public unicast addresses, as ipaddr.js classifies them, unless the configuration allows a kind
 * (VIGIL_OUTBOUND_ALLOW, e.g. `loopback` for tests and local receivers). Everything else is
 * refused: private, loopback and link-local space, carrier-grade NAT, documentation, benchmarking
 * and other reserved ranges, multicast, and the forms that reach IPv4 through IPv6 (IPv4-mapped
 * addresses are judged as the IPv4 address they carry; NAT64, 6to4 and Teredo are refused, since
 * they tunnel to any IPv4 address). Names are checked when a URL is saved and again, for every
 * address they resolve to, when Vigil connects, so a name that later resolves somewhere internal is
 * refused at send time too.
 */
import { isIP } from 'node:net';
import dns from 'node:dns';
import ipaddr from 'ipaddr.js';

export const ADDRESS_KINDS = ['loopback', 'private', 'link-local'] as const;
export type AddressKind = (typeof ADDRESS_KINDS)[number];

/** The ipaddr.js ranges each allowable kind opens. */
const KIND_RANGES: Record<AddressKind, readonly string[]> = {
  loopback: ['loopback'],
  private: ['private', 'uniqueLocal', 'carrierGradeNat'],
  'link-local': ['linkLocal'],
};

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
  const allowedRanges = new Set(allowed.flatMap((kind) => KIND_RANGES[kind]));
  const checkAddress = (address: string) => {
    let parsed: ipaddr.IPv4 | ipaddr.IPv6;
    try {
      parsed = ipaddr.parse(address);
    } catch {
      throw new OutboundRefused(`${address} is not an IP address`);
    }
    if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
    const range = parsed.range();
    if (range === 'unicast' || allowedRanges.has(range)) return;
    throw new OutboundRefused(`${address} is a private, loopback, link-local or reserved address (${range}), which Vigil does not send to`);
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
