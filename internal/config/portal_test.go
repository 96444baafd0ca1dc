package config

import (
	"strings"
	"testing"
)

// TestPortalTokensRefuseEmptyHash: the hash of an unset $TOKEN (printf %s
// or echo) is refused naming the variable and the department; a token or
// the hash of a real one is kept.
func TestPortalTokensRefuseEmptyHash(t *testing.T) {
	for _, c := range []struct {
		name, value string
		wantErr     bool
	}{
		{"printf of an unset TOKEN", "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", true},
		{"upper-case hex", "sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855", true},
		{"echo of an unset TOKEN", "sha256:01ba4719c80b6fe911b091a7c05124b64eeece964e09c058ef8f9805daca546b", true},
		{"a token in clear", "s3cret-token", false},
		{"the hash of a token", "sha256:" + strings.Repeat("0f", 32), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv(PortalTokenPrefix+"STHJJ", c.value)
			toks, err := PortalTokens()
			if !c.wantErr {
				if err != nil || toks["sthjj"] != c.value {
					t.Fatalf("tokens %v, %v", toks, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("accepted: %v", toks)
			}
			for _, w := range []string{"WAYMARK_PORTAL_TOKEN_STHJJ", `"sthjj"`, "openssl rand"} {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}
