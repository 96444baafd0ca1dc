package web

import (
	"crypto/sha256"
	"net/url"
	"strings"
	"testing"
)

// emptyHash is what `printf %s "$TOKEN" | sha256sum` prints with $TOKEN
// unset, as a user copying the README's example without TOKEN gets.
const emptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// TestNewRefusesEmptyToken: a department configured with an empty token,
// or the hash of one, makes the web face refuse to start, naming the
// department and the variable to set.
func TestNewRefusesEmptyToken(t *testing.T) {
	for _, c := range []struct {
		name, token string
		wantErr     bool
	}{
		{"hash of the empty string", "sha256:" + emptyHash, true},
		{"hash of the empty string, upper case", "sha256:" + strings.ToUpper(emptyHash), true},
		{"empty in clear", "", true},
		{"a real token", tokSTHJJ, false},
		{"the hash of a real token", "sha256:" + strings.Repeat("ab", 32), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			o := testOptions(t)
			o.Tokens = map[string]string{"gxj": tokGXJ, "sthjj": c.token}
			_, err := New(o)
			if !c.wantErr {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil {
				t.Fatal("New accepts an empty token for sthjj")
			}
			for _, w := range []string{`"sthjj"`, "WAYMARK_PORTAL_TOKEN_STHJJ", "openssl rand"} {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

// TestLoginRefusesEmptyToken posts the sign-in form over HTTP: an empty
// token never signs in and says so, even for a department whose stored
// hash is the empty string's (put there behind New's back, as a
// deployment before New refused it would have had).
func TestLoginRefusesEmptyToken(t *testing.T) {
	s, ts := startServer(t, testOptions(t))
	empty := sha256.Sum256(nil)
	s.auth.hashes["sthjj"] = empty[:]
	base, _ := url.Parse(ts.URL)
	for _, c := range []struct {
		name, dept, token string
		signedIn          bool
		notice            string
	}{
		{"empty token, empty hash", "sthjj", "", false, "Enter your department's token"},
		{"empty token, real token", "gxj", "", false, "Enter your department's token"},
		{"empty token, no department", "", "", false, "Enter your department's token"},
		{"wrong token", "gxj", "wrong", false, "not recognised"},
		{"right token", "gxj", tokGXJ, true, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			cl := newClient(t, ts.URL)
			page := cl.signIn(c.dept, c.token)
			session := false
			for _, ck := range cl.http.Jar.Cookies(base) {
				session = session || (ck.Name == sessionCookie && ck.Value != "")
			}
			if session != c.signedIn {
				t.Errorf("session cookie %v, want %v", session, c.signedIn)
			}
			if c.notice != "" && !strings.Contains(page, c.notice) {
				t.Errorf("the page lacks %q", c.notice)
			}
			if !c.signedIn && !strings.Contains(page, `name="token"`) {
				t.Error("not back on the sign-in form")
			}
		})
	}
}
