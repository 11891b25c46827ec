package auth

import (
	"testing"
)

// TestRoundRobin asserts the fact the auth target exists to show: behind a
// round-robin balancer, sessions kept by each backend lose the login on
// every second request, while stickiness (IP hash), a shared store or a
// JWT keep it on every request.
//
// The "balancer" here is the client picking the backend of each request;
// the login is request 0, then /me alternates B, A, B, ... One cookie jar
// serves both backends, as a browser's does behind one host name.
func TestRoundRobin(t *testing.T) {
	const requests = 20 // /me requests after the login
	roundRobin := func(i int) int { return i % 2 }
	sticky := func(int) int { return 0 } // IP hash: one client, one backend
	tests := []struct {
		name    string
		mode    string
		store   func(t *testing.T) (Store, Store)
		pick    func(i int) int
		failing int // /me requests that get 401
	}{
		{"session, a store each, round robin", ModeSession, separateStores, roundRobin, requests / 2},
		{"session, a store each, ip hash", ModeSession, separateStores, sticky, 0},
		{"session, shared memory store", ModeSession, sharedMemoryStore, roundRobin, 0},
		{"session, shared store server", ModeSession, sharedStoreServer, roundRobin, 0},
		{"jwt, shared secret", ModeJWT, noStore, roundRobin, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sa, sb := tt.store(t)
			backends := []*Server{
				startAuth(t, Config{ID: "A", Mode: tt.mode, Store: sa, Secret: testSecret}),
				startAuth(t, Config{ID: "B", Mode: tt.mode, Store: sb, Secret: testSecret}),
			}
			c := newClient(t)
			lr := login(t, c, backends[tt.pick(0)].URL(), "user1")
			var headers []string
			if tt.mode == ModeJWT {
				headers = []string{"Authorization", "Bearer " + lr.Token}
			}
			failing := 0
			for i := 1; i <= requests; i++ {
				b := backends[tt.pick(i)]
				status, reason := me(t, c, b.URL(), headers...)
				if status == 200 {
					continue
				}
				failing++
				// Only the backend that did not see the login fails, and
				// it says why: the session is unknown there.
				if b.h.id != "B" || reason != ReasonUnknownSession {
					t.Errorf("request %d to %s: %d %s", i, b.h.id, status, reason)
				}
			}
			if failing != tt.failing {
				t.Errorf("%d of %d requests failed, want %d", failing, requests, tt.failing)
			}
			st := backends[1].Stats()
			if got := st.Unauthenticated[ReasonUnknownSession]; got != uint64(tt.failing) {
				t.Errorf("B counted %d unknown sessions, want %d", got, tt.failing)
			}
		})
	}
}

// Stores of the round-robin backends A and B.

func separateStores(*testing.T) (Store, Store) { return nil, nil }

func sharedMemoryStore(*testing.T) (Store, Store) {
	s := NewMemoryStore()
	return s, s
}

// sharedStoreServer gives A and B clients of their own of one StoreServer,
// as two processes would have.
func sharedStoreServer(t *testing.T) (Store, Store) {
	ss, a := startStore(t)
	b := NewHTTPStore(ss.URL())
	t.Cleanup(b.Close)
	return a, b
}

func noStore(*testing.T) (Store, Store) { return nil, nil }
