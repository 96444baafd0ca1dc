package analyst

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"

	"github.com/peterh/liner"
	"golang.org/x/sys/unix"
)

// DefaultPager is the pager used when $PAGER is not set: less that quits
// when the result fits the screen (-F), keeps colours (-R) and leaves the
// result on the screen (-X). Empty when less is not installed.
func DefaultPager() string {
	if p := os.Getenv("PAGER"); p != "" {
		return p
	}
	if _, err := exec.LookPath("less"); err == nil {
		return "less -FRX"
	}
	return ""
}

// page runs the pager command with text on its standard input.
func page(pager, text string, out io.Writer) error {
	cmd := exec.Command("sh", "-c", pager)
	cmd.Stdin = strings.NewReader(text)
	cmd.Stdout, cmd.Stderr = out, os.Stderr
	if err := cmd.Run(); err != nil {
		// A pager that cannot start must not swallow the result.
		fmt.Fprintf(os.Stderr, "pager %q: %v\n", pager, err)
		_, err = io.WriteString(out, text)
		return err
	}
	return nil
}

// HistoryPath is where the prompt keeps its history across runs:
// $XDG_STATE_HOME/waymark/history when XDG_STATE_HOME is set, else
// ~/.waymark_history.
func HistoryPath() string {
	if d := os.Getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "waymark", "history")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	return filepath.Join(home, ".waymark_history")
}

// terminalLines is the height of the terminal on standard output.
func terminalLines() int {
	ws, err := unix.IoctlGetWinsize(int(os.Stdout.Fd()), unix.TIOCGWINSZ)
	if err != nil {
		return 0
	}
	return int(ws.Row)
}

// IsTerminal reports whether f is a terminal.
func IsTerminal(f *os.File) bool {
	_, err := unix.IoctlGetTermios(int(f.Fd()), ioctlGetTermios)
	return err == nil
}

// Prompt runs the interactive prompt on the terminal (standard input and
// output) until \q or Ctrl-D. Statements end with ";" and may span lines;
// backslash commands take one line. History is kept in HistoryPath.
func (s *Session) Prompt(ctx context.Context) error {
	line := liner.NewLiner()
	defer line.Close()
	line.SetCtrlCAborts(true)
	line.SetMultiLineMode(true)
	line.SetTabCompletionStyle(liner.TabPrints)
	histFile := HistoryPath()
	if f, err := os.Open(histFile); err == nil {
		line.ReadHistory(f)
		f.Close()
	}
	saveHistory := func() {
		if histFile == "" {
			return
		}
		os.MkdirAll(filepath.Dir(histFile), 0o700)
		tmp := histFile + ".tmp"
		f, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
		if err != nil {
			return
		}
		_, err = line.WriteHistory(f)
		if f.Close() == nil && err == nil {
			os.Rename(tmp, histFile)
		}
	}
	if s.Lines == nil {
		s.Lines = terminalLines
	}
	var pending strings.Builder
	line.SetWordCompleter(func(l string, pos int) (string, []string, string) {
		return s.Complete(ctx, pending.String()+l, l, pos)
	})
	fmt.Fprintf(s.Out, "waymark sql on %s (read-only). \\? for help, \\q to quit.\n", s.Version())
	for {
		p := "waymark> "
		if pending.Len() > 0 {
			p = "      -> "
		}
		in, err := line.Prompt(p)
		if errors.Is(err, liner.ErrPromptAborted) {
			pending.Reset()
			continue
		}
		if errors.Is(err, io.EOF) {
			fmt.Fprintln(s.Out)
			return nil
		}
		if err != nil {
			return err
		}
		if pending.Len() == 0 && strings.HasPrefix(strings.TrimSpace(in), `\`) {
			line.AppendHistory(in)
			saveHistory()
			quit, err := s.Exec(ctx, in)
			if err != nil {
				fmt.Fprintf(s.Out, "error: %v\n", err)
			}
			if quit {
				return nil
			}
			continue
		}
		pending.WriteString(in)
		pending.WriteString("\n")
		stmts, rest := Split(pending.String())
		if len(stmts) == 0 {
			if strings.TrimSpace(rest) == "" {
				pending.Reset()
			}
			continue
		}
		line.AppendHistory(historyEntry(pending.String()))
		saveHistory()
		pending.Reset()
		if strings.TrimSpace(rest) != "" {
			pending.WriteString(rest)
		}
		for _, st := range stmts {
			if err := s.interruptible(ctx, st); err != nil {
				fmt.Fprintf(s.Out, "error: %v\n", err)
				break
			}
		}
	}
}

// interruptible runs a statement that Ctrl-C cancels (the prompt stays).
func (s *Session) interruptible(ctx context.Context, stmt string) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
	defer stop()
	_, err := s.Exec(ctx, stmt)
	if ctx.Err() != nil && err != nil {
		return fmt.Errorf("cancelled")
	}
	return err
}

// historyEntry keeps a multi-line statement as one history line (up
// arrow brings back the whole statement); a line comment would swallow
// the lines after it, so comments are dropped first.
func historyEntry(text string) string {
	var parts []string
	for _, l := range strings.Split(text, "\n") {
		if i := commentStart(l); i >= 0 {
			l = l[:i]
		}
		if t := strings.TrimSpace(l); t != "" {
			parts = append(parts, t)
		}
	}
	return strings.Join(parts, " ")
}

// commentStart finds "--" outside quotes in one line, or -1.
func commentStart(l string) int {
	var quote byte
	for i := 0; i < len(l); i++ {
		c := l[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '-' && i+1 < len(l) && l[i+1] == '-':
			return i
		}
	}
	return -1
}
