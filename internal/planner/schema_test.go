package planner

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tranchehq/tranche/providers"
)

var update = flag.Bool("update", false, "rewrite docs/plan-schema.json")

const schemaPath = "../../docs/plan-schema.json"

// schemaOf builds a JSON Schema for a Go type from its JSON tags.
func schemaOf(t reflect.Type) map[string]any {
	switch {
	case t == reflect.TypeOf(time.Time{}):
		return map[string]any{"type": "string", "format": "date-time"}
	case t == reflect.TypeOf(Duration(0)):
		return map[string]any{"type": "string", "description": "a duration: 30d, 2w or a Go duration such as 720h"}
	}
	switch t.Kind() {
	case reflect.Pointer:
		s := schemaOf(t.Elem())
		if ty, ok := s["type"].(string); ok {
			s["type"] = []string{ty, "null"}
		}
		return s
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int64:
		return map[string]any{"type": "integer"}
	case reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice:
		return map[string]any{"type": "array", "items": schemaOf(t.Elem())}
	case reflect.Struct:
		props := map[string]any{}
		var required []string
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			tag := f.Tag.Get("json")
			name, opts, _ := strings.Cut(tag, ",")
			if name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			props[name] = schemaOf(f.Type)
			if !strings.Contains(opts, "omitempty") {
				required = append(required, name)
			}
		}
		sort.Strings(required)
		return map[string]any{"type": "object", "properties": props, "required": required, "additionalProperties": false}
	}
	panic("schemaOf: unsupported type " + t.String())
}

// TestPlanSchema keeps docs/plan-schema.json in step with the Plan type,
// and checks a real plan against it: every key is in the schema, every
// required key is present, every value has its type.
func TestPlanSchema(t *testing.T) {
	s := schemaOf(reflect.TypeOf(Plan{}))
	s["$schema"] = "https://json-schema.org/draft/2020-12/schema"
	s["$id"] = "https://tranche.dev/schemas/" + PlanSchema + ".json"
	s["title"] = "Tranche purchase plan (" + PlanSchema + ")"
	s["description"] = "The output of tranche plan --output json. Field meanings: docs/plan.md. Money in the plan's Currency; percentages 0-100; monthly figures use 730-hour months."
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(s); err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(schemaPath, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(schemaPath)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/planner -run TestPlanSchema -update)", err)
	}
	if !bytes.Equal(want, buf.Bytes()) {
		t.Fatalf("%s is out of date with the Plan type: run go test ./internal/planner -run TestPlanSchema -update", schemaPath)
	}
	book := loadBook(t)
	start := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	owned := []providers.Commitment{{ID: "ri", Provider: providers.AWS, Kind: providers.KindRIStandard, Quantity: 4, Scope: m5,
		Start: start, End: start.AddDate(0, 3, 0)}}
	p, err := MakePlan(context.Background(), Input{Book: book, History: m5History(start, 40), Owned: owned}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := WriteJSON(&out, p); err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	var schema map[string]any
	if err := json.Unmarshal(want, &schema); err != nil {
		t.Fatal(err)
	}
	checkSchema(t, "$", schema, doc)
}

func checkSchema(t *testing.T, path string, s map[string]any, v any) {
	t.Helper()
	types := map[string]bool{}
	switch ty := s["type"].(type) {
	case string:
		types[ty] = true
	case []any:
		for _, x := range ty {
			types[x.(string)] = true
		}
	}
	switch x := v.(type) {
	case nil:
		if !types["null"] {
			t.Errorf("%s: null where the schema wants %v", path, s["type"])
		}
	case bool:
		if !types["boolean"] {
			t.Errorf("%s: boolean where the schema wants %v", path, s["type"])
		}
	case string:
		if !types["string"] {
			t.Errorf("%s: string where the schema wants %v", path, s["type"])
		}
	case float64:
		if !types["number"] && !(types["integer"] && x == float64(int64(x))) {
			t.Errorf("%s: number %v where the schema wants %v", path, x, s["type"])
		}
	case []any:
		if !types["array"] {
			t.Errorf("%s: array where the schema wants %v", path, s["type"])
			return
		}
		for i, e := range x {
			checkSchema(t, path+"["+strconv.Itoa(i)+"]", s["items"].(map[string]any), e)
		}
	case map[string]any:
		if !types["object"] {
			t.Errorf("%s: object where the schema wants %v", path, s["type"])
			return
		}
		props := s["properties"].(map[string]any)
		for k, e := range x {
			ps, ok := props[k]
			if !ok {
				t.Errorf("%s.%s: not in the schema", path, k)
				continue
			}
			checkSchema(t, path+"."+k, ps.(map[string]any), e)
		}
		if req, ok := s["required"].([]any); ok {
			for _, r := range req {
				if _, ok := x[r.(string)]; !ok {
					t.Errorf("%s: required %s missing", path, r)
				}
			}
		}
	}
}
