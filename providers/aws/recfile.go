package aws

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"time"

	"github.com/tranchehq/tranche/providers"
)

// RecommendationsSchema versions the recommendations file.
const RecommendationsSchema = "tranche.recommendations/v1"

// Recommendations is AWS's own purchase recommendation as Cost Explorer
// gave it, written by "tranche recommendations fetch" and read by "tranche
// plan --provider-recommendations" (docs/aws.md). Every figure is AWS's,
// copied; nothing is recomputed. The four recommendations (standard RIs,
// convertible RIs, Compute and EC2 Instance Savings Plans) are each AWS's
// answer on its own: they are alternatives, not one purchase.
type Recommendations struct {
	Schema string `json:"schema"`
	// Source names the calls read; AsOf is when they were read, UTC.
	Source string                   `json:"source"`
	AsOf   time.Time                `json:"as_of"`
	Query  RecommendationsFileQuery `json:"query"`
	RI     []RIRecommendation       `json:"ri"`
	SP     []SPRecommendation       `json:"sp"`
	// Skipped lists the lines AWS returned that could not be read, each
	// with why.
	Skipped []Skip `json:"skipped"`
}

// RecommendationsFileQuery is the query in a recommendations file, with
// its defaults filled in.
type RecommendationsFileQuery struct {
	Term          providers.Term          `json:"term"`
	PaymentOption providers.PaymentOption `json:"payment_option"`
	LookbackDays  int                     `json:"lookback_days"`
}

// FileQuery is q with its defaults filled in, as a file records it.
func (q RecommendationQuery) FileQuery() RecommendationsFileQuery {
	f := RecommendationsFileQuery{Term: q.Term, PaymentOption: q.PaymentOption, LookbackDays: q.LookbackDays}
	if f.Term == "" {
		f.Term = providers.Term1Year
	}
	if f.PaymentOption == "" {
		f.PaymentOption = providers.NoUpfront
	}
	if f.LookbackDays == 0 {
		f.LookbackDays = 30
	}
	return f
}

// RecommendationsError is a recommendations file that cannot be read:
// which file, which field (a JSON path such as "ri[0].instances"), and why.
type RecommendationsError struct {
	File, Field string
	Err         error
}

func (e *RecommendationsError) Error() string {
	var b strings.Builder
	b.WriteString("recommendations ")
	b.WriteString(e.File)
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *RecommendationsError) Unwrap() error { return e.Err }

// LoadRecommendations reads and validates a recommendations file.
func LoadRecommendations(path string) (*Recommendations, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("recommendations: %w", err)
	}
	return DecodeRecommendations(bytes.NewReader(b), path)
}

// DecodeRecommendations reads a recommendations file strictly: unknown
// fields, wrong JSON types, trailing data, another schema and every value
// out of range are errors, each a *RecommendationsError naming the file
// and the field.
func DecodeRecommendations(r io.Reader, name string) (*Recommendations, error) {
	// The lines are decoded one by one so that an error can name its index.
	var raw struct {
		Schema  string                   `json:"schema"`
		Source  string                   `json:"source"`
		AsOf    time.Time                `json:"as_of"`
		Query   RecommendationsFileQuery `json:"query"`
		RI      []json.RawMessage        `json:"ri"`
		SP      []json.RawMessage        `json:"sp"`
		Skipped []json.RawMessage        `json:"skipped"`
	}
	bad := func(field string, err error) error { return &RecommendationsError{File: name, Field: field, Err: err} }
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&raw); err != nil {
		return nil, bad(jsonField("", err), jsonCause(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, bad("", errors.New("trailing data after the recommendations object"))
	}
	if raw.Schema != RecommendationsSchema {
		return nil, bad("schema", fmt.Errorf("is %q, want %q", raw.Schema, RecommendationsSchema))
	}
	rec := &Recommendations{Schema: raw.Schema, Source: raw.Source, AsOf: raw.AsOf, Query: raw.Query,
		RI: []RIRecommendation{}, SP: []SPRecommendation{}, Skipped: []Skip{}}
	var errs []error
	check := func(field string, err error) {
		if err != nil && len(errs) < 20 {
			errs = append(errs, bad(field, err))
		}
	}
	if strings.TrimSpace(raw.Source) == "" {
		check("source", errors.New("is empty"))
	}
	if raw.AsOf.IsZero() {
		check("as_of", errors.New("is missing"))
	}
	if raw.Query.Term.Hours() == 0 {
		check("query.term", fmt.Errorf("%q: want 1yr or 3yr", raw.Query.Term))
	}
	check("query.payment_option", paymentOK(raw.Query.PaymentOption))
	switch raw.Query.LookbackDays {
	case 7, 30, 60:
	default:
		check("query.lookback_days", fmt.Errorf("%d: want 7, 30 or 60", raw.Query.LookbackDays))
	}
	for i, m := range raw.RI {
		p := fmt.Sprintf("ri[%d]", i)
		var r RIRecommendation
		if err := strictDecoder(m).Decode(&r); err != nil {
			check(jsonField(p, err), jsonCause(err))
			continue
		}
		for _, e := range r.validate() {
			check(p+"."+e.field, e.err)
		}
		rec.RI = append(rec.RI, r)
	}
	for i, m := range raw.SP {
		p := fmt.Sprintf("sp[%d]", i)
		var s SPRecommendation
		if err := strictDecoder(m).Decode(&s); err != nil {
			check(jsonField(p, err), jsonCause(err))
			continue
		}
		for _, e := range s.validate() {
			check(p+"."+e.field, e.err)
		}
		rec.SP = append(rec.SP, s)
	}
	for i, m := range raw.Skipped {
		var s Skip
		if err := strictDecoder(m).Decode(&s); err != nil {
			check(jsonField(fmt.Sprintf("skipped[%d]", i), err), jsonCause(err))
			continue
		}
		rec.Skipped = append(rec.Skipped, s)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return rec, nil
}

// Encode writes the file as indented JSON.
func (r *Recommendations) Encode(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

func strictDecoder(m json.RawMessage) *json.Decoder {
	d := json.NewDecoder(bytes.NewReader(m))
	d.DisallowUnknownFields()
	return d
}

// jsonField names the field a decoding error is about, under prefix.
func jsonField(prefix string, err error) string {
	join := func(f string) string {
		switch {
		case prefix == "":
			return f
		case f == "":
			return prefix
		}
		return prefix + "." + f
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return join(te.Field)
	}
	if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return join(strings.Trim(f, `"`))
	}
	return prefix
}

// jsonCause says what is wrong in a decoding error, without the field.
func jsonCause(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Errorf("want %s, got a JSON %s", te.Type, te.Value)
	}
	if strings.HasPrefix(err.Error(), "json: unknown field ") {
		return errors.New("unknown field")
	}
	if errors.Is(err, io.EOF) {
		return errors.New("empty file")
	}
	return fmt.Errorf("not valid JSON: %w", err)
}

type fieldErr struct {
	field string
	err   error
}

func paymentOK(p providers.PaymentOption) error {
	switch p {
	case providers.NoUpfront, providers.PartialUpfront, providers.AllUpfront:
		return nil
	}
	return fmt.Errorf("%q: want no-upfront, partial-upfront or all-upfront", p)
}

func amountOK(x float64) error {
	if x < 0 || math.IsNaN(x) || math.IsInf(x, 0) {
		return fmt.Errorf("must be a non-negative number, is %v", x)
	}
	return nil
}

func percentOK(x float64) error {
	if x < 0 || x > 100 || math.IsNaN(x) {
		return fmt.Errorf("must be a percentage 0–100, is %v", x)
	}
	return nil
}

func (r RIRecommendation) validate() []fieldErr {
	var out []fieldErr
	add := func(f string, err error) {
		if err != nil {
			out = append(out, fieldErr{f, err})
		}
	}
	if r.Kind != providers.KindRIStandard && r.Kind != providers.KindRIConvertible {
		add("kind", fmt.Errorf("%q: want ri-standard or ri-convertible", r.Kind))
	}
	if r.Term.Hours() == 0 {
		add("term", fmt.Errorf("%q: want 1yr or 3yr", r.Term))
	}
	add("payment_option", paymentOK(r.PaymentOption))
	if r.Pool.Provider != providers.AWS || r.Pool.Region == "" || r.Pool.Family == "" || r.Pool.Unit == "" {
		add("pool", fmt.Errorf("%s: want an AWS pool with region, family and unit", r.Pool))
	}
	if r.InstanceType == "" {
		add("instance_type", errors.New("is empty"))
	}
	if !(r.Instances > 0) || math.IsInf(r.Instances, 0) {
		add("instances", fmt.Errorf("must be a positive number, is %v", r.Instances))
	}
	add("normalized_units", amountOK(r.NormalizedUnits))
	add("upfront_cost", amountOK(r.UpfrontCost))
	add("recurring_monthly_cost", amountOK(r.RecurringMonthlyCost))
	add("estimated_monthly_on_demand_cost", amountOK(r.EstimatedMonthlyOnDemandCost))
	add("break_even_months", amountOK(r.BreakEvenMonths))
	add("average_utilization_percent", percentOK(r.AverageUtilization))
	if math.IsNaN(r.EstimatedMonthlySavings) || math.IsInf(r.EstimatedMonthlySavings, 0) {
		add("estimated_monthly_savings", fmt.Errorf("is %v", r.EstimatedMonthlySavings))
	}
	if len(r.Currency) != 3 {
		add("currency", fmt.Errorf("%q is not an ISO 4217 code", r.Currency))
	}
	return out
}

func (s SPRecommendation) validate() []fieldErr {
	var out []fieldErr
	add := func(f string, err error) {
		if err != nil {
			out = append(out, fieldErr{f, err})
		}
	}
	if s.Kind != providers.KindComputeSP && s.Kind != providers.KindEC2InstanceSP {
		add("kind", fmt.Errorf("%q: want compute-sp or ec2-instance-sp", s.Kind))
	}
	if s.Term.Hours() == 0 {
		add("term", fmt.Errorf("%q: want 1yr or 3yr", s.Term))
	}
	add("payment_option", paymentOK(s.PaymentOption))
	if s.Scope.Provider != providers.AWS {
		add("scope.provider", fmt.Errorf("%q: want aws", s.Scope.Provider))
	}
	if s.Kind == providers.KindEC2InstanceSP && (s.Scope.Region == "" || s.Scope.Family == "") {
		add("scope", errors.New("an EC2 Instance Savings Plan has a region and an instance family"))
	}
	if !(s.HourlyCommitment > 0) || math.IsInf(s.HourlyCommitment, 0) {
		add("hourly_commitment", fmt.Errorf("must be a positive number, is %v", s.HourlyCommitment))
	}
	add("upfront_cost", amountOK(s.UpfrontCost))
	add("estimated_average_utilization_percent", percentOK(s.EstimatedAverageUtilization))
	if math.IsNaN(s.EstimatedMonthlySavings) || math.IsInf(s.EstimatedMonthlySavings, 0) {
		add("estimated_monthly_savings", fmt.Errorf("is %v", s.EstimatedMonthlySavings))
	}
	if math.IsNaN(s.EstimatedSavingsPercent) || math.IsInf(s.EstimatedSavingsPercent, 0) {
		add("estimated_savings_percent", fmt.Errorf("is %v", s.EstimatedSavingsPercent))
	}
	if len(s.Currency) != 3 {
		add("currency", fmt.Errorf("%q is not an ISO 4217 code", s.Currency))
	}
	return out
}
