package aws

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/savingsplans"
	sptypes "github.com/aws/aws-sdk-go-v2/service/savingsplans/types"

	"github.com/tranchehq/tranche/providers"
)

// OwnedReservedInstances lists the active reserved instances of the region as
// owned commitments. A size-flexible reservation (regional, Linux/UNIX,
// shared tenancy) is expressed in normalized units of its family's pool
// (Quantity = instance count × size factor, Unit NU-hour); any other in
// instances of its instance type's pool. Fees are for the whole quantity.
// Reservations that cannot be mapped to a pool are skipped and named in the
// report.
//
// A zonal reservation's pool is its region's: PoolKey has no availability
// zone, so the zonal restriction is recorded only in the report notes.
func (c *Client) OwnedReservedInstances(ctx context.Context, region string) ([]providers.Commitment, *Report, error) {
	out, err := c.EC2.DescribeReservedInstances(ctx, &ec2.DescribeReservedInstancesInput{
		Filters: []ec2types.Filter{{Name: aws.String("state"), Values: []string{"active"}}},
	}, func(o *ec2.Options) {
		if region != "" {
			o.Region = region
		}
	})
	if err != nil {
		return nil, nil, wrap("ec2", "DescribeReservedInstances", err)
	}
	rep := &Report{}
	var cs []providers.Commitment
	for i, ri := range out.ReservedInstances {
		rep.Read++
		id := aws.ToString(ri.ReservedInstancesId)
		c, err := reservedInstance(ri, region)
		if err != nil {
			rep.skip(Skip{File: "ec2 DescribeReservedInstances", Item: fmt.Sprintf("%d %s", i+1, id), Reason: err.Error()})
			continue
		}
		if ri.Scope == ec2types.ScopeAvailabilityZone {
			rep.outOfScope("zonal reservation mapped to its region's pool (the zone is not part of a pool)")
		}
		cs = append(cs, c)
	}
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].ID < cs[j].ID })
	return cs, rep, nil
}

func reservedInstance(ri ec2types.ReservedInstances, region string) (providers.Commitment, error) {
	id := aws.ToString(ri.ReservedInstancesId)
	if id == "" {
		return providers.Commitment{}, fmt.Errorf("no reservedInstancesId")
	}
	var kind providers.Kind
	switch ri.OfferingClass {
	case ec2types.OfferingClassTypeStandard:
		kind = providers.KindRIStandard
	case ec2types.OfferingClassTypeConvertible:
		kind = providers.KindRIConvertible
	default:
		return providers.Commitment{}, fmt.Errorf("unknown offering class %q", ri.OfferingClass)
	}
	pay, err := providers.ParsePaymentOption(string(ri.OfferingType))
	if err != nil {
		return providers.Commitment{}, err
	}
	if ri.Start == nil || ri.End == nil || !ri.End.After(*ri.Start) {
		return providers.Commitment{}, fmt.Errorf("start %v and end %v do not make a window", ri.Start, ri.End)
	}
	count := aws.ToInt32(ri.InstanceCount)
	if count <= 0 {
		return providers.Commitment{}, fmt.Errorf("instance count %d", count)
	}
	tenancy, err := TenancyFromEC2(string(ri.InstanceTenancy))
	if err != nil {
		return providers.Commitment{}, err
	}
	zonal := ri.Scope == ec2types.ScopeAvailabilityZone
	if region == "" {
		return providers.Commitment{}, fmt.Errorf("no region")
	}
	pool, factor, err := EC2Pool(region, string(ri.InstanceType), NormalizePlatform(string(ri.ProductDescription)), tenancy, zonal, 0)
	if err != nil {
		return providers.Commitment{}, err
	}
	var hourly float64
	for _, rc := range ri.RecurringCharges {
		if rc.Frequency != ec2types.RecurringChargeFrequencyHourly {
			return providers.Commitment{}, fmt.Errorf("recurring charge with frequency %q", rc.Frequency)
		}
		hourly += aws.ToFloat64(rc.Amount)
	}
	hourly += f32(ri.UsagePrice)
	cur := string(ri.CurrencyCode)
	if cur == "" {
		cur = "USD"
	}
	return providers.Commitment{
		ID: id, Provider: providers.AWS, Kind: kind, PaymentOption: pay,
		Quantity: float64(count) * factor, Unit: pool.Unit,
		Start: ri.Start.UTC(), End: ri.End.UTC(), Scope: pool, InstanceType: string(ri.InstanceType),
		UpfrontFee: f32(ri.FixedPrice) * float64(count), RecurringHourlyFee: hourly * float64(count), Currency: cur,
	}, nil
}

// f32 reads an SDK float32 price as the decimal it was sent as (0.029, not
// 0.028999999).
func f32(p *float32) float64 {
	if p == nil {
		return 0
	}
	f, _ := strconv.ParseFloat(strconv.FormatFloat(float64(*p), 'g', -1, 32), 64)
	return f
}

// OwnedSavingsPlans lists the active savings plans as owned commitments:
// Quantity is the hourly commitment in its currency; a Compute Savings
// Plan's scope is all of AWS, an EC2 Instance Savings Plan's its family and
// region. Plans of other types (SageMaker, Database) are left out and
// counted in the report.
func (c *Client) OwnedSavingsPlans(ctx context.Context) ([]providers.Commitment, *Report, error) {
	in := &savingsplans.DescribeSavingsPlansInput{States: []sptypes.SavingsPlanState{sptypes.SavingsPlanStateActive}, MaxResults: aws.Int32(1000)}
	rep := &Report{}
	var cs []providers.Commitment
	seen := map[string]bool{}
	for page := 1; ; page++ {
		out, err := c.SavingsPlans.DescribeSavingsPlans(ctx, in)
		if err != nil {
			return nil, nil, wrap("savingsplans", "DescribeSavingsPlans", err)
		}
		for i, sp := range out.SavingsPlans {
			rep.Read++
			c, err := savingsPlan(sp)
			if reason, ok := isOutOfScope(err); ok {
				rep.outOfScope(reason)
				continue
			}
			if err != nil {
				rep.skip(Skip{File: "savingsplans DescribeSavingsPlans", Item: fmt.Sprintf("page %d plan %d %s", page, i+1, aws.ToString(sp.SavingsPlanId)), Reason: err.Error()})
				continue
			}
			cs = append(cs, c)
		}
		more, err := c.nextToken(seen, page, out.NextToken)
		if err != nil {
			return nil, nil, wrap("savingsplans", "DescribeSavingsPlans", err)
		}
		if !more {
			break
		}
		in.NextToken = out.NextToken
	}
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].ID < cs[j].ID })
	return cs, rep, nil
}

func savingsPlan(sp sptypes.SavingsPlan) (providers.Commitment, error) {
	id := aws.ToString(sp.SavingsPlanId)
	if id == "" {
		return providers.Commitment{}, fmt.Errorf("no savingsPlanId")
	}
	scope := providers.PoolKey{Provider: providers.AWS}
	var kind providers.Kind
	switch sp.SavingsPlanType {
	case sptypes.SavingsPlanTypeCompute:
		kind = providers.KindComputeSP
	case sptypes.SavingsPlanTypeEc2Instance:
		kind = providers.KindEC2InstanceSP
		scope.Region, scope.Service, scope.Family = aws.ToString(sp.Region), ServiceEC2, aws.ToString(sp.Ec2InstanceFamily)
		if scope.Region == "" || scope.Family == "" {
			return providers.Commitment{}, fmt.Errorf("EC2 Instance Savings Plan without region or family")
		}
	default:
		return providers.Commitment{}, outOfScope{fmt.Sprintf("savings plan type %q", sp.SavingsPlanType)}
	}
	pay, err := providers.ParsePaymentOption(string(sp.PaymentOption))
	if err != nil {
		return providers.Commitment{}, err
	}
	commit, err := parsePrice(aws.ToString(sp.Commitment))
	if err != nil || commit == 0 {
		return providers.Commitment{}, fmt.Errorf("commitment %q is not a positive amount", aws.ToString(sp.Commitment))
	}
	var upfront, recurring float64
	if s := aws.ToString(sp.UpfrontPaymentAmount); s != "" {
		if upfront, err = parsePrice(s); err != nil {
			return providers.Commitment{}, fmt.Errorf("upfrontPaymentAmount: %w", err)
		}
	}
	if s := aws.ToString(sp.RecurringPaymentAmount); s != "" {
		if recurring, err = parsePrice(s); err != nil {
			return providers.Commitment{}, fmt.Errorf("recurringPaymentAmount: %w", err)
		}
	}
	start, err := time.Parse(time.RFC3339, aws.ToString(sp.Start))
	if err != nil {
		return providers.Commitment{}, fmt.Errorf("start %q is not an RFC 3339 time", aws.ToString(sp.Start))
	}
	end, err := time.Parse(time.RFC3339, aws.ToString(sp.End))
	if err != nil || !end.After(start) {
		return providers.Commitment{}, fmt.Errorf("end %q is not an RFC 3339 time after the start", aws.ToString(sp.End))
	}
	cur := string(sp.Currency)
	if cur == "" {
		return providers.Commitment{}, fmt.Errorf("no currency")
	}
	return providers.Commitment{
		ID: id, Provider: providers.AWS, Kind: kind, PaymentOption: pay, Quantity: commit,
		Start: start.UTC(), End: end.UTC(), Scope: scope,
		UpfrontFee: upfront, RecurringHourlyFee: recurring, Currency: cur,
	}, nil
}
