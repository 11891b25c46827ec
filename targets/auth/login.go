package auth

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/url"
)

// Limits of a login request.
const (
	// maxLoginBody bounds the body of POST /login; a larger one gets 413.
	maxLoginBody = 16 << 10
	// maxUserLen bounds a user name.
	maxUserLen = 256
)

// Errors of parseLogin, each answered with its own status.
var (
	errLoginMediaType = errors.New("content type: want application/x-www-form-urlencoded or application/json")
	errLoginMalformed = errors.New("malformed body")
	errLoginMissing   = errors.New("missing user or password")
	errLoginTooLong   = fmt.Errorf("user name longer than %d bytes", maxUserLen)
)

// credentials are what a login request offers.
type credentials struct {
	User     string `json:"user"`
	Password string `json:"password"`
}

// parseLogin reads the credentials of a login body, as a form (when
// contentType says so, or says nothing) or as a JSON object. It accepts nothing ambiguous: a repeated field, trailing JSON or
// an unknown media type is an error. It never panics, whatever the input
// (FuzzParseLogin).
func parseLogin(contentType string, body []byte) (credentials, error) {
	var c credentials
	mediaType := "application/x-www-form-urlencoded"
	if contentType != "" {
		mt, _, err := mime.ParseMediaType(contentType)
		if err != nil {
			return c, errLoginMediaType
		}
		mediaType = mt
	}
	switch mediaType {
	case "application/x-www-form-urlencoded":
		v, err := url.ParseQuery(string(body))
		if err != nil || len(v["user"]) > 1 || len(v["password"]) > 1 {
			return c, errLoginMalformed
		}
		c.User, c.Password = v.Get("user"), v.Get("password")
	case "application/json":
		dec := json.NewDecoder(bytes.NewReader(body))
		if err := dec.Decode(&c); err != nil {
			return c, errLoginMalformed
		}
		if _, err := dec.Token(); err != io.EOF {
			return c, errLoginMalformed
		}
	default:
		return c, errLoginMediaType
	}
	if c.User == "" || c.Password == "" {
		return c, errLoginMissing
	}
	if len(c.User) > maxUserLen {
		return c, errLoginTooLong
	}
	return c, nil
}

// users checks credentials against a table, or against the default rule
// when the table is nil. It is read-only after newUsers, so safe for
// concurrent use.
type users struct {
	table map[string]string
}

func newUsers(table map[string]string) *users {
	if table == nil {
		return &users{}
	}
	return &users{table: maps.Clone(table)}
}

// check reports whether password is user's. The password comparison takes
// the same time whether or not the user exists.
func (u *users) check(c credentials) bool {
	want, known := DefaultPassword, isDefaultUser(c.User)
	if u.table != nil {
		want, known = u.table[c.User]
	}
	ok := subtle.ConstantTimeCompare([]byte(c.Password), []byte(want)) == 1
	return known && ok
}

// isDefaultUser reports whether name is "user" and 1 to 9 digits.
func isDefaultUser(name string) bool {
	const prefix = "user"
	if len(name) <= len(prefix) || len(name) > len(prefix)+9 || name[:len(prefix)] != prefix {
		return false
	}
	for _, c := range []byte(name[len(prefix):]) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
