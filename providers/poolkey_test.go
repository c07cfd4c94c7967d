package providers

import "testing"

func TestPoolKeyContains(t *testing.T) {
	pool := func(family, platform string) PoolKey {
		return PoolKey{Provider: AWS, BillingScope: "111", Account: "222", Region: "us-east-2", Service: "AmazonEC2",
			Family: family, Platform: platform, Tenancy: "Shared", Unit: UnitInstanceHour}
	}
	sp := func(family string) PoolKey { // an EC2 Instance Savings Plan as the AWS API lists it
		return PoolKey{Provider: AWS, Region: "us-east-2", Service: "AmazonEC2", Family: family}
	}
	for _, c := range []struct {
		name        string
		scope, pool PoolKey
		want        bool
	}{
		{"everything", PoolKey{}, pool("c5.xlarge", "Windows"), true},
		{"same family", sp("c5"), pool("c5", "Linux/UNIX"), true},
		{"an instance type of the family", sp("c5"), pool("c5.xlarge", "Windows"), true},
		{"an instance type of another family", sp("c5"), pool("c5d.xlarge", "Windows"), false},
		{"another family", sp("c5"), pool("c4.xlarge", "Windows"), false},
		{"a family is not an instance type", sp("c5.xlarge"), pool("c5", "Linux/UNIX"), false},
		{"an instance type is itself", sp("c5.xlarge"), pool("c5.xlarge", "Windows"), true},
		{"another size", sp("c5.xlarge"), pool("c5.2xlarge", "Windows"), false},
		{"another region", PoolKey{Provider: AWS, Region: "us-east-1"}, pool("c5", "Linux/UNIX"), false},
		{"another account", PoolKey{Account: "333"}, pool("c5", "Linux/UNIX"), false},
		{"platform", PoolKey{Platform: "Windows"}, pool("c5.xlarge", "Linux/UNIX"), false},
	} {
		if got := c.scope.Contains(c.pool); got != c.want {
			t.Errorf("%s: %v contains %v: %v, want %v", c.name, c.scope, c.pool, got, c.want)
		}
	}
}
