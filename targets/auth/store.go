package auth

import (
	"context"
	"sync"
	"time"
)

// Session is one login in session mode.
type Session struct {
	ID      string    `json:"id"`
	User    string    `json:"user"`
	Backend string    `json:"backend"` // the ID of the instance that made it
	Expires time.Time `json:"expires"`
}

// Expired reports whether s has expired at now.
func (s Session) Expired(now time.Time) bool { return !now.Before(s.Expires) }

// Store keeps the sessions of one or more instances. Implementations must
// be safe for concurrent use.
type Store interface {
	// Put stores s under s.ID, replacing any session of that ID.
	Put(ctx context.Context, s Session) error
	// Get returns the session of id, and false when there is none. It may
	// return an expired session that has not been swept yet, so that the
	// caller can tell "expired" from "unknown": check Expired.
	Get(ctx context.Context, id string) (Session, bool, error)
	// Delete removes the session of id; removing none is not an error.
	Delete(ctx context.Context, id string) error
	// Len returns how many sessions have not expired.
	Len(ctx context.Context) (int, error)
}

// sweepEvery is how often a MemoryStore removes expired sessions.
const sweepEvery = 10 * time.Second

// MemoryStore is a Store in memory. Expired sessions are swept by Put and
// Len at most every sweepEvery, inline, so the store needs no goroutine and
// nothing to stop. Share one between instances of the same process to share
// their sessions; StoreServer shares one across processes.
type MemoryStore struct {
	now func() time.Time

	mu        sync.RWMutex
	sessions  map[string]Session
	nextSweep time.Time
}

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore { return newMemoryStore(time.Now) }

func newMemoryStore(now func() time.Time) *MemoryStore {
	return &MemoryStore{now: now, sessions: map[string]Session{}}
}

// Put implements Store.
func (m *MemoryStore) Put(_ context.Context, s Session) error {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.maybeSweep(now)
	m.sessions[s.ID] = s
	return nil
}

// Get implements Store.
func (m *MemoryStore) Get(_ context.Context, id string) (Session, bool, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	s, ok := m.sessions[id]
	return s, ok, nil
}

// Delete implements Store.
func (m *MemoryStore) Delete(_ context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.sessions, id)
	return nil
}

// Len implements Store; it sweeps first.
func (m *MemoryStore) Len(context.Context) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sweep(m.now())
	return len(m.sessions), nil
}

// Sweep removes the expired sessions now and returns how many it removed.
func (m *MemoryStore) Sweep() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.sweep(m.now())
}

// maybeSweep sweeps when the last sweep is sweepEvery old. m.mu is held.
func (m *MemoryStore) maybeSweep(now time.Time) {
	if now.Before(m.nextSweep) {
		return
	}
	m.sweep(now)
}

// sweep removes expired sessions. m.mu is held.
func (m *MemoryStore) sweep(now time.Time) int {
	n := 0
	for id, s := range m.sessions {
		if s.Expired(now) {
			delete(m.sessions, id)
			n++
		}
	}
	m.nextSweep = now.Add(sweepEvery)
	return n
}

var _ Store = (*MemoryStore)(nil)
