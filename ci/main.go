// Cross-repo contract CI for market-data-core, in containers.
package main

import "github.com/mjdevaccount/market-data-contracts/contracts/plan"

// MarketDataContracts runs downstream contract suites against Core.
type MarketDataContracts struct {
	// Image is the base image of every suite.
	Image string
}

// PlanVersion returns the plan schema version this module executes.
func (m *MarketDataContracts) PlanVersion() int { return plan.SchemaVersion }
