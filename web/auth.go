package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"io/fs"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/waymark-data/waymark/internal/config"
	"github.com/waymark-data/waymark/pipelines"
)

// department is one that reports through the portal.
type department struct {
	ID      string // dept_id of seeds/departments.csv
	NameZh  string
	NameEn  string
	Names   []string // the canonical name and every alias
	Reports []string // data sets it reports, sorted
}

// loadDepartments lists the departments some contract names as a reporter,
// with their aliases, from seeds/departments.csv.
func loadDepartments(seeds fs.FS, datasets map[string]*pipelines.Dataset, refs pipelines.Refs) ([]department, error) {
	f, err := seeds.Open("departments.csv")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil || len(recs) == 0 {
		return nil, fmt.Errorf("seeds/departments.csv: %v", err)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[strings.TrimPrefix(h, "\ufeff")] = i
	}
	reports := map[string][]string{}
	for _, n := range slices.Sorted(maps.Keys(datasets)) {
		for _, d := range datasets[n].Departments {
			c := refs.Canonical(d)
			if !slices.Contains(reports[c], n) {
				reports[c] = append(reports[c], n)
			}
		}
	}
	var out []department
	for _, r := range recs[1:] {
		d := department{ID: r[col["dept_id"]], NameZh: r[col["name_zh"]], NameEn: r[col["name_en"]]}
		if len(reports[d.NameZh]) == 0 {
			continue
		}
		d.Names = []string{d.NameZh}
		for _, a := range strings.Split(r[col["aliases_zh"]], "、") {
			if a = strings.TrimSpace(a); a != "" {
				d.Names = append(d.Names, a)
			}
		}
		d.Reports = reports[d.NameZh]
		out = append(out, d)
	}
	return out, nil
}

// auth signs departments in with their tokens and guards forms against
// cross-site requests. Tokens are kept as SHA-256 hashes only; sessions
// are signed cookies with a key made at start, so a restart signs
// everybody out (acceptable for a county's portal, and no session store).
type auth struct {
	hashes map[string][]byte // dept_id -> sha256(token)
	key    []byte
	ttl    time.Duration
}

const (
	sessionCookie = "waymark_session"
	csrfCookie    = "waymark_csrf"
	csrfField     = "csrf"
)

func newAuth(tokens map[string]string, known map[string]department) (*auth, error) {
	a := &auth{hashes: map[string][]byte{}, key: make([]byte, 32), ttl: 12 * time.Hour}
	if _, err := rand.Read(a.key); err != nil {
		return nil, err
	}
	for id, tok := range tokens {
		id = strings.ToLower(id)
		if _, ok := known[id]; !ok {
			ids := slices.Sorted(maps.Keys(known))
			return nil, fmt.Errorf("portal token for %q: no reporting department has that dept_id (known: %s)", id, strings.Join(ids, ", "))
		}
		var h []byte
		if hx, ok := strings.CutPrefix(tok, "sha256:"); ok {
			b, err := hex.DecodeString(hx)
			if err != nil || len(b) != sha256.Size {
				return nil, fmt.Errorf("portal token for %q: sha256: wants 64 hex digits", id)
			}
			h = b
		} else {
			sum := sha256.Sum256([]byte(tok))
			h = sum[:]
		}
		// The hash of an empty token is what hashing an unset $TOKEN
		// gives; kept, it would let anybody sign in as id with no token.
		if emptyHash := sha256.Sum256(nil); subtle.ConstantTimeCompare(h, emptyHash[:]) == 1 {
			env := config.PortalTokenPrefix + strings.ToUpper(id)
			return nil, fmt.Errorf("portal token for %q is empty (or the SHA-256 of an empty string): anyone could sign in as that department; "+
				"set %s to a token, e.g. %s=\"$(openssl rand -hex 16)\", or to the sha256: of one", id, env, env)
		}
		a.hashes[id] = h
	}
	return a, nil
}

// check reports whether token is dept's; it takes the same time whether
// the department has a token or not. An empty token is never anybody's.
func (a *auth) check(dept, token string) bool {
	if token == "" {
		return false
	}
	sum := sha256.Sum256([]byte(token))
	want, ok := a.hashes[dept]
	if !ok {
		want = make([]byte, sha256.Size)
	}
	return subtle.ConstantTimeCompare(sum[:], want) == 1 && ok
}

func (a *auth) sign(msg string) string {
	m := hmac.New(sha256.New, a.key)
	m.Write([]byte(msg))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// session returns the signed-in department, or "".
func (a *auth) session(r *http.Request) string {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return ""
	}
	v, err := url.QueryUnescape(c.Value)
	if err != nil {
		return ""
	}
	parts := strings.Split(v, "|")
	if len(parts) != 3 {
		return ""
	}
	if !hmac.Equal([]byte(a.sign(parts[0]+"|"+parts[1])), []byte(parts[2])) {
		return ""
	}
	exp, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil || time.Now().Unix() > exp {
		return ""
	}
	if _, ok := a.hashes[parts[0]]; !ok {
		return ""
	}
	return parts[0]
}

func (a *auth) startSession(w http.ResponseWriter, r *http.Request, dept string) {
	exp := strconv.FormatInt(time.Now().Add(a.ttl).Unix(), 10)
	msg := dept + "|" + exp
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: url.QueryEscape(msg + "|" + a.sign(msg)), Path: "/",
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil, MaxAge: int(a.ttl.Seconds())})
}

func endSession(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode})
}

// csrfToken returns the visitor's form token, setting its cookie on first
// visit. Every form carries it in a hidden field and every POST must send
// the same value in the field and the cookie (a cross-site page can make
// the browser send the cookie but cannot read it to fill in the field),
// the cookies are SameSite=Strict, and a POST whose Origin is another
// site is refused outright.
func csrfToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) == 64 {
		return c.Value
	}
	b := make([]byte, 32)
	rand.Read(b)
	tok := hex.EncodeToString(b)
	http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: tok, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	r.AddCookie(&http.Cookie{Name: csrfCookie, Value: tok})
	return tok
}

// csrfOK checks a POST's form token against its cookie, and its origin.
func csrfOK(r *http.Request, field string) bool {
	if o := r.Header.Get("Origin"); o != "" && o != "null" {
		u, err := url.Parse(o)
		if err != nil || u.Host != r.Host {
			return false
		}
	}
	c, err := r.Cookie(csrfCookie)
	if err != nil || len(c.Value) != 64 || len(field) != 64 {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(c.Value), []byte(field)) == 1
}
