package auth

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// JWTLeeway is the clock skew allowed when checking a token's exp and nbf:
// small, so that an expired token is refused within seconds.
const JWTLeeway = 2 * time.Second

// issuer is the iss of every token; tokens from other issuers are refused,
// so a token minted for another service with the same secret is not
// accepted here.
const issuer = "stampede-auth"

// tokens issues and checks the JWTs of jwt mode. It is safe for concurrent
// use: a jwt.Parser made by NewParser is read-only once made.
type tokens struct {
	secret []byte
	ttl    time.Duration
	now    func() time.Time
	parser *jwt.Parser
}

func newTokens(secret []byte, ttl time.Duration, now func() time.Time) *tokens {
	return &tokens{
		secret: secret,
		ttl:    ttl,
		now:    now,
		parser: jwt.NewParser(
			// Only HS256: refuses "none", and the RS256-with-the-secret-
			// as-public-key confusion, before any key is looked up.
			jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
			jwt.WithExpirationRequired(),
			jwt.WithIssuer(issuer),
			jwt.WithLeeway(JWTLeeway),
			jwt.WithTimeFunc(now),
		),
	}
}

// issue returns a token for user, valid for the TTL.
func (t *tokens) issue(user string) (string, error) {
	now := t.now()
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.RegisteredClaims{
		Issuer:    issuer,
		Subject:   user,
		IssuedAt:  jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(now.Add(t.ttl)),
	})
	return tok.SignedString(t.secret)
}

// fromRequest returns the user of the request's bearer token, or why there
// is none.
func (t *tokens) fromRequest(r *http.Request) (string, Reason) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return "", ReasonMissingCredentials
	}
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", ReasonWrongScheme
	}
	return t.verify(strings.TrimSpace(tok))
}

// verify returns the subject of a valid token, or why it is not valid.
func (t *tokens) verify(s string) (string, Reason) {
	var claims jwt.RegisteredClaims
	tok, err := t.parser.ParseWithClaims(s, &claims, t.key)
	if err != nil {
		return "", tokenReason(tok, err)
	}
	if claims.Subject == "" {
		return "", ReasonInvalidClaims
	}
	return claims.Subject, ""
}

// key returns the secret, for HS256 only: WithValidMethods already refused
// every other method, and this check keeps it so if that option is lost.
func (t *tokens) key(tok *jwt.Token) (any, error) {
	if tok.Method != jwt.SigningMethodHS256 {
		return nil, errors.New("alg not allowed")
	}
	return t.secret, nil
}

// tokenReason maps a parse error of golang-jwt to a Reason.
func tokenReason(tok *jwt.Token, err error) Reason {
	switch {
	case errors.Is(err, jwt.ErrTokenMalformed):
		return ReasonMalformedToken
	case errors.Is(err, jwt.ErrTokenUnverifiable):
		// An alg golang-jwt does not know, or our key func refused it.
		return ReasonAlgNotAllowed
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		// Also what WithValidMethods returns: tell the two apart.
		if tok != nil && tok.Method != nil && tok.Method.Alg() != jwt.SigningMethodHS256.Alg() {
			return ReasonAlgNotAllowed
		}
		return ReasonBadSignature
	case errors.Is(err, jwt.ErrTokenExpired):
		return ReasonTokenExpired
	default:
		return ReasonInvalidClaims
	}
}
