package auth

// Reason says why a request was not authenticated. Every 401 carries it in
// the X-Auth-Error header and the "error" field of its JSON body, and Stats
// counts 401s by it.
type Reason string

// Reasons of a 401. The set is fixed, so counting by reason is bounded.
const (
	// ReasonBadCredentials: POST /login with a wrong user or password.
	ReasonBadCredentials Reason = "bad_credentials"
	// ReasonMissingCredentials: no sid cookie (session mode) or no
	// Authorization header (jwt mode).
	ReasonMissingCredentials Reason = "missing_credentials"
	// ReasonMalformedSession: a sid cookie that this package never makes.
	ReasonMalformedSession Reason = "malformed_session"
	// ReasonUnknownSession: a well-formed session the store does not know:
	// made by another instance with another store (the round-robin case),
	// logged out, or swept after it expired.
	ReasonUnknownSession Reason = "unknown_session"
	// ReasonSessionExpired: a session the store still holds, past its TTL.
	ReasonSessionExpired Reason = "session_expired"
	// ReasonWrongScheme: an Authorization header that is not "Bearer".
	ReasonWrongScheme Reason = "wrong_scheme"
	// ReasonMalformedToken: a bearer token that is not a JWT.
	ReasonMalformedToken Reason = "malformed_token"
	// ReasonAlgNotAllowed: a JWT signed with anything but HS256, "none"
	// included.
	ReasonAlgNotAllowed Reason = "alg_not_allowed"
	// ReasonBadSignature: an HS256 JWT whose signature does not match the
	// secret (tampered, or signed with another secret).
	ReasonBadSignature Reason = "bad_signature"
	// ReasonTokenExpired: a JWT past its exp, beyond JWTLeeway.
	ReasonTokenExpired Reason = "token_expired"
	// ReasonInvalidClaims: a JWT without exp or sub, from another issuer,
	// or not valid yet.
	ReasonInvalidClaims Reason = "invalid_claims"
)

// reasons lists every Reason, in the order Stats reports them.
var reasons = []Reason{
	ReasonBadCredentials,
	ReasonMissingCredentials,
	ReasonMalformedSession,
	ReasonUnknownSession,
	ReasonSessionExpired,
	ReasonWrongScheme,
	ReasonMalformedToken,
	ReasonAlgNotAllowed,
	ReasonBadSignature,
	ReasonTokenExpired,
	ReasonInvalidClaims,
}

// messages explain each reason to a person reading the 401.
var messages = map[Reason]string{
	ReasonBadCredentials:     "wrong user or password",
	ReasonMissingCredentials: "log in first: no credentials in the request",
	ReasonMalformedSession:   "the sid cookie is not a session id",
	ReasonUnknownSession:     "this backend does not know the session: made by another backend with its own store, logged out, or expired and swept",
	ReasonSessionExpired:     "the session has expired",
	ReasonWrongScheme:        "the Authorization header must say Bearer <token>",
	ReasonMalformedToken:     "the bearer token is not a JWT",
	ReasonAlgNotAllowed:      "the token's alg is not HS256 (none and other algorithms are refused)",
	ReasonBadSignature:       "the token's signature does not match",
	ReasonTokenExpired:       "the token has expired",
	ReasonInvalidClaims:      "the token's claims are not acceptable (exp and sub required, issuer " + issuer + ")",
}
