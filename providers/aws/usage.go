package aws

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/costexplorer"
	cetypes "github.com/aws/aws-sdk-go-v2/service/costexplorer/types"
	"github.com/aws/smithy-go"

	"github.com/tranchehq/tranche/providers"
)

// Granularity is the time grain of a Cost Explorer query.
type Granularity string

// Granularities of usage queries. Cost Explorer keeps hourly data for the
// last 14 days and only where the account has enabled it; daily otherwise.
const (
	// Auto asks for hourly data and falls back to daily when Cost Explorer
	// refuses hourly granularity for the account or the period (it keeps
	// hourly data 14 days, and only when the account enabled it).
	Auto   Granularity = ""
	Hourly Granularity = "HOURLY"
	Daily  Granularity = "DAILY"
)

// UsageQuery chooses the usage Usage reads.
type UsageQuery struct {
	// Start and End bound the period [Start, End), UTC; truncated to the
	// hour (hourly) or the day (daily).
	Start, End time.Time
	// Granularity is Auto (the zero value), Hourly or Daily.
	Granularity Granularity
	// Region is the region code. Required.
	Region string
	// Tenancy is "Shared" (the default) or "Dedicated": Cost Explorer
	// groups by two dimensions at most, so one query reads one tenancy.
	Tenancy string
	// Prices, when set, gives each series its on-demand rate per unit-hour:
	// the usage-weighted rate of the instance types seen in the pool.
	Prices *providers.PriceBook
}

// ceEC2Compute is Cost Explorer's SERVICE value for EC2 instances.
const ceEC2Compute = "Amazon Elastic Compute Cloud - Compute"

// Usage reads EC2 instance usage from Cost Explorer (GetCostAndUsage,
// UsageQuantity of the "EC2: Running Hours" usage type group, grouped by
// instance type and platform) and returns one hourly series per pool, in
// the pool's unit. Daily amounts are spread evenly over the day's 24 hours
// (the series is then a daily average, not an hourly profile). Groups that
// cannot be mapped to a pool are skipped and named in the report.
func (c *Client) Usage(ctx context.Context, q UsageQuery) ([]providers.UsageSeries, *Report, error) {
	if q.Region == "" {
		return nil, nil, errors.New("aws: usage: no region")
	}
	if q.Granularity == Auto {
		q.Granularity = Hourly
		series, rep, err := c.usage(ctx, q)
		if err == nil || !hourlyRefused(err) {
			return series, rep, err
		}
		refusal := apiMessage(err)
		q.Granularity = Daily
		series, rep, err = c.usage(ctx, q)
		if err != nil {
			return nil, nil, err
		}
		rep.Remarks = append(rep.Remarks, "Cost Explorer refused hourly granularity ("+refusal+"); read daily usage, spread evenly over each day's hours")
		return series, rep, nil
	}
	return c.usage(ctx, q)
}

// hourlyRefused reports whether Cost Explorer refused a query for its
// hourly granularity (not enabled for the account, or older than 14 days).
func hourlyRefused(err error) bool {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return false
	}
	switch ae.ErrorCode() {
	case "ValidationException", "DataUnavailableException":
		return strings.Contains(strings.ToLower(ae.ErrorMessage()), "hourly")
	}
	return false
}

func apiMessage(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode() + ": " + ae.ErrorMessage()
	}
	return err.Error()
}

func (c *Client) usage(ctx context.Context, q UsageQuery) ([]providers.UsageSeries, *Report, error) {
	if q.Tenancy == "" {
		q.Tenancy = "Shared"
	}
	var step time.Duration
	var layout string
	switch q.Granularity {
	case Hourly:
		step, layout = time.Hour, "2006-01-02T15:04:05Z"
	case Daily:
		step, layout = 24*time.Hour, "2006-01-02"
	default:
		return nil, nil, fmt.Errorf("aws: usage: unknown granularity %q", q.Granularity)
	}
	start, end := q.Start.UTC().Truncate(step), q.End.UTC().Truncate(step)
	if !end.After(start) {
		return nil, nil, fmt.Errorf("aws: usage: empty period [%v, %v)", start, end)
	}
	hours := int(end.Sub(start) / time.Hour)
	in := &costexplorer.GetCostAndUsageInput{
		TimePeriod:  &cetypes.DateInterval{Start: aws.String(start.Format(layout)), End: aws.String(end.Format(layout))},
		Granularity: cetypes.Granularity(q.Granularity),
		Metrics:     []string{"UsageQuantity"},
		Filter: &cetypes.Expression{And: []cetypes.Expression{
			{Dimensions: &cetypes.DimensionValues{Key: cetypes.DimensionService, Values: []string{ceEC2Compute}}},
			{Dimensions: &cetypes.DimensionValues{Key: cetypes.DimensionUsageTypeGroup, Values: []string{"EC2: Running Hours"}}},
			{Dimensions: &cetypes.DimensionValues{Key: cetypes.DimensionRegion, Values: []string{q.Region}}},
			{Dimensions: &cetypes.DimensionValues{Key: cetypes.DimensionTenancy, Values: []string{q.Tenancy}}},
		}},
		GroupBy: []cetypes.GroupDefinition{
			{Type: cetypes.GroupDefinitionTypeDimension, Key: aws.String(string(cetypes.DimensionInstanceType))},
			{Type: cetypes.GroupDefinitionTypeDimension, Key: aws.String(string(cetypes.DimensionPlatform))},
		},
	}
	rep := &Report{}
	type acc struct {
		series   []float64
		cost     float64 // Σ instance-hours × on-demand rate
		units    float64 // Σ units
		unpriced bool    // a type of the pool has no rate in the book
	}
	pools := map[providers.PoolKey]*acc{}
	seen := map[string]bool{}
	const call = "ce GetCostAndUsage"
	for page := 1; ; page++ {
		out, err := c.CostExplorer.GetCostAndUsage(ctx, in)
		if err != nil {
			return nil, nil, wrap("ce", "GetCostAndUsage", err)
		}
		for _, r := range out.ResultsByTime {
			if r.TimePeriod == nil {
				rep.skip(Skip{File: call, Item: fmt.Sprintf("page %d", page), Reason: "result without a time period"})
				continue
			}
			ts, err := parseCETime(aws.ToString(r.TimePeriod.Start))
			if err != nil {
				rep.skip(Skip{File: call, Item: fmt.Sprintf("page %d", page), Reason: err.Error()})
				continue
			}
			first := int(ts.Sub(start) / time.Hour)
			span := int(step / time.Hour)
			if first < 0 || first+span > hours {
				rep.skip(Skip{File: call, Item: ts.Format(time.RFC3339), Reason: fmt.Sprintf("period outside the query [%s, %s)", start.Format(time.RFC3339), end.Format(time.RFC3339))})
				continue
			}
			for _, g := range r.Groups {
				rep.Read++
				item := fmt.Sprintf("%s %s", ts.Format(time.RFC3339), strings.Join(g.Keys, "/"))
				if len(g.Keys) != 2 {
					rep.skip(Skip{File: call, Item: item, Reason: fmt.Sprintf("%d group keys, want 2", len(g.Keys))})
					continue
				}
				it, platform := g.Keys[0], g.Keys[1]
				if it == "NoInstanceType" {
					rep.outOfScope("usage with no instance type")
					continue
				}
				m, ok := g.Metrics["UsageQuantity"]
				if !ok {
					rep.skip(Skip{File: call, Item: item, Reason: "no UsageQuantity metric"})
					continue
				}
				if u := aws.ToString(m.Unit); u != "Hrs" {
					rep.skip(Skip{File: call, Item: item, Reason: fmt.Sprintf("UsageQuantity in %q, want Hrs", u)})
					continue
				}
				qty, err := parsePrice(aws.ToString(m.Amount))
				if err != nil {
					rep.skip(Skip{File: call, Item: item, Reason: "UsageQuantity " + err.Error()})
					continue
				}
				pool, factor, err := EC2Pool(q.Region, it, platform, q.Tenancy, false, 0)
				if err != nil {
					rep.skip(Skip{File: call, Item: item, Reason: err.Error()})
					continue
				}
				a := pools[pool]
				if a == nil {
					a = &acc{series: make([]float64, hours)}
					pools[pool] = a
				}
				per := qty * factor / float64(span)
				for h := first; h < first+span; h++ {
					a.series[h] += per
				}
				if q.Prices != nil && qty > 0 {
					rate, ok := onDemandRate(q.Prices, pool, it)
					if !ok {
						rep.outOfScope(fmt.Sprintf("no on-demand rate in the price book for %s %s (series rate left 0)", pool, it))
						a.unpriced = true
						continue
					}
					a.cost += qty * rate
					a.units += qty * factor
				}
			}
		}
		more, err := c.nextToken(seen, page, out.NextPageToken)
		if err != nil {
			return nil, nil, wrap("ce", "GetCostAndUsage", err)
		}
		if !more {
			break
		}
		in.NextPageToken = out.NextPageToken
	}
	series := make([]providers.UsageSeries, 0, len(pools))
	for pool, a := range pools {
		s := providers.UsageSeries{Pool: pool, Start: start, Quantity: a.series}
		if !a.unpriced && a.units > 0 {
			s.OnDemandRate = a.cost / a.units
		}
		series = append(series, s)
	}
	sort.Slice(series, func(i, j int) bool { return series[i].Pool.String() < series[j].Pool.String() })
	return series, rep, nil
}

func onDemandRate(pb *providers.PriceBook, pool providers.PoolKey, instanceType string) (float64, bool) {
	for _, r := range pb.OnDemandFor(pool) {
		if r.InstanceType == instanceType {
			return r.HourlyRate, true
		}
	}
	return 0, false
}

// parseCETime reads Cost Explorer's period bounds: "2026-10-01" (daily,
// monthly) or "2026-10-01T05:00:00Z" (hourly).
func parseCETime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339, "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("time %q is neither a date nor an RFC 3339 time", s)
}
