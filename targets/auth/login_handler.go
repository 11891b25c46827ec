package auth

import (
	"io"
	"net/http"
	"time"
)

// login answers POST /login: 200 with a session cookie or a token, 401 for
// wrong credentials, 400, 413 or 415 for a body it cannot read.
func (h *handler) login(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxLoginBody))
	var c credentials
	if err == nil {
		c, err = parseLogin(r.Header.Get("Content-Type"), body)
	}
	if err != nil {
		h.stats.loginFailures.Add(1)
		status, code := errStatus(err)
		writeError(w, status, code, "login: "+err.Error())
		return
	}
	if !h.users.check(c) {
		h.stats.loginFailures.Add(1)
		h.unauthorized(w, ReasonBadCredentials)
		return
	}
	if h.tokens != nil {
		h.loginJWT(w, c.User)
		return
	}
	h.loginSession(w, r, c.User)
}

func (h *handler) loginJWT(w http.ResponseWriter, user string) {
	tok, err := h.tokens.issue(user)
	if err != nil {
		h.stats.loginFailures.Add(1)
		writeError(w, http.StatusInternalServerError, "internal", "cannot sign the token")
		return
	}
	h.stats.logins.Add(1)
	writeJSON(w, http.StatusOK, LoginResponse{
		Identity:  Identity{User: user, Backend: h.id, Mode: h.mode},
		ExpiresIn: int(h.ttl / time.Second),
		Token:     tok,
		TokenType: "Bearer",
	})
}

// loginSession stores a new session and sets its cookie. A session the
// request already carried is deleted: a login always gets a fresh id, so
// an id planted before login (session fixation) is worth nothing.
func (h *handler) loginSession(w http.ResponseWriter, r *http.Request, user string) {
	s := Session{ID: newSessionID(), User: user, Backend: h.id, Expires: h.now().Add(h.ttl)}
	if err := h.store.Put(r.Context(), s); err != nil {
		h.stats.loginFailures.Add(1)
		h.storeFailed(w)
		return
	}
	if old, err := r.Cookie(CookieName); err == nil && validSessionID(old.Value) {
		_ = h.store.Delete(r.Context(), old.Value) // best effort: it expires anyway
	}
	h.stats.logins.Add(1)
	http.SetCookie(w, sessionCookie(s.ID, h.ttl, r.TLS != nil))
	writeJSON(w, http.StatusOK, LoginResponse{
		Identity:  Identity{User: user, Backend: h.id, Mode: h.mode},
		ExpiresIn: int(h.ttl / time.Second),
	})
}

// logout answers POST /logout with 204. In session mode it deletes the
// session and the cookie. In jwt mode there is nothing to delete: a token
// stays valid until it expires, and the X-Auth-Note header says so.
func (h *handler) logout(w http.ResponseWriter, r *http.Request) {
	if h.tokens != nil {
		w.Header().Set("X-Auth-Note", "jwt is stateless: logout cannot revoke a token, which stays valid until it expires; the client must drop it")
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if c, err := r.Cookie(CookieName); err == nil && validSessionID(c.Value) {
		if err := h.store.Delete(r.Context(), c.Value); err != nil {
			h.storeFailed(w)
			return
		}
	}
	http.SetCookie(w, sessionCookie("", -1, r.TLS != nil))
	w.WriteHeader(http.StatusNoContent)
}
