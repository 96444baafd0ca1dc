package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/waymark-data/waymark/internal/sqltext"
	"github.com/waymark-data/waymark/pipelines"
)

// signedIn returns the session's department, or nil.
func (s *Server) signedIn(r *http.Request) *department {
	id := s.auth.session(r)
	if id == "" {
		return nil
	}
	d, ok := s.byID[id]
	if !ok {
		return nil
	}
	return &d
}

// period reads ?period=YYYY-MM, defaulting to last month: the month whose
// reports fall due this month.
func (s *Server) period(r *http.Request) time.Time {
	now := s.o.Now().In(s.o.Location)
	if p, err := time.Parse("2006-01", r.URL.Query().Get("period")); err == nil && p.Year() >= 2000 && p.Year() < 2100 {
		return p
	}
	return time.Date(now.Year(), now.Month()-1, 1, 0, 0, 0, 0, time.UTC)
}

var stateZh = map[string]string{"on time": "按时", "late": "逾期", "missing": "缺报（已逾期）", "not yet due": "未到期"}

func (s *Server) portal(w http.ResponseWriter, r *http.Request) {
	tok := csrfToken(w, r)
	d := s.signedIn(r)
	if d == nil {
		s.render(w, http.StatusOK, "login", map[string]any{"Title": "部门报送 Department portal", "Root": "/", "CSRF": tok,
			"Departments": s.depts, "Failed": r.URL.Query().Get("failed")})
		return
	}
	p := s.period(r)
	data := map[string]any{"Title": d.NameZh + " · 部门报送", "Root": "/", "CSRF": tok, "Dept": d, "Period": p.Format("2006-01"),
		"PeriodZh": p.Format("2006年1月"), "MaxMB": s.o.Limits.MaxBytes >> 20}
	var sets []map[string]any
	for _, n := range d.Reports {
		ds := s.o.Datasets[n]
		sets = append(sets, map[string]any{"Name": n, "TitleZh": ds.TitleZh, "TitleEn": ds.TitleEn, "Rule": dueRule(ds)})
	}
	data["Datasets"] = sets
	due, err := s.due(r.Context(), d, p)
	if err != nil {
		s.o.Log.Error("portal: status", "err", err)
	}
	data["Due"] = due
	hist, err := s.history(r.Context(), d)
	if err != nil {
		s.o.Log.Error("portal: history", "err", err)
		data["HistoryError"] = true
	}
	data["History"] = hist
	s.render(w, http.StatusOK, "portal", data)
}

// dueRule says in words when a data set is due.
func dueRule(ds *pipelines.Dataset) string {
	switch {
	case ds.Frequency == "monthly" && ds.DueDay > 0:
		return fmt.Sprintf("每月报送，次月%d日前 · monthly, before the %s of the next month", ds.DueDay, ordinal(ds.DueDay))
	case ds.Frequency == "yearly":
		return "每年报送 · yearly"
	case ds.Frequency == "event":
		return "随时报送（发生即报） · as events happen"
	}
	return ds.Frequency
}

func ordinal(n int) string {
	switch {
	case n%100 >= 11 && n%100 <= 13:
		return fmt.Sprintf("%dth", n)
	case n%10 == 1:
		return fmt.Sprintf("%dst", n)
	case n%10 == 2:
		return fmt.Sprintf("%dnd", n)
	case n%10 == 3:
		return fmt.Sprintf("%drd", n)
	}
	return fmt.Sprintf("%dth", n)
}

// due is the department's lines of the lake status report for the period
// (pipelines.Status, the same report `waymark status` prints).
func (s *Server) due(ctx context.Context, d *department, p time.Time) ([]map[string]string, error) {
	// Only the department's data sets, and the report is kept until one
	// of them gets a new input or the day changes (missing vs not yet due).
	mine := map[string]*pipelines.Dataset{}
	now := s.o.Now().In(s.o.Location)
	sig := p.Format("2006-01") + now.Format("2006-01-02")
	for _, n := range d.Reports {
		mine[n] = s.o.Datasets[n]
		ls, err := s.lakeSignature(n)
		if err != nil {
			return nil, err
		}
		sig += ls
	}
	v, err := s.cached("status/"+d.ID, sig, func() (any, error) {
		return pipelines.Status(ctx, pipelines.StatusInput{Lake: s.o.Lake, Datasets: mine, Refs: s.o.Refs,
			TimeZone: s.o.TimeZone, Period: p, Now: now})
	})
	if err != nil {
		return nil, err
	}
	tables := v.([]sqltext.Table)
	var out []map[string]string
	for _, t := range tables {
		if !strings.HasPrefix(t.Title, "submissions for") {
			continue
		}
		for _, row := range tableMaps(t) {
			if !slices.Contains(d.Names, row["department"]) {
				continue
			}
			ds := s.o.Datasets[row["dataset"]]
			if ds != nil {
				row["title_zh"] = ds.TitleZh
			}
			row["state_zh"] = stateZh[row["state"]]
			out = append(out, row)
		}
	}
	return out, nil
}

func tableMaps(t sqltext.Table) []map[string]string {
	var out []map[string]string
	for _, r := range t.Rows {
		m := map[string]string{}
		for i, c := range t.Columns {
			if i < len(r) {
				m[c] = fmtNum(r[i])
			}
		}
		out = append(out, m)
	}
	return out
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil || !csrfOK(r, r.PostForm.Get(csrfField)) {
		http.Error(w, "表单已失效，请刷新页面后重试 · the form expired: reload the page", http.StatusForbidden)
		return
	}
	dept := r.PostForm.Get("department")
	if r.PostForm.Get("token") == "" {
		// Said plainly: no department signs in without its token.
		http.Redirect(w, r, "/portal/?failed=empty", http.StatusSeeOther)
		return
	}
	if !s.auth.check(dept, r.PostForm.Get("token")) {
		// Slow down guessing a little; the answer does not say which was wrong.
		time.Sleep(300 * time.Millisecond)
		http.Redirect(w, r, "/portal/?failed=1", http.StatusSeeOther)
		return
	}
	s.auth.startSession(w, r, dept)
	s.o.Log.Info("portal: signed in", "department", dept)
	http.Redirect(w, r, "/portal/", http.StatusSeeOther)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil || !csrfOK(r, r.PostForm.Get(csrfField)) {
		http.Error(w, "表单已失效 · the form expired", http.StatusForbidden)
		return
	}
	endSession(w)
	http.Redirect(w, r, "/portal/", http.StatusSeeOther)
}

// requireDept answers 303 to the sign-in page when nobody is signed in.
func (s *Server) requireDept(w http.ResponseWriter, r *http.Request) *department {
	d := s.signedIn(r)
	if d == nil {
		http.Redirect(w, r, "/portal/", http.StatusSeeOther)
	}
	return d
}

// reports returns the data set when d reports it.
func (d *department) dataset(s *Server, name string) *pipelines.Dataset {
	if !slices.Contains(d.Reports, name) {
		return nil
	}
	return s.o.Datasets[name]
}

// template sends the pre-filled workbook, the one `waymark templates` writes.
func (s *Server) template(w http.ResponseWriter, r *http.Request) {
	d := s.requireDept(w, r)
	if d == nil {
		return
	}
	ds := d.dataset(s, r.URL.Query().Get("dataset"))
	if ds == nil {
		http.Error(w, "没有这个数据集，或本单位不报送它 · no such data set for this department", http.StatusNotFound)
		return
	}
	p := s.period(r)
	prev, err := pipelines.PreviousEntities(r.Context(), s.o.Lake, ds, d.NameZh, p)
	if err != nil {
		s.fail(w, "template", err)
		return
	}
	t := pipelines.PlanTemplate(ds, s.o.Refs, d.NameZh, p, s.o.Location, prev)
	tmp, err := s.stagePath(".xlsx")
	if err != nil {
		s.fail(w, "template", err)
		return
	}
	defer os.Remove(tmp)
	if err := pipelines.WriteTemplate(tmp, t, s.o.Refs); err != nil {
		s.fail(w, "template", err)
		return
	}
	name := fmt.Sprintf("%s_%s_%s.xlsx", ds.Name, d.NameZh, p.Format("2006-01"))
	sendFile(w, r, tmp, name, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
}

func sendFile(w http.ResponseWriter, r *http.Request, path, name, ctype string) {
	f, err := os.Open(path)
	if err != nil {
		http.Error(w, "文件不存在 · not found", http.StatusNotFound)
		return
	}
	defer f.Close()
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", "attachment; filename=\"download.xlsx\"; filename*=UTF-8''"+url.PathEscape(name))
	io.Copy(w, f)
}

func (s *Server) fail(w http.ResponseWriter, what string, err error) {
	s.o.Log.Error("portal: "+what, "err", err)
	http.Error(w, "内部错误，请稍后重试 · internal error", http.StatusInternalServerError)
}

// stagePath is a fresh file name in the staging folder: random, with an
// extension from a fixed list. Nothing of a sender's file name is used.
func (s *Server) stagePath(ext string) (string, error) {
	if err := os.MkdirAll(s.o.StagingDir, 0o700); err != nil {
		return "", err
	}
	b := make([]byte, 16)
	rand.Read(b)
	return filepath.Join(s.o.StagingDir, hex.EncodeToString(b)+ext), nil
}

// cleanName keeps a sender's file name as a label only: its last path
// element, without control characters, at most 120 characters. It never
// reaches the file system (the staged copy has a random name).
func cleanName(name string) string {
	name = strings.ReplaceAll(name, "\\", "/")
	if i := strings.LastIndex(name, "/"); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(strings.Trim(name, "."))
	if utf8.RuneCountInString(name) > 120 {
		name = string([]rune(name)[:120])
	}
	if name == "" {
		name = "upload"
	}
	return name
}

// allowedExt are the extensions a staged file may carry: the formats the
// ingest decodes. Anything else is staged as .bin and the runner rejects
// it with its usual reason (unsupported file type), so the sender is told.
var allowedExt = []string{".xlsx", ".xlsm", ".csv", ".txt", ".json", ".ndjson", ".jsonl"}

// errTooLarge is an upload over the ingest's size limit.
var errTooLarge = errors.New("too large")

// upload receives one file and runs it through the data set's ingest, the
// same runner a drop-folder file goes through, then shows the outcome.
func (s *Server) upload(w http.ResponseWriter, r *http.Request) {
	t0 := time.Now()
	d := s.requireDept(w, r)
	if d == nil {
		return
	}
	limit := s.o.Limits.MaxBytes
	if limit <= 0 {
		limit = 64 << 20
	}
	// The form's own fields are small; the file may be up to the limit.
	r.Body = http.MaxBytesReader(w, r.Body, limit+1<<20)
	mr, err := r.MultipartReader()
	if err != nil {
		http.Error(w, "请用报送表单上传文件 · send the file with the upload form", http.StatusBadRequest)
		return
	}
	var dsName, csrf, staged, name string
	defer func() {
		if staged != "" {
			os.Remove(staged)
		}
	}()
	var sum string
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			s.uploadError(w, d, http.StatusBadRequest, "上传中断，请重新上传 · the upload broke off: send it again", "")
			return
		}
		switch part.FormName() {
		case csrfField:
			csrf = readSmall(part)
		case "dataset":
			dsName = readSmall(part)
		case "file":
			// The token and the data set come first in the form: nothing
			// is written before the request is known to be genuine.
			if !csrfOK(r, csrf) {
				http.Error(w, "表单已失效，请刷新页面后重试 · the form expired: reload the page", http.StatusForbidden)
				return
			}
			if d.dataset(s, dsName) == nil {
				http.Error(w, "本单位不报送该数据集 · this department does not report that data set", http.StatusForbidden)
				return
			}
			name = cleanName(part.FileName())
			ext := strings.ToLower(filepath.Ext(name))
			if !slices.Contains(allowedExt, ext) {
				ext = ".bin"
			}
			staged, err = s.stagePath(ext)
			if err != nil {
				s.fail(w, "stage", err)
				return
			}
			sum, err = stage(part, staged, limit)
			if errors.Is(err, errTooLarge) {
				s.uploadError(w, d, http.StatusRequestEntityTooLarge, fmt.Sprintf("文件超过%d MB上限，请按报告期拆分后报送", limit>>20),
					fmt.Sprintf("the file is larger than the %d MB limit: split it by period", limit>>20))
				return
			}
			if err != nil {
				s.uploadError(w, d, http.StatusBadRequest, "上传中断，请重新上传 · the upload broke off: send it again", "")
				return
			}
		}
		part.Close()
	}
	if staged == "" || !csrfOK(r, csrf) {
		http.Error(w, "没有收到文件 · no file received", http.StatusBadRequest)
		return
	}
	ds := d.dataset(s, dsName)
	res, err := s.ingest(r.Context(), d, ds, staged, name, s.o.Now())
	if err != nil {
		s.o.Log.Error("portal: ingest", "department", d.NameZh, "dataset", ds.Name, "file", name, "err", err)
		s.uploadError(w, d, http.StatusServiceUnavailable, "暂时无法接收（数据正在入库），请稍后重试", "the data set is busy: try again in a minute")
		return
	}
	s.o.Log.Info("portal: upload", "department", d.NameZh, "dataset", ds.Name, "file", name, "status", res.Status,
		"accepted", res.RowsAccepted, "rejected", res.RowsRejected, "ms", time.Since(t0).Milliseconds())
	q := url.Values{"dataset": {ds.Name}, "sum": {sum}}
	if res.ItemsDuplicate > 0 {
		q.Set("duplicate", "1")
	}
	http.Redirect(w, r, "/portal/submission?"+q.Encode(), http.StatusSeeOther)
}

func readSmall(p *multipart.Part) string {
	b, _ := io.ReadAll(io.LimitReader(p, 1024))
	return strings.TrimSpace(string(b))
}

// stage copies the file part to path, hashing it on the way (the hash is
// the checksum the lake will know the input by), and stops past limit.
func stage(src io.Reader, path string, limit int64) (string, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), io.LimitReader(src, limit+1))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", err
	}
	if n > limit {
		return "", errTooLarge
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// ingest runs the data set's ingest on the staged file through the
// upload connector: the runner, contract, lineage, quarantine, feedback
// and idempotence of the drop folder. A scheduled ingest of the same data
// set holds its lock for a while: wait for it, up to LockWait.
func (s *Server) ingest(ctx context.Context, d *department, ds *pipelines.Dataset, staged, name string, at time.Time) (pipelines.RunResult, error) {
	mu, _ := s.upMu.LoadOrStore(ds.Name, &sync.Mutex{})
	mu.(*sync.Mutex).Lock()
	defer mu.(*sync.Mutex).Unlock()
	job := pipelines.Job{
		Name: "portal_" + ds.Name, Dataset: ds.Name, Connector: "upload", Department: d.NameZh,
		Settings: map[string]string{"path": staged, "name": name, "source": "portal:" + d.NameZh, "submitted_at": at.UTC().Format(time.RFC3339Nano)},
	}
	runner := &pipelines.Runner{Lake: s.o.Lake, Datasets: s.o.Datasets, Refs: s.o.Refs, Loc: s.o.Location, Limits: s.o.Limits,
		Log: s.o.Log, FeedbackDir: s.o.FeedbackDir, Now: s.o.Now}
	deadline := time.Now().Add(s.o.LockWait)
	for {
		res, err := runner.RunJob(ctx, job)
		if err != nil && strings.Contains(err.Error(), "another ingest of") && time.Now().Before(deadline) {
			select {
			case <-ctx.Done():
				return res, ctx.Err()
			case <-time.After(250 * time.Millisecond):
				continue
			}
		}
		if err == nil && s.o.OnRun != nil {
			s.o.OnRun(res)
		}
		return res, err
	}
}

func (s *Server) uploadError(w http.ResponseWriter, d *department, status int, zh, en string) {
	s.render(w, status, "error", map[string]any{"Title": "上传失败 Upload failed", "Root": "/", "Dept": d, "Zh": zh, "En": en})
}

// submission shows what became of one input the department sent: rows
// accepted, every rejected cell, and the feedback workbook.
func (s *Server) submission(w http.ResponseWriter, r *http.Request) {
	d := s.requireDept(w, r)
	if d == nil {
		return
	}
	q := r.URL.Query()
	ds := d.dataset(s, q.Get("dataset"))
	sum := q.Get("sum")
	if ds == nil || !isHex(sum, 64) {
		http.Error(w, "没有找到这份报送 · no such submission of this department", http.StatusNotFound)
		return
	}
	sub, err := s.submissionOf(r.Context(), d, ds, sum)
	if err != nil {
		s.fail(w, "submission", err)
		return
	}
	if sub == nil {
		// Another department's file, or none: the same answer for both.
		http.Error(w, "没有找到这份报送 · no such submission of this department", http.StatusNotFound)
		return
	}
	s.render(w, http.StatusOK, "submission", map[string]any{"Title": sub.File + " · 报送结果", "Root": "/", "Dept": d,
		"CSRF": csrfToken(w, r), "Sub": sub, "Dataset": ds, "Duplicate": q.Get("duplicate") != ""})
}

func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

// feedback sends one of the department's feedback workbooks, by its bare
// name as listed in the department's own feedback folder.
func (s *Server) feedback(w http.ResponseWriter, r *http.Request) {
	d := s.requireDept(w, r)
	if d == nil {
		return
	}
	want := r.URL.Query().Get("name")
	for _, f := range s.feedbackFiles(d) {
		if f == want {
			sendFile(w, r, filepath.Join(s.feedbackDir(d), f), f, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
			return
		}
	}
	http.NotFound(w, r)
}

// feedbackDir is the department's folder of feedback workbooks, named as
// the runner names it (pipelines' safeName: the canonical name with
// characters no file system takes replaced).
func (s *Server) feedbackDir(d *department) string {
	name := strings.Map(func(r rune) rune {
		switch r {
		case '/', '\\', ':', '*', '?', '"', '<', '>', '|', 0:
			return '_'
		}
		return r
	}, d.NameZh)
	return filepath.Join(s.o.FeedbackDir, name)
}

// feedbackFiles lists the department's workbooks, newest first.
func (s *Server) feedbackFiles(d *department) []string {
	if s.o.FeedbackDir == "" {
		return nil
	}
	entries, err := os.ReadDir(s.feedbackDir(d))
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".xlsx") && !strings.HasPrefix(e.Name(), ".") {
			out = append(out, e.Name())
		}
	}
	slices.Sort(out)
	slices.Reverse(out)
	return out
}
