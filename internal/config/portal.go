package config

import (
	"os"
	"strings"
)

// PortalTokenPrefix starts the environment variables that hold the
// department portal's sign-in tokens: WAYMARK_PORTAL_TOKEN_GXJ=… is the
// token of the department whose dept_id (seeds/departments.csv) is gxj.
const PortalTokenPrefix = "WAYMARK_PORTAL_TOKEN_"

// PortalTokens returns the department portal's sign-in tokens by
// department id (lower case). Tokens are secrets: they come from the
// environment only, never from waymark.yaml. A value may be the token
// itself or its hash written "sha256:<64 hex digits>", so a deployment
// need not keep the token anywhere in clear; the portal keeps hashes only.
func PortalTokens() map[string]string {
	out := map[string]string{}
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		if id, ok := strings.CutPrefix(k, PortalTokenPrefix); ok && id != "" && v != "" {
			out[strings.ToLower(id)] = v
		}
	}
	return out
}
