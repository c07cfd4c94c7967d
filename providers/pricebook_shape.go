package providers

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"
)

// The price book loader checks the shape of the JSON (known fields, JSON
// types, parseable times) before decoding it, so that every problem is
// reported with its path ("offerings[3].covers[0].pool.unit"): the standard
// decoder names neither the index of a bad element nor the place of an
// unknown field.

var priceBookShape = reflect.TypeFor[PriceBook]()

var timeType = reflect.TypeFor[time.Time]()

// checkShape walks v, decoded with UseNumber, against type t.
func checkShape(v any, t reflect.Type, path string, bad func(path string, err error)) {
	at := func(p string) string {
		if p == "" {
			return "(top level)"
		}
		return p
	}
	if t == timeType {
		s, ok := v.(string)
		if !ok {
			bad(at(path), fmt.Errorf("want an RFC 3339 time string, have %s", jsonKind(v)))
			return
		}
		if _, err := time.Parse(time.RFC3339, s); err != nil {
			bad(at(path), fmt.Errorf("%q is not an RFC 3339 time", s))
		}
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			bad(at(path), fmt.Errorf("want an object, have %s", jsonKind(v)))
			return
		}
		fields := jsonFields(t)
		for _, key := range sortedKeys(obj) {
			ft, known := fields[key]
			p := key
			if path != "" {
				p = path + "." + key
			}
			if !known {
				bad(p, fmt.Errorf("unknown field"))
				continue
			}
			checkShape(obj[key], ft, p, bad)
		}
	case reflect.Slice:
		if v == nil {
			return
		}
		arr, ok := v.([]any)
		if !ok {
			bad(at(path), fmt.Errorf("want an array, have %s", jsonKind(v)))
			return
		}
		for i, e := range arr {
			checkShape(e, t.Elem(), fmt.Sprintf("%s[%d]", path, i), bad)
		}
	case reflect.String:
		if _, ok := v.(string); !ok {
			bad(at(path), fmt.Errorf("want a string, have %s", jsonKind(v)))
		}
	case reflect.Float64:
		n, ok := v.(json.Number)
		if !ok {
			bad(at(path), fmt.Errorf("want a number, have %s", jsonKind(v)))
			return
		}
		if _, err := n.Float64(); err != nil {
			bad(at(path), fmt.Errorf("number %s is out of range", n))
		}
	default:
		bad(at(path), fmt.Errorf("internal error: no shape rule for %s", t))
	}
}

func jsonFields(t reflect.Type) map[string]reflect.Type {
	m := make(map[string]reflect.Type, t.NumField())
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		m[name] = f.Type
	}
	return m
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys) // deterministic error order
	return keys
}
