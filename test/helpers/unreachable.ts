/**
 * An origin on loopback that refuses every connection (ECONNREFUSED): port 2 is privileged, so no
 * test server can be given it, and it is not on fetch's list of blocked ports (port 1 is). Tests
 * use it rather than the port of a server they just closed, which another test's server running
 * in parallel may be given next (it was once, in CI on Node 24: a 404 instead of a refusal).
 */
export const UNREACHABLE_ORIGIN = 'http://127.0.0.1:2';
