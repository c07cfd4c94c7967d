package aws

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/costexplorer"
	cetypes "github.com/aws/aws-sdk-go-v2/service/costexplorer/types"

	"github.com/tranchehq/tranche/providers"
)

// AWS's own view of what to buy and how well commitments are used, to show
// beside Tranche's. The figures are AWS's, copied, never recomputed.

// RecommendationQuery chooses the recommendations asked for.
type RecommendationQuery struct {
	Term          providers.Term          // 1yr or 3yr; "" means 1yr
	PaymentOption providers.PaymentOption // "" means no-upfront
	// LookbackDays is 7, 30 or 60; 0 means 30.
	LookbackDays int
}

func (q RecommendationQuery) ce() (cetypes.TermInYears, cetypes.PaymentOption, cetypes.LookbackPeriodInDays, error) {
	term := cetypes.TermInYearsOneYear
	switch q.Term {
	case "", providers.Term1Year:
	case providers.Term3Year:
		term = cetypes.TermInYearsThreeYears
	default:
		return "", "", "", fmt.Errorf("unknown term %q", q.Term)
	}
	pay := map[providers.PaymentOption]cetypes.PaymentOption{
		"": cetypes.PaymentOptionNoUpfront, providers.NoUpfront: cetypes.PaymentOptionNoUpfront,
		providers.PartialUpfront: cetypes.PaymentOptionPartialUpfront, providers.AllUpfront: cetypes.PaymentOptionAllUpfront,
	}[q.PaymentOption]
	if pay == "" {
		return "", "", "", fmt.Errorf("unknown payment option %q", q.PaymentOption)
	}
	look := map[int]cetypes.LookbackPeriodInDays{0: cetypes.LookbackPeriodInDaysThirtyDays, 7: cetypes.LookbackPeriodInDaysSevenDays,
		30: cetypes.LookbackPeriodInDaysThirtyDays, 60: cetypes.LookbackPeriodInDaysSixtyDays}[q.LookbackDays]
	if look == "" {
		return "", "", "", fmt.Errorf("lookback %d days (want 7, 30 or 60)", q.LookbackDays)
	}
	return term, pay, look, nil
}

// RIRecommendation is one line of AWS's reserved instance purchase
// recommendation. Amounts are in Currency.
type RIRecommendation struct {
	Kind                         providers.Kind          `json:"kind"`
	Term                         providers.Term          `json:"term"`
	PaymentOption                providers.PaymentOption `json:"payment_option"`
	Account                      string                  `json:"account,omitempty"`
	Pool                         providers.PoolKey       `json:"pool"`
	InstanceType                 string                  `json:"instance_type"`
	Instances                    float64                 `json:"instances"`
	NormalizedUnits              float64                 `json:"normalized_units"`
	UpfrontCost                  float64                 `json:"upfront_cost"`
	RecurringMonthlyCost         float64                 `json:"recurring_monthly_cost"`
	EstimatedMonthlySavings      float64                 `json:"estimated_monthly_savings"`
	EstimatedMonthlyOnDemandCost float64                 `json:"estimated_monthly_on_demand_cost"`
	BreakEvenMonths              float64                 `json:"break_even_months"`
	AverageUtilization           float64                 `json:"average_utilization_percent"`
	Currency                     string                  `json:"currency"`
}

// SPRecommendation is one line of AWS's savings plan purchase
// recommendation.
type SPRecommendation struct {
	Kind                        providers.Kind          `json:"kind"`
	Term                        providers.Term          `json:"term"`
	PaymentOption               providers.PaymentOption `json:"payment_option"`
	Account                     string                  `json:"account,omitempty"`
	Scope                       providers.PoolKey       `json:"scope"`
	OfferingID                  string                  `json:"offering_id,omitempty"`
	HourlyCommitment            float64                 `json:"hourly_commitment"`
	UpfrontCost                 float64                 `json:"upfront_cost"`
	EstimatedMonthlySavings     float64                 `json:"estimated_monthly_savings"`
	EstimatedSavingsPercent     float64                 `json:"estimated_savings_percent"`
	EstimatedAverageUtilization float64                 `json:"estimated_average_utilization_percent"`
	Currency                    string                  `json:"currency"`
}

// RIRecommendations reads Cost Explorer's EC2 reserved instance purchase
// recommendations (standard and convertible), all pages.
func (c *Client) RIRecommendations(ctx context.Context, q RecommendationQuery) ([]RIRecommendation, *Report, error) {
	term, pay, look, err := q.ce()
	if err != nil {
		return nil, nil, fmt.Errorf("aws: ce GetReservationPurchaseRecommendation: %w", err)
	}
	rep := &Report{}
	var recs []RIRecommendation
	for _, class := range []cetypes.OfferingClass{cetypes.OfferingClassStandard, cetypes.OfferingClassConvertible} {
		in := &costexplorer.GetReservationPurchaseRecommendationInput{
			Service: aws.String(ceEC2Compute), TermInYears: term, PaymentOption: pay, LookbackPeriodInDays: look,
			ServiceSpecification: &cetypes.ServiceSpecification{EC2Specification: &cetypes.EC2Specification{OfferingClass: class}},
		}
		kind := providers.KindRIStandard
		if class == cetypes.OfferingClassConvertible {
			kind = providers.KindRIConvertible
		}
		seen := map[string]bool{}
		for page := 1; ; page++ {
			out, err := c.CostExplorer.GetReservationPurchaseRecommendation(ctx, in)
			if err != nil {
				return nil, nil, wrap("ce", "GetReservationPurchaseRecommendation", err)
			}
			for _, r := range out.Recommendations {
				t, _ := providers.ParseTerm(strings.ReplaceAll(string(r.TermInYears), "_", " "))
				po, _ := providers.ParsePaymentOption(string(r.PaymentOption))
				for i, d := range r.RecommendationDetails {
					rep.Read++
					rec, err := riRecommendation(d, kind, t, po)
					if err != nil {
						rep.skip(Skip{File: "ce GetReservationPurchaseRecommendation", Item: fmt.Sprintf("%s page %d detail %d", class, page, i+1), Reason: err.Error()})
						continue
					}
					recs = append(recs, rec)
				}
			}
			more, err := c.nextToken(seen, page, out.NextPageToken)
			if err != nil {
				return nil, nil, wrap("ce", "GetReservationPurchaseRecommendation", err)
			}
			if !more {
				break
			}
			in.NextPageToken = out.NextPageToken
		}
	}
	return recs, rep, nil
}

func riRecommendation(d cetypes.ReservationPurchaseRecommendationDetail, kind providers.Kind, term providers.Term, pay providers.PaymentOption) (RIRecommendation, error) {
	if d.InstanceDetails == nil || d.InstanceDetails.EC2InstanceDetails == nil {
		return RIRecommendation{}, fmt.Errorf("no EC2 instance details")
	}
	e := d.InstanceDetails.EC2InstanceDetails
	tenancy, err := TenancyFromEC2(aws.ToString(e.Tenancy))
	if err != nil {
		return RIRecommendation{}, err
	}
	pool, _, err := EC2Pool(aws.ToString(e.Region), aws.ToString(e.InstanceType), aws.ToString(e.Platform), tenancy, aws.ToString(e.AvailabilityZone) != "", 0)
	if err != nil {
		return RIRecommendation{}, err
	}
	r := RIRecommendation{Kind: kind, Term: term, PaymentOption: pay, Account: aws.ToString(d.AccountId), Pool: pool, InstanceType: aws.ToString(e.InstanceType), Currency: aws.ToString(d.CurrencyCode)}
	for _, f := range []struct {
		name string
		s    *string
		dst  *float64
	}{
		{"RecommendedNumberOfInstancesToPurchase", d.RecommendedNumberOfInstancesToPurchase, &r.Instances},
		{"RecommendedNormalizedUnitsToPurchase", d.RecommendedNormalizedUnitsToPurchase, &r.NormalizedUnits},
		{"UpfrontCost", d.UpfrontCost, &r.UpfrontCost},
		{"RecurringStandardMonthlyCost", d.RecurringStandardMonthlyCost, &r.RecurringMonthlyCost},
		{"EstimatedMonthlySavingsAmount", d.EstimatedMonthlySavingsAmount, &r.EstimatedMonthlySavings},
		{"EstimatedMonthlyOnDemandCost", d.EstimatedMonthlyOnDemandCost, &r.EstimatedMonthlyOnDemandCost},
		{"EstimatedBreakEvenInMonths", d.EstimatedBreakEvenInMonths, &r.BreakEvenMonths},
		{"AverageUtilization", d.AverageUtilization, &r.AverageUtilization},
	} {
		v, err := ceNumber(f.s)
		if err != nil {
			return RIRecommendation{}, fmt.Errorf("%s: %w", f.name, err)
		}
		*f.dst = v
	}
	return r, nil
}

// SPRecommendations reads Cost Explorer's Compute and EC2 Instance savings
// plan purchase recommendations, all pages.
func (c *Client) SPRecommendations(ctx context.Context, q RecommendationQuery) ([]SPRecommendation, *Report, error) {
	term, pay, look, err := q.ce()
	if err != nil {
		return nil, nil, fmt.Errorf("aws: ce GetSavingsPlansPurchaseRecommendation: %w", err)
	}
	rep := &Report{}
	var recs []SPRecommendation
	for _, typ := range []cetypes.SupportedSavingsPlansType{cetypes.SupportedSavingsPlansTypeComputeSp, cetypes.SupportedSavingsPlansTypeEc2InstanceSp} {
		kind := providers.KindComputeSP
		if typ == cetypes.SupportedSavingsPlansTypeEc2InstanceSp {
			kind = providers.KindEC2InstanceSP
		}
		in := &costexplorer.GetSavingsPlansPurchaseRecommendationInput{SavingsPlansType: typ, TermInYears: term, PaymentOption: pay, LookbackPeriodInDays: look}
		seen := map[string]bool{}
		for page := 1; ; page++ {
			out, err := c.CostExplorer.GetSavingsPlansPurchaseRecommendation(ctx, in)
			if err != nil {
				return nil, nil, wrap("ce", "GetSavingsPlansPurchaseRecommendation", err)
			}
			if r := out.SavingsPlansPurchaseRecommendation; r != nil {
				t, _ := providers.ParseTerm(strings.ReplaceAll(string(r.TermInYears), "_", " "))
				po, _ := providers.ParsePaymentOption(string(r.PaymentOption))
				for i, d := range r.SavingsPlansPurchaseRecommendationDetails {
					rep.Read++
					rec := SPRecommendation{Kind: kind, Term: t, PaymentOption: po, Account: aws.ToString(d.AccountId), Scope: providers.PoolKey{Provider: providers.AWS}, Currency: aws.ToString(d.CurrencyCode)}
					if sd := d.SavingsPlansDetails; sd != nil {
						rec.OfferingID = aws.ToString(sd.OfferingId)
						if kind == providers.KindEC2InstanceSP {
							rec.Scope.Region, rec.Scope.Service, rec.Scope.Family = aws.ToString(sd.Region), ServiceEC2, aws.ToString(sd.InstanceFamily)
						}
					}
					var bad error
					for _, f := range []struct {
						name string
						s    *string
						dst  *float64
					}{
						{"HourlyCommitmentToPurchase", d.HourlyCommitmentToPurchase, &rec.HourlyCommitment},
						{"UpfrontCost", d.UpfrontCost, &rec.UpfrontCost},
						{"EstimatedMonthlySavingsAmount", d.EstimatedMonthlySavingsAmount, &rec.EstimatedMonthlySavings},
						{"EstimatedSavingsPercentage", d.EstimatedSavingsPercentage, &rec.EstimatedSavingsPercent},
						{"EstimatedAverageUtilization", d.EstimatedAverageUtilization, &rec.EstimatedAverageUtilization},
					} {
						v, err := ceNumber(f.s)
						if err != nil {
							bad = fmt.Errorf("%s: %w", f.name, err)
							break
						}
						*f.dst = v
					}
					if bad != nil {
						rep.skip(Skip{File: "ce GetSavingsPlansPurchaseRecommendation", Item: fmt.Sprintf("%s page %d detail %d", typ, page, i+1), Reason: bad.Error()})
						continue
					}
					recs = append(recs, rec)
				}
			}
			more, err := c.nextToken(seen, page, out.NextPageToken)
			if err != nil {
				return nil, nil, wrap("ce", "GetSavingsPlansPurchaseRecommendation", err)
			}
			if !more {
				break
			}
			in.NextPageToken = out.NextPageToken
		}
	}
	return recs, rep, nil
}

// UsePoint is AWS's coverage or utilization of one period. Which fields
// are set depends on the call (see the field comments); the rest are 0.
type UsePoint struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	// Percent is the coverage or utilization percentage AWS reports.
	Percent float64 `json:"percent"`
	// Hours of reservation coverage and utilization: covered (reserved or
	// used) and not (on-demand or unused), and the total.
	CoveredHours   float64 `json:"covered_hours,omitempty"`
	UncoveredHours float64 `json:"uncovered_hours,omitempty"`
	TotalHours     float64 `json:"total_hours,omitempty"`
	// Amounts of savings plans coverage and utilization: covered (spend
	// covered, or commitment used) and not (on-demand cost, or commitment
	// unused), and the total.
	CoveredAmount   float64 `json:"covered_amount,omitempty"`
	UncoveredAmount float64 `json:"uncovered_amount,omitempty"`
	TotalAmount     float64 `json:"total_amount,omitempty"`
	// NetSavings is what the commitments saved in the period.
	NetSavings float64 `json:"net_savings,omitempty"`
}

// Period is a Cost Explorer period and grain for coverage and utilization.
type Period struct {
	Start, End  time.Time
	Granularity Granularity // Daily or "MONTHLY"; 0 means Daily
}

func (p Period) ce() (*cetypes.DateInterval, cetypes.Granularity) {
	g := p.Granularity
	if g == "" {
		g = Daily
	}
	return &cetypes.DateInterval{Start: aws.String(p.Start.UTC().Format("2006-01-02")), End: aws.String(p.End.UTC().Format("2006-01-02"))}, cetypes.Granularity(g)
}

// ReservationCoverage reads AWS's reserved instance coverage, in hours.
func (c *Client) ReservationCoverage(ctx context.Context, p Period) ([]UsePoint, error) {
	tp, g := p.ce()
	in := &costexplorer.GetReservationCoverageInput{TimePeriod: tp, Granularity: g}
	var pts []UsePoint
	seen := map[string]bool{}
	for page := 1; ; page++ {
		out, err := c.CostExplorer.GetReservationCoverage(ctx, in)
		if err != nil {
			return nil, wrap("ce", "GetReservationCoverage", err)
		}
		for _, cb := range out.CoveragesByTime {
			pt, err := periodOf(cb.TimePeriod)
			if err == nil && cb.Total != nil && cb.Total.CoverageHours != nil {
				h := cb.Total.CoverageHours
				err = numbers(map[string]numField{
					"CoverageHoursPercentage": {h.CoverageHoursPercentage, &pt.Percent}, "ReservedHours": {h.ReservedHours, &pt.CoveredHours},
					"OnDemandHours": {h.OnDemandHours, &pt.UncoveredHours}, "TotalRunningHours": {h.TotalRunningHours, &pt.TotalHours},
				})
			}
			if err != nil {
				return nil, fmt.Errorf("aws: ce GetReservationCoverage: %w", err)
			}
			pts = append(pts, pt)
		}
		more, err := c.nextToken(seen, page, out.NextPageToken)
		if err != nil {
			return nil, wrap("ce", "GetReservationCoverage", err)
		}
		if !more {
			return pts, nil
		}
		in.NextPageToken = out.NextPageToken
	}
}

// ReservationUtilization reads AWS's reserved instance utilization, in
// hours.
func (c *Client) ReservationUtilization(ctx context.Context, p Period) ([]UsePoint, error) {
	tp, g := p.ce()
	in := &costexplorer.GetReservationUtilizationInput{TimePeriod: tp, Granularity: g}
	var pts []UsePoint
	seen := map[string]bool{}
	for page := 1; ; page++ {
		out, err := c.CostExplorer.GetReservationUtilization(ctx, in)
		if err != nil {
			return nil, wrap("ce", "GetReservationUtilization", err)
		}
		for _, u := range out.UtilizationsByTime {
			pt, err := periodOf(u.TimePeriod)
			if err == nil && u.Total != nil {
				a := u.Total
				err = numbers(map[string]numField{
					"UtilizationPercentage": {a.UtilizationPercentage, &pt.Percent}, "TotalActualHours": {a.TotalActualHours, &pt.CoveredHours},
					"UnusedHours": {a.UnusedHours, &pt.UncoveredHours}, "PurchasedHours": {a.PurchasedHours, &pt.TotalHours},
					"NetRISavings": {a.NetRISavings, &pt.NetSavings},
				})
			}
			if err != nil {
				return nil, fmt.Errorf("aws: ce GetReservationUtilization: %w", err)
			}
			pts = append(pts, pt)
		}
		more, err := c.nextToken(seen, page, out.NextPageToken)
		if err != nil {
			return nil, wrap("ce", "GetReservationUtilization", err)
		}
		if !more {
			return pts, nil
		}
		in.NextPageToken = out.NextPageToken
	}
}

// SavingsPlansCoverage reads AWS's savings plans coverage, in currency.
func (c *Client) SavingsPlansCoverage(ctx context.Context, p Period) ([]UsePoint, error) {
	tp, g := p.ce()
	in := &costexplorer.GetSavingsPlansCoverageInput{TimePeriod: tp, Granularity: g}
	var pts []UsePoint
	seen := map[string]bool{}
	for page := 1; ; page++ {
		out, err := c.CostExplorer.GetSavingsPlansCoverage(ctx, in)
		if err != nil {
			return nil, wrap("ce", "GetSavingsPlansCoverage", err)
		}
		for _, cv := range out.SavingsPlansCoverages {
			pt, err := periodOf(cv.TimePeriod)
			if err == nil && cv.Coverage != nil {
				d := cv.Coverage
				err = numbers(map[string]numField{
					"CoveragePercentage": {d.CoveragePercentage, &pt.Percent}, "SpendCoveredBySavingsPlans": {d.SpendCoveredBySavingsPlans, &pt.CoveredAmount},
					"OnDemandCost": {d.OnDemandCost, &pt.UncoveredAmount}, "TotalCost": {d.TotalCost, &pt.TotalAmount},
				})
			}
			if err != nil {
				return nil, fmt.Errorf("aws: ce GetSavingsPlansCoverage: %w", err)
			}
			pts = append(pts, pt)
		}
		more, err := c.nextToken(seen, page, out.NextToken)
		if err != nil {
			return nil, wrap("ce", "GetSavingsPlansCoverage", err)
		}
		if !more {
			return pts, nil
		}
		in.NextToken = out.NextToken
	}
}

// SavingsPlansUtilization reads AWS's savings plans utilization, in
// currency (the call has no pagination).
func (c *Client) SavingsPlansUtilization(ctx context.Context, p Period) ([]UsePoint, error) {
	tp, g := p.ce()
	out, err := c.CostExplorer.GetSavingsPlansUtilization(ctx, &costexplorer.GetSavingsPlansUtilizationInput{TimePeriod: tp, Granularity: g})
	if err != nil {
		return nil, wrap("ce", "GetSavingsPlansUtilization", err)
	}
	var pts []UsePoint
	for _, u := range out.SavingsPlansUtilizationsByTime {
		pt, err := periodOf(u.TimePeriod)
		if err == nil && u.Utilization != nil {
			d := u.Utilization
			fields := map[string]numField{
				"UtilizationPercentage": {d.UtilizationPercentage, &pt.Percent}, "UsedCommitment": {d.UsedCommitment, &pt.CoveredAmount},
				"UnusedCommitment": {d.UnusedCommitment, &pt.UncoveredAmount}, "TotalCommitment": {d.TotalCommitment, &pt.TotalAmount},
			}
			if u.Savings != nil {
				fields["NetSavings"] = numField{u.Savings.NetSavings, &pt.NetSavings}
			}
			err = numbers(fields)
		}
		if err != nil {
			return nil, fmt.Errorf("aws: ce GetSavingsPlansUtilization: %w", err)
		}
		pts = append(pts, pt)
	}
	return pts, nil
}

type numField struct {
	s   *string
	dst *float64
}

func numbers(fields map[string]numField) error {
	for name, f := range fields {
		v, err := ceNumber(f.s)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		*f.dst = v
	}
	return nil
}

// ceNumber reads a Cost Explorer amount (a decimal string; absent is 0).
// Net savings may be negative.
func ceNumber(s *string) (float64, error) {
	if s == nil || *s == "" {
		return 0, nil
	}
	f, err := strconv.ParseFloat(*s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("%q is not a number", *s)
	}
	return f, nil
}

func periodOf(d *cetypes.DateInterval) (UsePoint, error) {
	if d == nil {
		return UsePoint{}, fmt.Errorf("result without a time period")
	}
	s, err := parseCETime(aws.ToString(d.Start))
	if err != nil {
		return UsePoint{}, err
	}
	e, err := parseCETime(aws.ToString(d.End))
	if err != nil {
		return UsePoint{}, err
	}
	return UsePoint{Start: s, End: e}, nil
}
