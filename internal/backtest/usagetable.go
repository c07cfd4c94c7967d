package backtest

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/tranchehq/tranche/providers"
)

// UsageTableError is a usage table that breaks a rule: the file, the row
// (the line number; the header is row 1; 0 for the file as a whole), the
// column, and why.
type UsageTableError struct {
	File   string
	Row    int
	Column string
	Err    error
}

func (e *UsageTableError) Error() string {
	var b strings.Builder
	b.WriteString("backtest: usage table ")
	b.WriteString(e.File)
	if e.Row > 0 {
		fmt.Fprintf(&b, ": row %d", e.Row)
	}
	if e.Column != "" {
		fmt.Fprintf(&b, ", column %s", e.Column)
	}
	b.WriteString(": ")
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *UsageTableError) Unwrap() error { return e.Err }

// The columns of a usage table (docs/backtest.md). A pool is named either
// by one "pool" column holding providers.PoolKey.String()
// ("aws/-/-/us-east-1/AmazonEC2/m5/Linux/-/NU-hour") or by the columns of
// poolColumns; not both.
const (
	colTime     = "time"
	colQuantity = "quantity"
	colPool     = "pool"
)

var poolColumns = []string{"provider", "billing_scope", "account", "region", "service", "family", "platform", "tenancy", "unit"}

// requiredPoolColumns must be present when the pool is given by columns.
var requiredPoolColumns = []string{"provider", "region", "service", "family", "unit"}

// maxTableHours bounds the span of a usage table (ten years of hours), so
// that a typo in one timestamp cannot allocate gigabytes.
const maxTableHours = 10 * 366 * 24

// ReadUsageTable reads a plain hourly usage table: CSV with a header row
// naming the columns time (RFC 3339, or "YYYY-MM-DD HH:MM:SS" in UTC, on
// the hour), quantity (a finite number ≥ 0, in the pool's unit) and the
// pool (column pool, or columns provider, billing_scope, account, region,
// service, family, platform, tenancy, unit, of which provider, region,
// service, family and unit are required; "-" or nothing for an empty
// field). Column names are
// case-insensitive, in any order; any other column is an error, as is a
// second row for the same pool and hour. Hours a pool has no row for are
// zero. Every series returned starts at the table's first hour and ends at
// its last, sorted by pool. name is the file name used in errors, which
// are *UsageTableError.
func ReadUsageTable(r io.Reader, name string) ([]providers.UsageSeries, error) {
	fail := func(row int, col string, format string, args ...any) error {
		return &UsageTableError{File: name, Row: row, Column: col, Err: fmt.Errorf(format, args...)}
	}
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	hdr, err := cr.Read()
	if err == io.EOF {
		return nil, fail(0, "", "empty file: want a header row (time,pool,quantity or time,provider,region,service,family,unit,quantity)")
	}
	if err != nil {
		return nil, csvError(name, err)
	}
	idx := map[string]int{}
	for i, h := range hdr {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		known := h == colTime || h == colQuantity || h == colPool
		for _, c := range poolColumns {
			known = known || h == c
		}
		if !known {
			return nil, fail(1, hdr[i], "unknown column (want time, quantity and pool, or the pool columns %s)", strings.Join(poolColumns, ", "))
		}
		if _, dup := idx[h]; dup {
			return nil, fail(1, hdr[i], "column appears twice")
		}
		idx[h] = i
	}
	for _, c := range []string{colTime, colQuantity} {
		if _, ok := idx[c]; !ok {
			return nil, fail(1, c, "missing column")
		}
	}
	_, byKey := idx[colPool]
	byColumns := false
	for _, c := range poolColumns {
		if _, ok := idx[c]; ok {
			byColumns = true
		}
	}
	switch {
	case byKey && byColumns:
		return nil, fail(1, colPool, "give the pool either as one pool column or as the columns %s, not both", strings.Join(poolColumns, ", "))
	case !byKey && !byColumns:
		return nil, fail(1, colPool, "missing column: name the pool with a pool column or the columns %s", strings.Join(requiredPoolColumns, ", "))
	case byColumns:
		for _, c := range requiredPoolColumns {
			if _, ok := idx[c]; !ok {
				return nil, fail(1, c, "missing column (the pool columns %s are required)", strings.Join(requiredPoolColumns, ", "))
			}
		}
	}

	type point struct {
		hour int64
		qty  float64
		row  int
	}
	series := map[providers.PoolKey][]point{}
	seen := map[providers.PoolKey]map[int64]int{}
	lo, hi := int64(math.MaxInt64), int64(math.MinInt64)
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, csvError(name, err)
		}
		line, _ := cr.FieldPos(0)
		field := func(c string) string {
			if i, ok := idx[c]; ok {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		t, err := parseHour(field(colTime))
		if err != nil {
			return nil, fail(line, colTime, "%v", err)
		}
		q, err := strconv.ParseFloat(field(colQuantity), 64)
		if err != nil || math.IsNaN(q) || math.IsInf(q, 0) || q < 0 {
			return nil, fail(line, colQuantity, "%q is not a finite number ≥ 0", field(colQuantity))
		}
		var pool providers.PoolKey
		if byKey {
			if pool, err = ParsePoolKey(field(colPool)); err != nil {
				return nil, fail(line, colPool, "%v", err)
			}
		} else {
			if pool, err = poolFromColumns(field); err != nil {
				var ce *columnError
				if errors.As(err, &ce) {
					return nil, fail(line, ce.column, "%v", ce.err)
				}
				return nil, fail(line, "", "%v", err)
			}
		}
		h := t.Unix() / 3600
		if seen[pool] == nil {
			seen[pool] = map[int64]int{}
		}
		if prev, dup := seen[pool][h]; dup {
			return nil, fail(line, colTime, "pool %s has a second row for %s (the first is row %d): give one row per pool and hour", pool, t.Format(time.RFC3339), prev)
		}
		seen[pool][h] = line
		lo, hi = min(lo, h), max(hi, h)
		if hi-lo >= maxTableHours {
			return nil, fail(line, colTime, "the table would span more than %d hours (ten years); is the date right?", maxTableHours)
		}
		series[pool] = append(series[pool], point{h, q, line})
	}
	if len(series) == 0 {
		return nil, fail(0, "", "no usage rows after the header")
	}
	start := time.Unix(lo*3600, 0).UTC()
	n := int(hi - lo + 1)
	out := make([]providers.UsageSeries, 0, len(series))
	for pool, pts := range series {
		s := providers.UsageSeries{Pool: pool, Start: start, Quantity: make([]float64, n)}
		for _, p := range pts {
			s.Quantity[p.hour-lo] = p.qty
		}
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Pool.String() < out[j].Pool.String() })
	return out, nil
}

func csvError(name string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &UsageTableError{File: name, Row: pe.Line, Err: fmt.Errorf("column %d: %w", pe.Column, pe.Err)}
	}
	return &UsageTableError{File: name, Err: err}
}

// parseHour reads an hour in RFC 3339 or "YYYY-MM-DD HH:MM:SS" (UTC); it
// must be on the hour.
func parseHour(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		if t, err = time.Parse(time.DateTime, s); err != nil {
			return time.Time{}, fmt.Errorf("%q is not a time (want RFC 3339 such as 2026-01-01T05:00:00Z, or 2026-01-01 05:00:00 in UTC)", s)
		}
	}
	t = t.UTC()
	if !t.Truncate(time.Hour).Equal(t) {
		return time.Time{}, fmt.Errorf("%q is not on the hour: each row is one hour of usage, starting on the hour", s)
	}
	if t.Year() < 2000 || t.Year() > 2200 {
		return time.Time{}, fmt.Errorf("%q is outside the years 2000–2200", s)
	}
	return t, nil
}

type columnError struct {
	column string
	err    error
}

func (e *columnError) Error() string { return e.column + ": " + e.err.Error() }

func poolFromColumns(get func(string) string) (providers.PoolKey, error) {
	// "-" is an empty field, as in the pool key string.
	field := func(c string) string {
		if v := get(c); v != "-" {
			return v
		}
		return ""
	}
	p, err := providers.ParseProvider(field("provider"))
	if err != nil {
		return providers.PoolKey{}, &columnError{"provider", err}
	}
	k := providers.PoolKey{Provider: p, BillingScope: field("billing_scope"), Account: field("account"), Region: field("region"),
		Service: field("service"), Family: field("family"), Platform: field("platform"), Tenancy: field("tenancy"), Unit: providers.Unit(field("unit"))}
	return k, checkPool(k)
}

// WriteUsageTable writes usage as a usage table that ReadUsageTable reads
// back: the columns time, the pool columns (a field such as "Linux/UNIX"
// holds a "/", which the one-column pool form cannot carry) and quantity;
// one row per pool and hour of its series, hours in order and, within an
// hour, pools in the order of their keys.
func WriteUsageTable(w io.Writer, usage []providers.UsageSeries) error {
	series := append([]providers.UsageSeries(nil), usage...)
	sort.SliceStable(series, func(i, j int) bool { return series[i].Pool.String() < series[j].Pool.String() })
	var first, end time.Time
	for i, s := range series {
		if e := s.Start.Add(time.Duration(len(s.Quantity)) * time.Hour); i == 0 || e.After(end) {
			end = e
		}
		if i == 0 || s.Start.Before(first) {
			first = s.Start
		}
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(append(append([]string{colTime}, poolColumns...), colQuantity)); err != nil {
		return err
	}
	rows := make([][]string, len(series))
	for i, s := range series {
		k := s.Pool
		rows[i] = []string{"", string(k.Provider), k.BillingScope, k.Account, k.Region, k.Service, k.Family, k.Platform, k.Tenancy, string(k.Unit), ""}
	}
	for t := first; t.Before(end); t = t.Add(time.Hour) {
		for i, s := range series {
			h := int(t.Sub(s.Start) / time.Hour)
			if h < 0 || h >= len(s.Quantity) {
				continue
			}
			rows[i][0], rows[i][len(rows[i])-1] = t.UTC().Format(time.RFC3339), strconv.FormatFloat(s.Quantity[h], 'f', -1, 64)
			if err := cw.Write(rows[i]); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// checkPool applies the price book's rules for a pool (docs/pricebook.md).
func checkPool(k providers.PoolKey) error {
	for _, f := range []struct{ col, v string }{{"region", k.Region}, {"service", k.Service}, {"family", k.Family}} {
		if f.v == "" {
			return &columnError{f.col, errors.New("is empty")}
		}
	}
	switch k.Unit {
	case providers.UnitNormalizedHour, providers.UnitInstanceHour, providers.UnitVCPUHour, providers.UnitGiBHour, providers.UnitSeatMonth:
	default:
		return &columnError{"unit", fmt.Errorf("unknown unit %q (want NU-hour, instance-hour, vCPU-hour, GiB-hour or seat-month)", k.Unit)}
	}
	return nil
}

// ParsePoolKey reads a pool from its canonical form, PoolKey.String():
// provider/billing_scope/account/region/service/family/platform/tenancy/unit,
// "-" for an empty field. A field that itself holds "/" (a platform such as
// "Linux/UNIX") cannot be told apart; use the pool columns for those.
func ParsePoolKey(s string) (providers.PoolKey, error) {
	parts := strings.Split(s, "/")
	if len(parts) != len(poolColumns) {
		return providers.PoolKey{}, fmt.Errorf("pool %q has %d fields separated by /, want %d (%s; - for empty); a field holding / needs the pool columns instead",
			s, len(parts), len(poolColumns), strings.Join(poolColumns, "/"))
	}
	for i, p := range parts {
		if p == "-" {
			parts[i] = ""
		}
	}
	p, err := providers.ParseProvider(parts[0])
	if err != nil {
		return providers.PoolKey{}, err
	}
	k := providers.PoolKey{Provider: p, BillingScope: parts[1], Account: parts[2], Region: parts[3], Service: parts[4],
		Family: parts[5], Platform: parts[6], Tenancy: parts[7], Unit: providers.Unit(parts[8])}
	if err := checkPool(k); err != nil {
		return providers.PoolKey{}, err
	}
	return k, nil
}
