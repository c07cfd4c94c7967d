package aws

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/costexplorer"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/pricing"
	"github.com/aws/aws-sdk-go-v2/service/savingsplans"
)

// The interfaces below list exactly the SDK calls the adapter makes; the
// IAM policy in deploy/aws-iam-policy.json allows exactly these (a test
// checks it against the calls a test server sees). None of them buys.

// PricingAPI is the part of the Price List API the adapter uses.
type PricingAPI interface {
	GetProducts(ctx context.Context, in *pricing.GetProductsInput, optFns ...func(*pricing.Options)) (*pricing.GetProductsOutput, error)
}

// SavingsPlansAPI is the part of the Savings Plans API the adapter uses.
type SavingsPlansAPI interface {
	DescribeSavingsPlansOfferingRates(ctx context.Context, in *savingsplans.DescribeSavingsPlansOfferingRatesInput, optFns ...func(*savingsplans.Options)) (*savingsplans.DescribeSavingsPlansOfferingRatesOutput, error)
	DescribeSavingsPlans(ctx context.Context, in *savingsplans.DescribeSavingsPlansInput, optFns ...func(*savingsplans.Options)) (*savingsplans.DescribeSavingsPlansOutput, error)
}

// CostExplorerAPI is the part of Cost Explorer the adapter uses.
type CostExplorerAPI interface {
	GetCostAndUsage(ctx context.Context, in *costexplorer.GetCostAndUsageInput, optFns ...func(*costexplorer.Options)) (*costexplorer.GetCostAndUsageOutput, error)
	GetReservationPurchaseRecommendation(ctx context.Context, in *costexplorer.GetReservationPurchaseRecommendationInput, optFns ...func(*costexplorer.Options)) (*costexplorer.GetReservationPurchaseRecommendationOutput, error)
	GetSavingsPlansPurchaseRecommendation(ctx context.Context, in *costexplorer.GetSavingsPlansPurchaseRecommendationInput, optFns ...func(*costexplorer.Options)) (*costexplorer.GetSavingsPlansPurchaseRecommendationOutput, error)
	GetReservationCoverage(ctx context.Context, in *costexplorer.GetReservationCoverageInput, optFns ...func(*costexplorer.Options)) (*costexplorer.GetReservationCoverageOutput, error)
	GetReservationUtilization(ctx context.Context, in *costexplorer.GetReservationUtilizationInput, optFns ...func(*costexplorer.Options)) (*costexplorer.GetReservationUtilizationOutput, error)
	GetSavingsPlansCoverage(ctx context.Context, in *costexplorer.GetSavingsPlansCoverageInput, optFns ...func(*costexplorer.Options)) (*costexplorer.GetSavingsPlansCoverageOutput, error)
	GetSavingsPlansUtilization(ctx context.Context, in *costexplorer.GetSavingsPlansUtilizationInput, optFns ...func(*costexplorer.Options)) (*costexplorer.GetSavingsPlansUtilizationOutput, error)
}

// EC2API is the part of the EC2 API the adapter uses.
type EC2API interface {
	DescribeReservedInstances(ctx context.Context, in *ec2.DescribeReservedInstancesInput, optFns ...func(*ec2.Options)) (*ec2.DescribeReservedInstancesOutput, error)
}

var (
	_ PricingAPI      = (*pricing.Client)(nil)
	_ SavingsPlansAPI = (*savingsplans.Client)(nil)
	_ CostExplorerAPI = (*costexplorer.Client)(nil)
	_ EC2API          = (*ec2.Client)(nil)
)
