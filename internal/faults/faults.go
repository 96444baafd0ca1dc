//go:build faults

// Package faults lets tests crash a real waymark process at a named point,
// so crash safety is proven on the binary users run rather than on mocks.
//
// WAYMARK_FAULTS holds comma-separated entries. "point:N": the Nth time the
// process reaches Point(point) it kills itself with SIGKILL, exactly as a
// power cut or an OOM kill would, leaving no chance to clean up.
// "point:delay=50ms": every time it reaches the point it sleeps, so a test
// can interrupt slow work at a moment of its choosing.
//
// Faults exist only in test builds (go build -tags faults); in the binary
// users run, Point is an empty function and nothing reads WAYMARK_FAULTS.
package faults

import (
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

var (
	once    sync.Once
	mu      sync.Mutex
	armed   map[string]int
	delays  map[string]time.Duration
	reached map[string]int
)

func load() {
	armed = map[string]int{}
	delays = map[string]time.Duration{}
	reached = map[string]int{}
	for _, part := range strings.Split(os.Getenv("WAYMARK_FAULTS"), ",") {
		name, n, ok := strings.Cut(strings.TrimSpace(part), ":")
		if !ok {
			continue
		}
		if d, ok := strings.CutPrefix(n, "delay="); ok {
			if v, err := time.ParseDuration(d); err == nil {
				delays[name] = v
			}
			continue
		}
		if v, err := strconv.Atoi(n); err == nil && v > 0 {
			armed[name] = v
		}
	}
}

// Point marks a place where a crash must be survivable. It costs one map
// lookup when no fault is armed.
func Point(name string) {
	once.Do(load)
	if len(armed) == 0 && len(delays) == 0 {
		return
	}
	if d := delays[name]; d > 0 {
		time.Sleep(d)
	}
	mu.Lock()
	reached[name]++
	hit := armed[name] != 0 && reached[name] == armed[name]
	mu.Unlock()
	if hit {
		_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {} // never returns: the signal is on its way
	}
}
