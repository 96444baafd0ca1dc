package lake

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

func dirFlags(t *testing.T, dir string) (uint32, error) {
	t.Helper()
	f, err := os.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return unix.IoctlGetUint32(int(f.Fd()), unix.FS_IOC_GETFLAGS)
}

// The directories the lake creates are marked as tops of hierarchies
// (chattr +T), so that ext4 spreads the directories made in them; an
// existing directory is left as it is. Where the file system takes no such
// flag (tmpfs), there is nothing to check.
func TestNewDirectoriesSpreadTheirChildren(t *testing.T) {
	base := t.TempDir()
	probe := filepath.Join(base, "probe")
	os.Mkdir(probe, 0o755)
	// Whether the file system takes the flag, asked directly.
	if f, err := os.Open(probe); err == nil {
		fl, _ := unix.IoctlGetUint32(int(f.Fd()), unix.FS_IOC_GETFLAGS)
		unix.IoctlSetPointerInt(int(f.Fd()), unix.FS_IOC_SETFLAGS, int(fl|fsTopdirFL))
		f.Close()
	}
	if fl, err := dirFlags(t, probe); err != nil || fl&fsTopdirFL == 0 {
		t.Logf("the file system under %s keeps no top-directory flag (%v): nothing to check", base, err)
		return
	}
	if err := MkdirAll(filepath.Join(base, "lake", "_manifest", "sensor_readings")); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"lake", "lake/_manifest", "lake/_manifest/sensor_readings"} {
		if fl, err := dirFlags(t, filepath.Join(base, d)); err != nil || fl&fsTopdirFL == 0 {
			t.Errorf("%s: flags %#x (%v), want the top-directory flag", d, fl, err)
		}
	}
	if fl, _ := dirFlags(t, base); fl&fsTopdirFL != 0 {
		t.Errorf("%s existed before and was marked too", base)
	}
}
