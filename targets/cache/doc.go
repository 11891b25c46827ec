// Package cache is the caching reverse proxy that stampede bundles as a
// target: a shared HTTP cache (RFC 9111) in front of one origin, so that a
// lab can show what a cache does to latency and origin load, and what a
// cache stampede at expiry looks like with and without request coalescing.
//
// # What is stored
//
// Responses to GET and HEAD with a status the cache understands (200, 203,
// 204, 300, 301, 308, 404, 405, 410, 414, 501) and a freshness lifetime:
// s-maxage (which wins, as for any shared cache), else max-age, else
// Expires minus Date. There is no heuristic freshness: a response without
// an explicit lifetime is not stored, unless Config.DefaultTTL gives one
// (for labs), or it says no-cache and carries a validator (it is then
// stored only to be revalidated on every use). Never stored: no-store,
// private, "Vary: *", responses to requests with Authorization unless
// public, must-revalidate or s-maxage allow it, and bodies larger than
// Config.MaxObjectBytes (those are streamed through). The qualified forms
// private="F" and no-cache="F" store the response without field F.
//
// Stored responses are keyed by method and request target, then by the
// request's values of the fields the response's Vary names. A stored GET
// response answers HEAD as well. The store is bounded by Config.MaxBytes
// and evicts the least recently used entries.
//
// # How a request is answered
//
// Every proxied response carries X-Cache: HIT, MISS or STALE (see the
// XCache constants), Age (the seconds the response spent in this cache
// plus the origin's Age) for responses from the store, and Via. The
// origin's other end-to-end fields, X-Backend among them, pass through.
//
//   - Fresh stored response: HIT, unless the request says no-cache (or
//     Pragma: no-cache), max-age=0, a max-age lower than the age, or a
//     min-fresh that the response cannot meet.
//   - Stale, no-cache, or revalidation asked for: a conditional request to
//     the origin (If-None-Match from ETag, If-Modified-Since from
//     Last-Modified). A 304 refreshes the stored fields and freshness and
//     the answer is a HIT (counted in Stats.Revalidations too); a full
//     response replaces the stored one and is a MISS.
//   - Stale within stale-while-revalidate: STALE at once, and one
//     background revalidation per entry. Within a request's max-stale:
//     STALE.
//   - Origin unreachable or answering 500/502/503/504 while a stored
//     response exists: STALE if Config.ServeStaleOnError is set or a
//     stale-if-error window (response or request) allows it; never for
//     must-revalidate, proxy-revalidate, s-maxage or no-cache responses.
//     Otherwise the origin's error, or 502 (504 on a timeout).
//   - The client's If-None-Match and If-Modified-Since are answered by the
//     cache: 304 when the response it would send matches. To fill the
//     store, the cache strips them and fetches the full response.
//   - Bypassing the store (MISS, counted in Stats.Passes): methods other
//     than GET and HEAD, request no-store, Range, If-Match,
//     If-Unmodified-Since, If-Range. A 2xx or 3xx answer to an unsafe
//     method invalidates the stored responses of its target.
//   - only-if-cached without a usable stored response: 504.
//
// With Config.Coalesce, concurrent misses and revalidations of one key
// make one origin request; the others wait for it and share its response
// when it is storable (or is the origin's failure). A response that may
// not be shared (private, no-store, too large, another variant) sends each
// waiter to the origin on its own.
//
// # Deviations, on purpose
//
//   - Age ignores Date (RFC 9111 4.2.3's apparent_age), as Varnish and
//     nginx do: Date has a one-second resolution and the origin's clock may
//     be off. Age is the origin's Age plus the time in this cache and in
//     transit.
//   - Of several variants of one target, all vary on the same fields: a
//     response with a different Vary replaces the stored variants.
//   - Responses larger than MaxObjectBytes and responses not storable are
//     streamed within Config.OriginTimeout, which bounds the whole
//     exchange with the origin, body included.
//   - Trailers are not forwarded; 1xx responses are not relayed.
//
// The package stands alone, like package targets: it imports nothing else
// of stampede and reads no process state.
package cache
