package auth

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"time"
)

// CookieName is the name of the session cookie.
const CookieName = "sid"

// sessionIDLen is the length of a session id: 128 random bits in
// unpadded base64url.
const sessionIDLen = 22

// newSessionID returns a fresh session id: 128 bits from crypto/rand, too
// many to guess, in base64url so it fits a cookie and a URL path as is.
func newSessionID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails: crypto/rand panics rather than return short
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// validSessionID reports whether id could be one newSessionID made, so that
// junk never reaches the store.
func validSessionID(id string) bool {
	return len(id) == sessionIDLen && validStoreID(id)
}

// sessionCookie returns the cookie that carries a session: HttpOnly so
// scripts cannot read it, SameSite=Lax so other sites cannot post with it,
// Secure when the login came over TLS (a plain-HTTP lab would never get a
// Secure cookie back), on every path, for ttl (a negative ttl deletes it).
func sessionCookie(id string, ttl time.Duration, secure bool) *http.Cookie {
	maxAge := int(ttl / time.Second)
	if ttl < 0 {
		maxAge = -1
	}
	return &http.Cookie{
		Name:     CookieName,
		Value:    id,
		Path:     "/",
		MaxAge:   maxAge,
		HttpOnly: true,
		Secure:   secure,
		SameSite: http.SameSiteLaxMode,
	}
}
