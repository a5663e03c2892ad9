module github.com/mjdevaccount/market-data-contracts

go 1.26.1

require go.yaml.in/yaml/v3 v3.0.4
