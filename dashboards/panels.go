package dashboards

import (
	"fmt"

	"github.com/grafana/grafana-foundation-sdk/go/bargauge"
	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/geomap"
	"github.com/grafana/grafana-foundation-sdk/go/stat"
	"github.com/grafana/grafana-foundation-sdk/go/table"
	"github.com/grafana/grafana-foundation-sdk/go/text"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"
)

// spec is one panel as Waymark describes it; page turns it into the SDK's
// builder of its kind and lays it out.
type spec struct {
	kind        string // stat | table | timeseries | bargauge | geomap | text
	title, desc string
	unit        string
	sql         string
	format      string // table (default) | time_series
	content     string // text panels: markdown
	w, h        uint32
	steps       []dashboard.Threshold
	dashed      bool // draw thresholds as dashed lines (time series)
	links       []link
	dataLinks   []link
	min, max    *float64
	repeat      string
	overrides   []override
	lineSeries  []string // fields drawn as dashed threshold lines
}

type link struct{ title, url string }

type override struct {
	field string
	color string
	unit  string
}

// page lays panels out left to right, wrapping at Grafana's 24 columns.
type page struct {
	b      *dashboard.DashboardBuilder
	x, y   uint32
	rowH   uint32
	panels int
}

func (p *page) add(s spec) {
	if s.w == 0 {
		s.w = 12
	}
	if s.h == 0 {
		s.h = 8
	}
	if p.x+s.w > 24 {
		p.x, p.y, p.rowH = 0, p.y+p.rowH, 0
	}
	pos := dashboard.GridPos{X: p.x, Y: p.y, W: s.w, H: s.h}
	p.x += s.w
	p.rowH = max(p.rowH, s.h)
	p.b.WithPanel(build(s, pos))
	p.panels++
}

func steps(pairs ...any) []dashboard.Threshold {
	var out []dashboard.Threshold
	for i := 0; i+1 < len(pairs); i += 2 {
		var v *float64
		switch n := pairs[i].(type) {
		case float64:
			v = &n
		case int:
			f := float64(n)
			v = &f
		}
		out = append(out, dashboard.Threshold{Value: v, Color: pairs[i+1].(string)})
	}
	return out
}

func thresholds(s []dashboard.Threshold) cog.Builder[dashboard.ThresholdsConfig] {
	if len(s) == 0 {
		s = []dashboard.Threshold{{Color: "blue"}}
	}
	return dashboard.NewThresholdsConfigBuilder().Mode(dashboard.ThresholdsModeAbsolute).Steps(s)
}

func links(ls []link) []cog.Builder[dashboard.DashboardLink] {
	out := make([]cog.Builder[dashboard.DashboardLink], len(ls))
	for i, l := range ls {
		out[i] = dashboard.NewDashboardLinkBuilder(l.title).Type(dashboard.DashboardLinkTypeLink).Url(l.url)
	}
	return out
}

func overrides(os []override) []cog.Builder[dashboard.DashboardFieldConfigSourceOverrides] {
	var out []cog.Builder[dashboard.DashboardFieldConfigSourceOverrides]
	for _, o := range os {
		var props []dashboard.DynamicConfigValue
		if o.color != "" {
			props = append(props, dashboard.DynamicConfigValue{Id: "color", Value: map[string]any{"mode": "fixed", "fixedColor": o.color}})
		}
		if o.unit != "" {
			props = append(props, dashboard.DynamicConfigValue{Id: "unit", Value: o.unit})
		}
		out = append(out, dashboard.NewDashboardFieldConfigSourceOverridesBuilder().
			Matcher(dashboard.MatcherConfig{Id: "byName", Options: o.field}).Properties(props))
	}
	return out
}

func query(s spec) *Query {
	if s.format == "time_series" {
		return TimeSeries("A", s.sql)
	}
	return Table("A", s.sql)
}

func build(s spec, pos dashboard.GridPos) cog.Builder[dashboard.Panel] {
	ds := Datasource()
	switch s.kind {
	case "text":
		return text.NewPanelBuilder().Title(s.title).Description(s.desc).GridPos(pos).
			Mode(text.TextModeMarkdown).Content(s.content).Links(links(s.links))
	case "stat":
		b := stat.NewPanelBuilder().Title(s.title).Description(s.desc).Datasource(ds).WithTarget(query(s)).
			GridPos(pos).Unit(s.unit).Thresholds(thresholds(s.steps)).Links(links(s.links)).
			ColorMode(common.BigValueColorModeBackground).GraphMode(common.BigValueGraphModeNone).
			ReduceOptions(common.NewReduceDataOptionsBuilder().Calcs([]string{"lastNotNull"}).Values(false)).
			Overrides(overrides(s.overrides))
		if len(s.dataLinks) > 0 {
			b = b.DataLinks(links(s.dataLinks))
		}
		return b
	case "bargauge":
		b := bargauge.NewPanelBuilder().Title(s.title).Description(s.desc).Datasource(ds).WithTarget(query(s)).
			GridPos(pos).Unit(s.unit).Thresholds(thresholds(s.steps)).Links(links(s.links)).
			DisplayMode(common.BarGaugeDisplayModeGradient).Orientation(common.VizOrientationHorizontal).
			ReduceOptions(common.NewReduceDataOptionsBuilder().Calcs([]string{"lastNotNull"}).Values(true))
		if s.min != nil {
			b = b.Min(*s.min)
		}
		if s.max != nil {
			b = b.Max(*s.max)
		}
		if len(s.dataLinks) > 0 {
			b = b.DataLinks(links(s.dataLinks))
		}
		return b
	case "table":
		b := table.NewPanelBuilder().Title(s.title).Description(s.desc).Datasource(ds).WithTarget(query(s)).
			GridPos(pos).Thresholds(thresholds(s.steps)).Links(links(s.links)).Overrides(overrides(s.overrides)).
			Footer(common.NewTableFooterOptionsBuilder().Show(false).Reducer([]string{})).
			CellHeight(common.TableCellHeightSm)
		for _, o := range s.overrides {
			if o.color == "" && o.unit == "" {
				// Link-only columns (uids, ids) stay hidden.
				b = b.OverrideByName(o.field, []dashboard.DynamicConfigValue{{Id: "custom.hidden", Value: true}})
			}
		}
		if s.unit != "" {
			b = b.Unit(s.unit)
		}
		if len(s.dataLinks) > 0 {
			b = b.DataLinks(links(s.dataLinks))
		}
		return b
	case "timeseries":
		b := timeseries.NewPanelBuilder().Title(s.title).Description(s.desc).Datasource(ds).WithTarget(query(s)).
			GridPos(pos).Unit(s.unit).Thresholds(thresholds(s.steps)).Links(links(s.links)).
			Overrides(overrides(s.overrides))
		if s.dashed {
			b = b.ThresholdsStyle(common.NewGraphThresholdsStyleConfigBuilder().Mode(common.GraphThresholdsStyleModeDashed))
		}
		for _, f := range s.lineSeries {
			b = b.OverrideByName(f, []dashboard.DynamicConfigValue{
				{Id: "custom.lineStyle", Value: map[string]any{"fill": "dash", "dash": []int{10, 10}}},
				{Id: "custom.lineWidth", Value: 1},
			})
		}
		if s.repeat != "" {
			b = b.Repeat(s.repeat).RepeatDirection(dashboard.PanelRepeatDirectionH).MaxPerRow(2)
		}
		if s.min != nil {
			b = b.Min(*s.min)
		}
		if s.max != nil {
			b = b.Max(*s.max)
		}
		return b
	case "geomap":
		return geomap.NewPanelBuilder().Title(s.title).Description(s.desc).Datasource(ds).WithTarget(query(s)).
			GridPos(pos).Unit(s.unit).Thresholds(thresholds(s.steps)).Links(links(s.links)).
			View(geomap.NewMapViewConfigBuilder().Id("fit")).
			Basemap(common.NewMapLayerOptionsBuilder().Type("default").Name("Basemap")).
			Layers([]cog.Builder[common.MapLayerOptions]{common.NewMapLayerOptionsBuilder().
				Type("markers").Name("隐患点 Sites").
				Location(common.NewFrameGeometrySourceBuilder().Mode(common.FrameGeometrySourceModeCoords).
					Latitude("latitude").Longitude("longitude")).
				Config(map[string]any{
					"showLegend": true,
					"style": map[string]any{
						"color": map[string]any{"field": "warning_rank", "fixed": "dark-green"},
						"size":  map[string]any{"fixed": 6},
						"text":  map[string]any{"field": "site_name_zh", "mode": "field"},
					},
				})}).
			Tooltip(geomap.NewTooltipOptionsBuilder().Mode(geomap.TooltipModeDetails))
	}
	panic(fmt.Sprintf("panel kind %q", s.kind))
}
