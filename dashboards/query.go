// Package dashboards generates the Grafana dashboards leaders watch, with
// the provisioning files that let a stock Grafana (no plugins) load them.
// Panels query the serving tables Waymark publishes to PostgreSQL through
// Grafana's built-in PostgreSQL data source.
package dashboards

import (
	"errors"

	"github.com/waymark-data/waymark/internal/sqltext"

	"github.com/grafana/grafana-foundation-sdk/go/cog/variants"
	"github.com/grafana/grafana-foundation-sdk/go/common"
)

// DatasourceType is the plugin id of Grafana's built-in PostgreSQL source.
const DatasourceType = "grafana-postgresql-datasource"

// DatasourceUID is the uid the provisioning file gives Waymark's source, so
// dashboards and data source agree without manual wiring.
const DatasourceUID = "waymark-pg"

// Datasource is the reference every panel and query carries.
func Datasource() common.DataSourceRef {
	t, u := DatasourceType, DatasourceUID
	return common.DataSourceRef{Type: &t, Uid: &u}
}

// SQLQuery is a PostgreSQL panel query. The foundation SDK has no type for
// this data source, so Waymark defines the fields Grafana reads.
type SQLQuery struct {
	RefID      string                `json:"refId"`
	Datasource *common.DataSourceRef `json:"datasource,omitempty"`
	RawSQL     string                `json:"rawSql"`
	Format     string                `json:"format"`
	RawQuery   bool                  `json:"rawQuery"`
	EditorMode string                `json:"editorMode"`
}

// ImplementsDataqueryVariant marks SQLQuery as a panel query.
func (SQLQuery) ImplementsDataqueryVariant() {}

// DataqueryType names the data source the query is for.
func (SQLQuery) DataqueryType() string { return DatasourceType }

// Equals compares two queries.
func (q SQLQuery) Equals(other variants.Dataquery) bool {
	o, ok := other.(SQLQuery)
	return ok && o.RefID == q.RefID && o.RawSQL == q.RawSQL && o.Format == q.Format
}

// Validate rejects an empty query.
func (q SQLQuery) Validate() error {
	if q.RawSQL == "" {
		return errors.New("sql query: rawSql is empty")
	}
	if q.Format != "table" && q.Format != "time_series" {
		return errors.New("sql query: format must be table or time_series")
	}
	return nil
}

// Query is a builder for SQLQuery, usable wherever the SDK takes a
// cog.Builder[variants.Dataquery].
type Query struct{ q SQLQuery }

// Table is a query whose result Grafana shows as rows.
func Table(refID, sql string) *Query { return newQuery(refID, sql, "table") }

// TimeSeries is a query with a "time" column Grafana plots.
func TimeSeries(refID, sql string) *Query { return newQuery(refID, sql, "time_series") }

func newQuery(refID, sql, format string) *Query {
	ds := Datasource()
	return &Query{SQLQuery{RefID: refID, Datasource: &ds, RawSQL: sql, Format: format, RawQuery: true, EditorMode: "code"}}
}

// Build returns the query.
func (b *Query) Build() (variants.Dataquery, error) {
	if err := b.q.Validate(); err != nil {
		return nil, err
	}
	return b.q, nil
}

// ServingTable is a serving table as panel SQL names it: schema and table
// quoted as identifiers, exactly as publish creates them, so a schema
// such as "Waymark" or "county-2024" means the same in both (unquoted,
// PostgreSQL would fold the one to lower case and reject the other).
func ServingTable(schema, table string) string {
	return sqltext.Ident(schema) + "." + sqltext.Ident(table)
}
