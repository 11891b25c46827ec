package auth

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"
)

// MaxSleep is the longest simulated work that /api/ accepts in ?sleep=.
const MaxSleep = 10 * time.Second

// Identity is the JSON body of GET /me and of /api/.
type Identity struct {
	User    string `json:"user"`
	Backend string `json:"backend"` // the ID of the instance that answered
	Mode    string `json:"mode"`
	Path    string `json:"path,omitempty"` // /api/ only
}

// LoginResponse is the JSON body of a successful POST /login.
type LoginResponse struct {
	Identity
	ExpiresIn int    `json:"expires_in"`           // seconds
	Token     string `json:"token,omitempty"`      // jwt mode
	TokenType string `json:"token_type,omitempty"` // "Bearer" in jwt mode
}

// ErrorResponse is the JSON body of every error this package answers.
type ErrorResponse struct {
	Error   string `json:"error"` // a Reason for 401s
	Message string `json:"message"`
}

// handler serves an auth target.
type handler struct {
	id     string
	mode   string
	ttl    time.Duration
	now    func() time.Time
	users  *users
	store  Store   // session mode
	tokens *tokens // jwt mode
	stats  *counters
	mux    *http.ServeMux
}

func newHandler(cfg Config, id string) *handler {
	h := &handler{id: id, mode: cfg.Mode, ttl: cfg.TTL, now: cfg.now, users: newUsers(cfg.Users), stats: newCounters()}
	if cfg.Mode == ModeJWT {
		h.tokens = newTokens(cfg.Secret, cfg.TTL, cfg.now)
	} else {
		h.store = cfg.Store
		if h.store == nil {
			h.store = newMemoryStore(cfg.now)
		}
	}
	h.mux = http.NewServeMux()
	h.mux.HandleFunc("GET /{$}", h.root)
	h.mux.HandleFunc("POST /login", h.login)
	h.mux.HandleFunc("POST /logout", h.logout)
	h.mux.HandleFunc("GET /me", h.protected(h.me))
	h.mux.HandleFunc("/api/", h.protected(h.api))
	h.mux.HandleFunc("GET "+StatsPath, h.serveStats)
	return h
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Backend", h.id)
	h.mux.ServeHTTP(w, r)
}

func (h *handler) root(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	io.WriteString(w, "stampede target: auth ("+h.mode+")\nPOST /login, GET /me, /api/..., POST /logout, GET "+StatsPath+"\n")
}

// authenticate returns the user of a request, or why it has none; err is
// a failure of the store, which says nothing about the user.
func (h *handler) authenticate(r *http.Request) (string, Reason, error) {
	if h.tokens != nil {
		user, reason := h.tokens.fromRequest(r)
		return user, reason, nil
	}
	c, err := r.Cookie(CookieName)
	if err != nil {
		return "", ReasonMissingCredentials, nil
	}
	if !validSessionID(c.Value) {
		return "", ReasonMalformedSession, nil
	}
	s, ok, err := h.store.Get(r.Context(), c.Value)
	switch {
	case err != nil:
		return "", "", err
	case !ok:
		return "", ReasonUnknownSession, nil
	case s.Expired(h.now()):
		return "", ReasonSessionExpired, nil
	}
	return s.User, "", nil
}

// protected lets authenticated requests through to next, and answers the
// others 401 (or 503 when the store failed).
func (h *handler) protected(next func(http.ResponseWriter, *http.Request, string)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		user, reason, err := h.authenticate(r)
		switch {
		case err != nil:
			h.storeFailed(w)
		case reason != "":
			h.unauthorized(w, reason)
		default:
			h.stats.authenticated.Add(1)
			next(w, r, user)
		}
	}
}

func (h *handler) me(w http.ResponseWriter, _ *http.Request, user string) {
	writeJSON(w, http.StatusOK, Identity{User: user, Backend: h.id, Mode: h.mode})
}

// api answers any method on any path under /api/, after the simulated work
// of ?sleep= (a Go duration such as 5ms, or milliseconds), up to MaxSleep.
func (h *handler) api(w http.ResponseWriter, r *http.Request, user string) {
	if v := r.URL.Query().Get("sleep"); v != "" {
		d, ok := parseSleep(v)
		if !ok {
			writeError(w, http.StatusBadRequest, "bad_request", "sleep="+strconv.Quote(v)+": want a duration such as 5ms, or milliseconds, up to "+MaxSleep.String())
			return
		}
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			writeError(w, http.StatusServiceUnavailable, "cancelled", "the request was cancelled during its simulated work")
			return
		}
	}
	writeJSON(w, http.StatusOK, Identity{User: user, Backend: h.id, Mode: h.mode, Path: r.URL.Path})
}

// parseSleep reads a Go duration or a number of milliseconds, 0 to MaxSleep.
func parseSleep(v string) (time.Duration, bool) {
	d, err := time.ParseDuration(v)
	if err != nil {
		ms, ferr := strconv.ParseFloat(v, 64)
		if ferr != nil || ms != ms { // NaN
			return 0, false
		}
		if ms < 0 || ms > float64(MaxSleep/time.Millisecond) {
			return 0, false
		}
		d = time.Duration(ms * float64(time.Millisecond))
	}
	return d, d >= 0 && d <= MaxSleep
}

// unauthorized answers 401 for reason and counts it.
func (h *handler) unauthorized(w http.ResponseWriter, reason Reason) {
	h.stats.unauth[reason].Add(1)
	w.Header().Set("X-Auth-Error", string(reason))
	w.Header().Set("Www-Authenticate", h.challenge(reason))
	writeError(w, http.StatusUnauthorized, string(reason), messages[reason])
}

// challenge is the WWW-Authenticate value of a 401: RFC 6750 in jwt mode
// (with error="invalid_token" when a token was offered), and the
// draft "Cookie" scheme, naming the cookie and the login form, in session
// mode.
func (h *handler) challenge(reason Reason) string {
	if h.tokens == nil {
		return `Cookie realm="stampede", form-action="/login", cookie-name="` + CookieName + `"`
	}
	switch reason {
	case ReasonMissingCredentials, ReasonWrongScheme, ReasonBadCredentials:
		return `Bearer realm="stampede"`
	}
	return `Bearer realm="stampede", error="invalid_token", error_description="` + string(reason) + `"`
}

// storeFailed answers 503: the store did not answer, so nobody can tell
// whether the user is logged in.
func (h *handler) storeFailed(w http.ResponseWriter) {
	h.stats.storeErrors.Add(1)
	writeError(w, http.StatusServiceUnavailable, "store_unavailable", "the session store failed")
}

// writeJSON writes v as the JSON body of a response that no cache may keep:
// everything here depends on who asks.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status, body = http.StatusInternalServerError, []byte(`{"error":"internal","message":"cannot encode the response"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)+1))
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}

func writeError(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, ErrorResponse{Error: code, Message: message})
}

// errStatus maps a body-reading error of login to its status.
func errStatus(err error) (int, string) {
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return http.StatusRequestEntityTooLarge, "too_large"
	case errors.Is(err, errLoginMediaType):
		return http.StatusUnsupportedMediaType, "unsupported_media_type"
	}
	return http.StatusBadRequest, "bad_request"
}

var _ http.Handler = (*handler)(nil)
