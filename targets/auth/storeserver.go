package auth

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log"
	"net/http"

	"github.com/stampede-lab/stampede/targets/internal/httpserve"
)

// maxSessionBody bounds the body of a PUT to a StoreServer.
const maxSessionBody = 4 << 10

// StoreConfig configures a StoreServer.
type StoreConfig struct {
	// Addr is host:port; default DefaultAddr. Port 0 picks a free port.
	Addr string
	// ErrorLog receives net/http's own errors. Nil discards them.
	ErrorLog *log.Logger
}

// StoreServer shares one MemoryStore over HTTP, so that auth targets in
// separate processes share their sessions through HTTPStore, as web apps
// share them through Redis. It is a lab part, not a database: no
// persistence and no authentication, so it listens on loopback. It serves
//
//	PUT    /sessions/{id}  store the Session in the JSON body; 204
//	GET    /sessions/{id}  200 and the Session as JSON, or 404
//	DELETE /sessions/{id}  204
//	GET    /sessions       200 {"live": n}
type StoreServer struct {
	hs    *httpserve.Server
	store *MemoryStore
}

// StartStoreServer listens and serves a new MemoryStore in the background;
// it returns once the listener is bound. ctx bounds the life of the server;
// call Shutdown to stop it gracefully and wait for its goroutines.
func StartStoreServer(ctx context.Context, cfg StoreConfig) (*StoreServer, error) {
	s := &StoreServer{store: NewMemoryStore()}
	hs, err := httpserve.Start(ctx, httpserve.Options{
		Name:        "auth: store server",
		Addr:        cfg.Addr,
		DefaultAddr: DefaultAddr,
		ErrorLog:    cfg.ErrorLog,
		Handler:     func(*httpserve.Server) http.Handler { return s.handler() },
	})
	if err != nil {
		return nil, err
	}
	s.hs = hs
	return s, nil
}

// Addr returns the address the server listens on.
func (s *StoreServer) Addr() string { return s.hs.Addr() }

// URL returns the base URL of the server, to give to NewHTTPStore.
func (s *StoreServer) URL() string { return "http://" + s.hs.Addr() }

// Store returns the store the server shares.
func (s *StoreServer) Store() *MemoryStore { return s.store }

// Shutdown stops the server gracefully until ctx is done and waits for its
// goroutines; see Server.Shutdown.
func (s *StoreServer) Shutdown(ctx context.Context) error { return s.hs.Shutdown(ctx) }

func (s *StoreServer) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("PUT /sessions/{id}", s.put)
	mux.HandleFunc("GET /sessions/{id}", s.get)
	mux.HandleFunc("DELETE /sessions/{id}", s.delete)
	mux.HandleFunc("GET /sessions", s.live)
	return mux
}

func (s *StoreServer) put(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	var sess Session
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxSessionBody))
	if err := dec.Decode(&sess); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			http.Error(w, "session too large", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "malformed session: "+err.Error(), http.StatusBadRequest)
		return
	}
	if !validStoreID(id) || sess.ID != id {
		http.Error(w, "the session's id must be the path's, 1 to 128 base64url characters", http.StatusBadRequest)
		return
	}
	_ = s.store.Put(r.Context(), sess) // a MemoryStore never fails
	w.WriteHeader(http.StatusNoContent)
}

func (s *StoreServer) get(w http.ResponseWriter, r *http.Request) {
	sess, ok, _ := s.store.Get(r.Context(), r.PathValue("id"))
	if !ok {
		http.Error(w, "no such session", http.StatusNotFound)
		return
	}
	writeJSON(w, http.StatusOK, sess)
}

func (s *StoreServer) delete(w http.ResponseWriter, r *http.Request) {
	_ = s.store.Delete(r.Context(), r.PathValue("id"))
	w.WriteHeader(http.StatusNoContent)
}

func (s *StoreServer) live(w http.ResponseWriter, r *http.Request) {
	n, _ := s.store.Len(r.Context())
	writeJSON(w, http.StatusOK, liveBody{Live: n})
}

type liveBody struct {
	Live int `json:"live"`
}

// validStoreID reports whether id is 1 to 128 base64url characters, which
// every id this package makes is, and which needs no escaping in a path.
func validStoreID(id string) bool {
	if len(id) == 0 || len(id) > 128 {
		return false
	}
	for _, c := range []byte(id) {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// discard reads what is left of a body, up to a bound, and closes it, so
// that the connection can be reused.
func discard(body io.ReadCloser) {
	_, _ = io.Copy(io.Discard, io.LimitReader(body, 64<<10))
	_ = body.Close()
}
