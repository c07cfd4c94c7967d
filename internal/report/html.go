package report

import (
	_ "embed"
	"html/template"
	"io"
	"strings"
)

//go:embed report.html.tmpl
var htmlTemplate string

var tmpl = template.Must(template.New("report").Funcs(template.FuncMap{
	"pct":    pct,
	"amount": amount,
	"day":    day,
	"title":  func(d string) string { return dimensionTitle[d] },
	"notice": noticeLine,
	"groups": func(r *Report, dim string) []Group {
		var out []Group
		for _, g := range r.Groups {
			if g.Dimension == dim {
				out = append(out, g)
			}
		}
		return out
	},
}).Parse(htmlTemplate))

// WriteHTML writes the report as one self-contained HTML page: inline CSS,
// charts as inline SVG, no script and no external resource.
func WriteHTML(w io.Writer, r *Report) error {
	daily, err := chartDaily(r)
	if err != nil {
		return err
	}
	monthly, err := chartMonthly(r)
	if err != nil {
		return err
	}
	exp, err := chartExpiries(r)
	if err != nil {
		return err
	}
	// The SVGs are generated here, from numbers and our own labels; strip
	// the XML prolog so they can be inlined.
	inline := func(s string) template.HTML {
		if i := strings.Index(s, "<svg"); i >= 0 {
			s = s[i:]
		}
		return template.HTML(s)
	}
	return tmpl.Execute(w, map[string]any{
		"R": r, "Dims": Dimensions,
		"Daily": inline(daily), "Monthly": inline(monthly), "Expiries": inline(exp),
	})
}
