package config

import (
	"fmt"
	"os"
	"slices"
	"strings"
)

// PortalTokenPrefix starts the environment variables that hold the
// department portal's sign-in tokens: WAYMARK_PORTAL_TOKEN_GXJ=… is the
// token of the department whose dept_id (seeds/departments.csv) is gxj.
const PortalTokenPrefix = "WAYMARK_PORTAL_TOKEN_"

// blankTokenHashes are the SHA-256 of an empty token and of a lone
// newline: what `printf %s "$TOKEN" | sha256sum` and `echo "$TOKEN" |
// sha256sum` print when $TOKEN is unset. A deployment configured with one
// of them lets anybody sign in with no token at all.
var blankTokenHashes = []string{
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", // ""
	"01ba4719c80b6fe911b091a7c05124b64eeece964e09c058ef8f9805daca546b", // "\n"
}

// PortalTokens returns the department portal's sign-in tokens by
// department id (lower case). Tokens are secrets: they come from the
// environment only, never from waymark.yaml. A value may be the token
// itself or its hash written "sha256:<64 hex digits>", so a deployment
// need not keep the token anywhere in clear; the portal keeps hashes only.
// A hash of an empty token is refused with an error naming the variable
// and the department, since it would let anyone sign in.
func PortalTokens() (map[string]string, error) {
	out := map[string]string{}
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		id, ok := strings.CutPrefix(k, PortalTokenPrefix)
		if !ok || id == "" || v == "" {
			continue
		}
		if h, ok := strings.CutPrefix(v, "sha256:"); ok && slices.Contains(blankTokenHashes, strings.ToLower(h)) {
			return nil, fmt.Errorf("%s holds the SHA-256 of an empty token, so anyone could sign in to the portal as department %q with no token "+
				"(was $TOKEN unset when it was hashed?): set a token and hash that, "+
				`e.g. TOKEN="$(openssl rand -hex 16)"; export %s="sha256:$(printf %%s "$TOKEN" | sha256sum | cut -d' ' -f1)", or unset %s`,
				k, strings.ToLower(id), k, k)
		}
		out[strings.ToLower(id)] = v
	}
	return out, nil
}
