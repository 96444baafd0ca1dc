package pipelines

import (
	"fmt"
	"io/fs"
	"sort"
	"strings"

	"github.com/robfig/cron/v3"
)

// Job names a connector, the data set it feeds and when to run it.
type Job struct {
	Name      string            `yaml:"name"`
	Dataset   string            `yaml:"dataset"`
	Connector string            `yaml:"connector"`
	Settings  map[string]string `yaml:"settings"`
	// Department reports through this job; rows that do not name one
	// are attributed to it, and its feedback file collects their errors.
	Department string `yaml:"department"`
	// Schedule is a five-field cron expression in the configured zone.
	Schedule string `yaml:"schedule"`
	// Requires names sources (waymark.yaml `sources:`) the job needs; the
	// job is skipped, with a note, until they are configured.
	Requires []string `yaml:"requires"`
}

// Missing returns the required sources that vars lacks.
func (j Job) Missing(vars map[string]string) []string {
	var out []string
	for _, r := range j.Requires {
		if vars[r] == "" {
			out = append(out, r)
		}
	}
	return out
}

// Expand substitutes {inbox} and {data} in settings with the configured
// directories, so job specs stay portable between machines.
func (j Job) Expand(vars map[string]string) map[string]string {
	out := make(map[string]string, len(j.Settings))
	for k, v := range j.Settings {
		for name, val := range vars {
			v = strings.ReplaceAll(v, "{"+name+"}", val)
		}
		out[k] = v
	}
	return out
}

// LoadJobs reads every jobs/*.yaml in fsys and checks each against the
// known data sets.
func LoadJobs(fsys fs.FS, datasets map[string]*Dataset) ([]Job, error) {
	var jobs []Job
	seen := map[string]bool{}
	err := loadYAML(fsys, "jobs", func(name string, b []byte) error {
		var j Job
		if err := strictUnmarshal(b, &j); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if j.Name == "" || j.Connector == "" {
			return fmt.Errorf("%s: name and connector are required", name)
		}
		if seen[j.Name] {
			return fmt.Errorf("%s: job %s defined twice", name, j.Name)
		}
		seen[j.Name] = true
		if _, ok := datasets[j.Dataset]; !ok {
			return fmt.Errorf("%s: job %s names unknown data set %q", name, j.Name, j.Dataset)
		}
		if j.Schedule != "" {
			if _, err := cron.ParseStandard(j.Schedule); err != nil {
				return fmt.Errorf("%s: job %s schedule %q: %w", name, j.Name, j.Schedule, err)
			}
		}
		jobs = append(jobs, j)
		return nil
	})
	sort.Slice(jobs, func(a, b int) bool { return jobs[a].Name < jobs[b].Name })
	return jobs, err
}
