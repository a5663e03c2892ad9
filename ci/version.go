package main

import "github.com/mjdevaccount/market-data-contracts/contracts/version"

// Version is the module's release: the version its source declares
// (contracts/version.Release, the newest section of
// contracts/docs/CHANGELOG.md), also written into every report it makes.
// At a release tag (-m github.com/mjdevaccount/market-data-contracts@v0.1.0)
// that is the tag; at a later commit (@main) the source may hold changes
// made since.
func (m *MarketDataContracts) Version() string {
	return version.Module().String()
}
