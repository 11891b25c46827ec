package cache

import (
	"container/list"
	"net/http"
	"slices"
	"sync"
)

// store holds entries in memory, bounded by bytes, and evicts the least
// recently used. Its methods are safe for concurrent use; one mutex guards
// everything, held only for map and list operations (never for I/O).
type store struct {
	maxBytes int64

	mu        sync.Mutex
	keys      map[string]*variants // by primary key
	lru       list.List            // of *entry; front is the most recently used
	bytes     int64
	evictions uint64
}

// variants are the stored responses of one primary key. They all vary on
// the same field names: a response whose Vary differs from the stored ones
// replaces them all, since the origin changed how it negotiates.
type variants struct {
	vary    []string
	entries map[string]*entry // by variant key
}

func newStore(maxBytes int64) *store {
	return &store{maxBytes: maxBytes, keys: make(map[string]*variants)}
}

// get returns the entry of key that matches the request header h, or nil,
// and marks it as used.
func (s *store) get(key string, h http.Header) *entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.keys[key]
	if v == nil {
		return nil
	}
	e := v.entries[variantKey(v.vary, h)]
	if e != nil {
		s.lru.MoveToFront(e.elem)
	}
	return e
}

// vary returns the field names the stored responses of key vary on, so
// that concurrent requests for different variants are not coalesced.
func (s *store) vary(key string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if v := s.keys[key]; v != nil {
		return v.vary
	}
	return nil
}

// put stores e, replacing the entry of the same key and variant, then
// evicts the least recently used entries until the store fits. An entry
// larger than the whole store is not stored; put reports whether e was.
func (s *store) put(e *entry) bool {
	if e.size > s.maxBytes {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.keys[e.key]
	if v != nil && !slices.Equal(v.vary, e.vary) {
		s.removeKeyLocked(e.key)
		v = nil
	}
	if v == nil {
		v = &variants{vary: e.vary, entries: make(map[string]*entry, 1)}
		s.keys[e.key] = v
	}
	if old := v.entries[e.variant]; old != nil {
		s.unlinkLocked(old)
	}
	v.entries[e.variant] = e
	e.elem = s.lru.PushFront(e)
	s.bytes += e.size
	for s.bytes > s.maxBytes {
		oldest := s.lru.Back().Value.(*entry)
		s.deleteLocked(oldest)
		s.evictions++
	}
	return true
}

// remove drops every variant of key (RFC 9111 4.4 invalidation).
func (s *store) remove(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.removeKeyLocked(key)
}

// drop removes the entry of key and variant, if stored.
func (s *store) drop(key, variant string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if v := s.keys[key]; v != nil {
		if e := v.entries[variant]; e != nil {
			s.deleteLocked(e)
		}
	}
}

// purge empties the store; evictions are not counted.
func (s *store) purge() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys = make(map[string]*variants)
	s.lru.Init()
	s.bytes = 0
}

// usage returns the bytes and entries stored and the evictions so far.
func (s *store) usage() (bytes int64, entries int, evictions uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.bytes, s.lru.Len(), s.evictions
}

func (s *store) removeKeyLocked(key string) {
	v := s.keys[key]
	if v == nil {
		return
	}
	for _, e := range v.entries {
		s.unlinkLocked(e)
	}
	delete(s.keys, key)
}

// deleteLocked removes e from its variants and from the LRU list.
func (s *store) deleteLocked(e *entry) {
	v := s.keys[e.key]
	delete(v.entries, e.variant)
	if len(v.entries) == 0 {
		delete(s.keys, e.key)
	}
	s.unlinkLocked(e)
}

// unlinkLocked takes e off the LRU list and the byte count only.
func (s *store) unlinkLocked(e *entry) {
	s.lru.Remove(e.elem)
	s.bytes -= e.size
}
