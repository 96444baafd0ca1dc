package cli

import (
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/waymark-data/waymark/internal/warehouse"
	"github.com/waymark-data/waymark/pipelines"
)

// whereData is the hint every "nothing here yet" error ends with: the
// default paths are relative to the folder that holds data/.
const whereData = "(run waymark from the folder that holds data/, or set WAYMARK_DATA_DIR)"

// needLake refuses to go on when the lake holds no finished input of any
// data set (no data/ in this folder, or nothing ingested yet): an export
// of nothing would pass for data whose figures are all missing.
func (a *app) needLake(ds map[string]*pipelines.Dataset) error {
	l := a.lake()
	for _, n := range slices.Sorted(maps.Keys(ds)) {
		ms, err := l.Manifests(n)
		if err != nil {
			return err
		}
		if len(ms) > 0 {
			return nil
		}
	}
	return fmt.Errorf("no lake at %s (no data set has an ingested input): run `waymark demo` for demo data, or `waymark ingest` for yours %s", l.Root, whereData)
}

// needWarehouse refuses to go on when no warehouse version has been
// built: pages computed from it would show nothing and say no more.
func (a *app) needWarehouse() error {
	s := a.store()
	_, err := s.Current()
	if errors.Is(err, warehouse.ErrNoVersion) {
		return fmt.Errorf("no warehouse at %s (no build has finished): run `waymark build` after `waymark ingest`, or `waymark demo` for demo data %s", s.Dir(), whereData)
	}
	return err
}
