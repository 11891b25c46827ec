package auth

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// httpStoreTimeout bounds every request of an HTTPStore, on top of its
// context: a store that hangs must not hang logins.
const httpStoreTimeout = 5 * time.Second

// HTTPStore is a Store kept by a StoreServer, possibly in another process.
// It keeps its connections alive; call Close when done with it. It is safe
// for concurrent use.
type HTTPStore struct {
	base   string
	tr     *http.Transport
	client *http.Client
}

// NewHTTPStore returns a Store that talks to the StoreServer at baseURL,
// such as "http://127.0.0.1:9000". It uses no proxy, whatever the
// environment says.
func NewHTTPStore(baseURL string) *HTTPStore {
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: httpStoreTimeout}).DialContext,
		MaxIdleConns:        256,
		MaxIdleConnsPerHost: 256, // one per concurrent login, not the default 2
		IdleConnTimeout:     90 * time.Second,
	}
	return &HTTPStore{
		base:   strings.TrimSuffix(baseURL, "/"),
		tr:     tr,
		client: &http.Client{Transport: tr, Timeout: httpStoreTimeout},
	}
}

// Close closes the store's idle connections.
func (h *HTTPStore) Close() { h.tr.CloseIdleConnections() }

// Put implements Store.
func (h *HTTPStore) Put(ctx context.Context, s Session) error {
	if !validStoreID(s.ID) {
		return fmt.Errorf("auth: http store: put: session id %q: want 1 to 128 base64url characters", s.ID)
	}
	body, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("auth: http store: put: %w", err)
	}
	resp, err := h.do(ctx, http.MethodPut, "/sessions/"+s.ID, bytes.NewReader(body))
	if err != nil {
		return err
	}
	defer discard(resp.Body)
	return wantStatus(resp, http.StatusNoContent)
}

// Get implements Store. An id that no StoreServer could hold is simply
// unknown.
func (h *HTTPStore) Get(ctx context.Context, id string) (Session, bool, error) {
	if !validStoreID(id) {
		return Session{}, false, nil
	}
	resp, err := h.do(ctx, http.MethodGet, "/sessions/"+id, nil)
	if err != nil {
		return Session{}, false, err
	}
	defer discard(resp.Body)
	if resp.StatusCode == http.StatusNotFound {
		return Session{}, false, nil
	}
	if err := wantStatus(resp, http.StatusOK); err != nil {
		return Session{}, false, err
	}
	var s Session
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxSessionBody)).Decode(&s); err != nil {
		return Session{}, false, fmt.Errorf("auth: http store: get: %w", err)
	}
	return s, true, nil
}

// Delete implements Store.
func (h *HTTPStore) Delete(ctx context.Context, id string) error {
	if !validStoreID(id) {
		return nil
	}
	resp, err := h.do(ctx, http.MethodDelete, "/sessions/"+id, nil)
	if err != nil {
		return err
	}
	defer discard(resp.Body)
	return wantStatus(resp, http.StatusNoContent)
}

// Len implements Store.
func (h *HTTPStore) Len(ctx context.Context) (int, error) {
	resp, err := h.do(ctx, http.MethodGet, "/sessions", nil)
	if err != nil {
		return 0, err
	}
	defer discard(resp.Body)
	if err := wantStatus(resp, http.StatusOK); err != nil {
		return 0, err
	}
	var b liveBody
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxSessionBody)).Decode(&b); err != nil {
		return 0, fmt.Errorf("auth: http store: len: %w", err)
	}
	return b.Live, nil
}

func (h *HTTPStore) do(ctx context.Context, method, path string, body io.Reader) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, h.base+path, body)
	if err != nil {
		return nil, fmt.Errorf("auth: http store: %w", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := h.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("auth: http store: %w", err)
	}
	return resp, nil
}

// wantStatus returns an error unless resp has the status want.
func wantStatus(resp *http.Response, want int) error {
	if resp.StatusCode != want {
		return fmt.Errorf("auth: http store: %s %s: %s, want %d", resp.Request.Method, resp.Request.URL.Path, resp.Status, want)
	}
	return nil
}

var _ Store = (*HTTPStore)(nil)
