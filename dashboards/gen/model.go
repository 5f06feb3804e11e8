package main

// The subset of Grafana's dashboard JSON model (schemaVersion 39) that the
// KOS dashboards use. Field order is the output order, so the generated
// files are stable.

const schemaVersion = 39

// dsRef points a panel or query at the dashboard's data source variable, so
// file provisioning needs no ${DS_...} inputs.
type dsRef struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

var promDS = dsRef{Type: "prometheus", UID: "${datasource}"}

type dashboard struct {
	UID           string      `json:"uid"`
	Title         string      `json:"title"`
	Description   string      `json:"description"`
	Tags          []string    `json:"tags"`
	Editable      bool        `json:"editable"`
	GraphTooltip  int         `json:"graphTooltip"`
	Style         string      `json:"style"`
	Timezone      string      `json:"timezone"`
	Refresh       string      `json:"refresh"`
	Time          timeRange   `json:"time"`
	SchemaVersion int         `json:"schemaVersion"`
	Links         []link      `json:"links"`
	Templating    templating  `json:"templating"`
	Annotations   annotations `json:"annotations"`
	Panels        []*panel    `json:"panels"`
}

type timeRange struct {
	From string `json:"from"`
	To   string `json:"to"`
}

type templating struct {
	List []variable `json:"list"`
}

type annotations struct {
	List []any `json:"list"`
}

type variable struct {
	Name       string `json:"name"`
	Label      string `json:"label"`
	Type       string `json:"type"`
	Datasource *dsRef `json:"datasource,omitempty"`
	// Query is the data source type for a datasource variable and
	// {query, refId} for a query variable.
	Query      any            `json:"query"`
	Definition string         `json:"definition,omitempty"`
	Refresh    int            `json:"refresh"`
	IncludeAll bool           `json:"includeAll"`
	Multi      bool           `json:"multi"`
	AllValue   string         `json:"allValue,omitempty"`
	Sort       int            `json:"sort"`
	Hide       int            `json:"hide"`
	Current    map[string]any `json:"current"`
	Options    []any          `json:"options"`
	Regex      string         `json:"regex"`
}

type link struct {
	Title       string   `json:"title"`
	Type        string   `json:"type,omitempty"` // dashboard links: "dashboards" or "link"
	URL         string   `json:"url,omitempty"`
	Tags        []string `json:"tags,omitempty"`
	AsDropdown  bool     `json:"asDropdown,omitempty"`
	TargetBlank bool     `json:"targetBlank,omitempty"`
}

type gridPos struct {
	H int `json:"h"`
	W int `json:"w"`
	X int `json:"x"`
	Y int `json:"y"`
}

type panel struct {
	ID              int              `json:"id"`
	Type            string           `json:"type"`
	Title           string           `json:"title"`
	Description     string           `json:"description,omitempty"`
	GridPos         gridPos          `json:"gridPos"`
	Collapsed       *bool            `json:"collapsed,omitempty"`
	Panels          []*panel         `json:"panels,omitempty"`
	Datasource      *dsRef           `json:"datasource,omitempty"`
	Interval        string           `json:"interval,omitempty"`
	MaxDataPoints   int              `json:"maxDataPoints,omitempty"`
	Targets         []target         `json:"targets,omitempty"`
	FieldConfig     *fieldConfig     `json:"fieldConfig,omitempty"`
	Options         map[string]any   `json:"options,omitempty"`
	Transformations []transformation `json:"transformations,omitempty"`
	Links           []link           `json:"links,omitempty"`
}

type target struct {
	RefID        string `json:"refId"`
	Datasource   dsRef  `json:"datasource"`
	Expr         string `json:"expr"`
	LegendFormat string `json:"legendFormat,omitempty"`
	Instant      bool   `json:"instant"`
	Range        bool   `json:"range"`
	Format       string `json:"format,omitempty"`
	Interval     string `json:"interval,omitempty"`
}

type fieldConfig struct {
	Defaults  fieldDefaults `json:"defaults"`
	Overrides []override    `json:"overrides"`
}

type fieldDefaults struct {
	Unit       string         `json:"unit"`
	Decimals   *int           `json:"decimals,omitempty"`
	Min        *float64       `json:"min,omitempty"`
	Max        *float64       `json:"max,omitempty"`
	Color      map[string]any `json:"color,omitempty"`
	Thresholds *thresholds    `json:"thresholds,omitempty"`
	Mappings   []mapping      `json:"mappings,omitempty"`
	Links      []link         `json:"links,omitempty"`
	Custom     map[string]any `json:"custom,omitempty"`
}

type thresholds struct {
	Mode  string `json:"mode"`
	Steps []step `json:"steps"`
}

// step is one threshold step; the first step's Value is null (-Inf).
type step struct {
	Color string   `json:"color"`
	Value *float64 `json:"value"`
}

// mapping is a Grafana value mapping of type "value": raw value → text, colour.
type mapping struct {
	Type    string                  `json:"type"`
	Options map[string]mappingValue `json:"options"`
}

type mappingValue struct {
	Text  string `json:"text"`
	Color string `json:"color,omitempty"`
	Index int    `json:"index"`
}

type override struct {
	Matcher    matcher    `json:"matcher"`
	Properties []property `json:"properties"`
}

type matcher struct {
	ID      string `json:"id"`
	Options string `json:"options"`
}

type property struct {
	ID    string `json:"id"`
	Value any    `json:"value"`
}

type transformation struct {
	ID      string         `json:"id"`
	Options map[string]any `json:"options"`
}
