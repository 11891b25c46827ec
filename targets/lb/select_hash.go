package lb

import "math"

// IPHash is the ip-hash policy: rendezvous (highest random weight) hashing
// of the client address (Request.ClientIP). Every backend scores the
// client, and the highest score wins, so a client sticks to one backend for
// as long as the set of available backends does not change, and adding a
// backend to n moves only the ≈1/(n+1) of clients that the newcomer now
// wins; removing one moves only its own clients. Weighted scores
// (-weight/ln u, with u the hash scaled to (0,1)) keep each backend's share
// proportional to its weight.
type IPHash struct{}

// Select implements Selector.
func (IPHash) Select(pool []*Target, r *Request) *Target {
	key := fnv64a(r.ClientIP())
	var best *Target
	bestScore := math.Inf(-1)
	for _, t := range pool {
		if s := hrwScore(key, t); s > bestScore {
			best, bestScore = t, s
		}
	}
	return best
}

// hrwScore is t's weighted rendezvous score for the client hashed to key.
func hrwScore(key uint64, t *Target) float64 {
	h := mix64(key ^ t.idHash)
	u := (float64(h>>11) + 0.5) / (1 << 53) // uniform in (0,1)
	return -float64(t.weight) / math.Log(u)
}

// fnv64a is 64-bit FNV-1a of s; it does not allocate.
func fnv64a(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// mix64 is SplitMix64's finalizer: every input bit flips about half of the
// output bits, so that the scores of one client on two backends look
// independent even though they share the client's hash.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

var _ Selector = IPHash{}
