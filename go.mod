module github.com/mjdevaccount/market-data-contracts

go 1.26.1

require (
	github.com/joshdk/go-junit v1.0.0
	github.com/sethvargo/go-githubactions v1.3.0
	go.yaml.in/yaml/v3 v3.0.4
	golang.org/x/mod v0.36.0
)
