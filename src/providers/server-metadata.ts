import type { Configuration, ServerMetadata } from 'openid-client';

/**
 * A configuration's server metadata, read once. openid-client's `serverMetadata()` returns a deep
 * copy (structuredClone) on every call, and a login asks for it several times (the response mode,
 * pushed requests, the issuer parameter, DPoP, userinfo): a measurable share of a login's CPU
 * (bench/results.md). A configuration never changes its metadata, so one copy per configuration
 * serves them all; a new discovery makes a new configuration, and with it a new copy.
 */
const copies = new WeakMap<Configuration, Readonly<ServerMetadata>>();

export function serverMetadataOf(config: Configuration): Readonly<ServerMetadata> {
  let metadata = copies.get(config);
  if (metadata === undefined) {
    metadata = config.serverMetadata();
    copies.set(config, metadata);
  }
  return metadata;
}
