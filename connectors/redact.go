package connectors

import (
	"net/url"
	"strings"
)

// RedactURL returns the address u without what may carry a secret: the
// user name and password, the query string and the fragment. It is what a
// log line, an error, a manifest or a lake row may show of a source's
// address (tokens travel as ?access_token=…, ?sig=…, user:pass@host).
func RedactURL(u string) string {
	if p, err := url.Parse(u); err == nil && (p.Scheme != "" || p.Host != "") && p.Opaque == "" {
		p.User, p.RawQuery, p.ForceQuery, p.Fragment, p.RawFragment = nil, "", false, "", ""
		return p.String()
	}
	// Not a URL the parser understands (host:port without a scheme): cut
	// the same parts by hand.
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		u = u[:i]
	}
	scheme, rest, ok := strings.Cut(u, "://")
	if !ok {
		scheme, rest = "", u
	}
	if i := strings.LastIndex(rest, "@"); i >= 0 {
		rest = rest[i+1:]
	}
	if scheme != "" {
		return scheme + "://" + rest
	}
	return rest
}
